import type { AllowedDifference } from "./compare";

/**
 * Differences between the cdktf and the cdktn synth that `npm run check:cdktn` accepts. Every entry
 * says why it is harmless. Anything else fails the check. Keep entries narrow (exact values where
 * the value is known): a broad pattern would hide the next real difference.
 */
export const ALLOWED_DIFFERENCES: readonly AllowedDifference[] = [
  {
    address: "//",
    attribute: "metadata.version",
    why:
      "The framework's own version in the stack's `//` comment block. Terraform ignores `//` keys; " +
      "it tells a reader which cdktf or cdktn release wrote the file.",
  },
  {
    address: "terraform",
    attribute: "required_providers.aws.version",
    why:
      "The provider version each binding package was generated from: @cdktf/provider-aws 20.1.0 is " +
      "AWS provider 5.100.0, @cdktn/provider-aws 6.x (see tools/cdktn-check/versions.ts). This is " +
      "the point of the move, not an accident; the attributes the modules set are compared one by one.",
  },
  {
    address: "terraform",
    attribute: "required_providers.aws.source",
    cdktf: '"aws"',
    cdktn: '"hashicorp/aws"',
    why:
      "cdktf 0.21 writes the short source address `aws`, which Terraform expands to " +
      "`registry.terraform.io/hashicorp/aws`; cdktn writes `hashicorp/aws`, the same provider. " +
      "`terraform providers` shows registry.terraform.io/hashicorp/aws for both.",
  },
];
