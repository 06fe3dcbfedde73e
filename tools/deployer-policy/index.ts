/**
 * The deployer's least-privilege IAM policy, generated from the resource types our stacks synthesize
 * for every settings file in config/ and the actions each type needs (./actions.ts).
 * `docs/deployer-policy.json` is this output; a jest test keeps it current.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Testing, type TerraformStack } from "cdktf";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { StateStack } from "../../stacks/state-stack";
import { loadSettings } from "../../settings/load";
import { toStackProps, toStateStackProps } from "../../settings/stack-props";
import { ACTIONS_BY_RESOURCE_TYPE, BASELINE_ACTIONS, STATE_BACKEND_ACTIONS } from "./actions";

/** Where the committed policy lives, relative to the project root. */
export const POLICY_FILE = "docs/deployer-policy.json";
export const REGENERATE_COMMAND = "npx tsx tools/deployer-policy/cli.ts";

/** The services that may receive a role from the deployer: instances, AWS Backup, VPC flow logs. */
const PASS_ROLE_SERVICES = ["backup.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"];

/** Placeholders the operator replaces with the environment's `state.bucket` and `state.keyPrefix`. */
const STATE_BUCKET_ARN = "arn:aws:s3:::STATE_BUCKET";

type PolicyStatement = Record<string, unknown>;

/** The resource types of every stack `main.ts` builds for each settings file in `configDir`, sorted. */
export function synthesizedResourceTypes(configDir: string): string[] {
  const types = new Set<string>();
  for (const file of readdirSync(configDir).filter(
    (name) => name.endsWith(".json") && !name.endsWith(".schema.json"),
  )) {
    const settings = loadSettings(join(configDir, file));
    const props = toStackProps(settings);
    const app = Testing.app();
    const stacks: TerraformStack[] = [
      new StateStack(app, "state", toStateStackProps(settings)),
      new EfsStack(app, "efs", props),
      new EfsWithBackupStack(app, "efs-with-backup", props),
    ];
    for (const stack of stacks) {
      stack.prepareStack();
      for (const type of Object.keys(JSON.parse(Testing.synth(stack)).resource ?? {})) types.add(type);
    }
  }
  return [...types].sort();
}

/** `Ec2` for `ec2`, `BackupStorage` for `backup-storage`: a statement id per service. */
function sidOf(service: string): string {
  return service
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The policy for `resourceTypes`; throws naming every type the action map does not cover. */
export function deployerPolicy(resourceTypes: readonly string[]): Record<string, unknown> {
  const unmapped = resourceTypes.filter((type) => !(type in ACTIONS_BY_RESOURCE_TYPE));
  if (unmapped.length > 0) {
    throw new Error(
      `no IAM actions for resource type(s) ${unmapped.join(", ")}: add them to ACTIONS_BY_RESOURCE_TYPE in tools/deployer-policy/actions.ts`,
    );
  }
  const actions = new Set([
    ...BASELINE_ACTIONS,
    ...resourceTypes.flatMap((type) => ACTIONS_BY_RESOURCE_TYPE[type]),
  ]);
  const passRole = actions.delete("iam:PassRole");
  const byService = new Map<string, string[]>();
  for (const action of [...actions].sort()) {
    const service = action.split(":")[0];
    byService.set(service, [...(byService.get(service) ?? []), action]);
  }
  const statements: PolicyStatement[] = [...byService.entries()].map(([service, serviceActions]) => ({
    Sid: sidOf(service),
    Effect: "Allow",
    Action: serviceActions,
    Resource: "*",
  }));
  if (passRole) {
    // PassRole only to the services our roles are for, so the deployer can't hand a role to anything else.
    statements.push({
      Sid: "PassRoleToStackServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PassedToService": PASS_ROLE_SERVICES } },
    });
  }
  statements.push({
    Sid: "TerraformStateBackend",
    Effect: "Allow",
    Action: [...STATE_BACKEND_ACTIONS],
    Resource: [STATE_BUCKET_ARN, `${STATE_BUCKET_ARN}/*`],
  });
  return { Version: "2012-10-17", Statement: statements };
}

/** The policy file's text, as committed. */
export function deployerPolicyText(configDir: string): string {
  return `${JSON.stringify(deployerPolicy(synthesizedResourceTypes(configDir)), null, 2)}\n`;
}
