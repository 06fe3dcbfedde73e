import { App, TerraformStack, Testing } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A synthesized stack's Terraform JSON. */
export type TerraformJson = Record<string, any>;
export type ResourceConfig = Record<string, any>;

/**
 * An empty stack with an AWS provider, for unit tests of one module. `hclOutput` builds it the way
 * `cdktf synth --hcl` does, for tests of what differs in the HCL output.
 */
export function testStack(
  name = "test",
  { hclOutput = false }: { hclOutput?: boolean } = {},
): TerraformStack {
  const app = hclOutput
    ? new App({ hclOutput: true, outdir: mkdtempSync(join(tmpdir(), "cdktf-efs-hcl-")) })
    : Testing.app();
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  return stack;
}

/** Synthesizes one stack in memory, as TerraConstructs' Template does (prepareStack first). */
export function synth(stack: TerraformStack): TerraformJson {
  stack.prepareStack();
  return JSON.parse(Testing.synth(stack));
}

/** The resources of one type, by Terraform name. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, ResourceConfig> {
  return json.resource?.[type] ?? {};
}

/** The resources of one type, as a list of their configs. */
export function configsOf(json: TerraformJson, type: string): ResourceConfig[] {
  return Object.values(resourcesOf(json, type));
}

/** The single resource of `type`; fails the test if there are none or several. */
export function onlyResource(json: TerraformJson, type: string): ResourceConfig {
  const configs = configsOf(json, type);
  if (configs.length !== 1) throw new Error(`expected exactly one ${type}, found ${configs.length}`);
  return configs[0];
}

/** The Terraform address of the resource with construct path `path`, e.g. `aws_vpc.network_vpc_4E8F0223`. */
export function addressOf(json: TerraformJson, type: string, constructPathSuffix: string): string {
  for (const [name, config] of Object.entries(resourcesOf(json, type))) {
    if (String(config["//"]?.metadata?.path).endsWith(constructPathSuffix)) return `${type}.${name}`;
  }
  throw new Error(`no ${type} at a construct path ending in ${constructPathSuffix}`);
}

/**
 * Runs the full synth of `build(app)` into a fresh temporary directory, the way `main.ts` does,
 * and returns the output directory.
 */
export function fullSynth(build: (app: App) => void): string {
  const outdir = mkdtempSync(join(tmpdir(), "cdktf-efs-synth-"));
  const app = new App({ outdir });
  build(app);
  app.synth();
  return outdir;
}

/** The `cdk.tf.json` of one stack in a full-synth output directory. */
export function readStackJson(outdir: string, stackName: string): TerraformJson {
  return JSON.parse(readFileSync(join(outdir, "stacks", stackName, "cdk.tf.json"), "utf8"));
}

/** Policy documents and dashboard bodies, in JSON text or as `${jsonencode(...)}`: see ./policy. */
export { parsePolicy } from "./policy";
