import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePolicy, readStackJson, resourcesOf, TerraformJson } from "../helpers/synth";
import { planStack, PlanJson, plannedResources } from "../helpers/terraform";

// The ECS Fargate and Lambda examples (issue #12), run from source: each `examples/<name>/main.ts` is the
// consumer app itself, with the package's subpaths mapped onto this repository's modules. The packed
// package is tested against the same files elsewhere; this proves the apps synthesize and plan offline.
jest.mock("cdktf-efs-shared-home/efs", () => jest.requireActual("../../modules/efs"), { virtual: true });
jest.mock("cdktf-efs-shared-home/clients", () => jest.requireActual("../../modules/clients"), {
  virtual: true,
});
jest.mock("cdktf-efs-shared-home/network", () => jest.requireActual("../../modules/network"), {
  virtual: true,
});

const EXAMPLES = ["ecs-fargate", "lambda"] as const;
type Example = (typeof EXAMPLES)[number];

/** Runs the example app as `cdktf synth` would, into a fresh directory; returns that directory. */
function synthExample(name: Example): string {
  const outdir = mkdtempSync(join(tmpdir(), `cdktf-efs-example-${name}-`));
  const previous = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = outdir;
  try {
    // The app synthesizes when loaded, as `cdktf synth` runs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.isolateModules(() => require(`../../examples/${name}/main`));
  } finally {
    if (previous === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = previous;
  }
  return outdir;
}

const synthesized = Object.fromEntries(
  EXAMPLES.map((name) => {
    const outdir = synthExample(name);
    return [name, { dir: join(outdir, "stacks", name), json: readStackJson(outdir, name) }];
  }),
) as Record<Example, { dir: string; json: TerraformJson }>;
let plans: Record<Example, PlanJson>;

beforeAll(async () => {
  const results = await Promise.all(
    EXAMPLES.map((name) => planStack(synthesized[name].dir, [], { validate: false })),
  );
  plans = Object.fromEntries(EXAMPLES.map((name, i) => [name, results[i]!.plan])) as typeof plans;
});

/** The Terraform address of the only resource of `type` in a synthesized stack. */
function onlyAddress(json: TerraformJson, type: string): string {
  const names = Object.keys(resourcesOf(json, type));
  expect(names).toHaveLength(1);
  return `${type}.${names[0]}`;
}

/** The configuration block of a resource in the plan, with its expressions and depends_on. */
function plannedConfiguration(plan: PlanJson, address: string) {
  return plan.configuration.root_module.resources.find((r: { address: string }) => r.address === address);
}

describe.each(EXAMPLES)("the %s example", (name) => {
  test("plans only creates", () => {
    const actions = new Set(
      plans[name].resource_changes.flatMap((c: { change: { actions: string[] } }) => c.change.actions),
    );
    expect([...actions]).toEqual(["create"]);
  });

  test("scopes the role to the access point in both the identity and the file-system policy", () => {
    const { json } = synthesized[name];
    const accessPoint = onlyAddress(json, "aws_efs_access_point");
    const scoped = {
      Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
      StringEquals: { "elasticfilesystem:AccessPointArn": `\${${accessPoint}.arn}` },
    };
    const grant = Object.values(resourcesOf(json, "aws_iam_role_policy")).filter((p) =>
      String(p.name).includes("-efs-read-write-"),
    );
    expect(grant).toHaveLength(1);
    expect(parsePolicy(grant[0]!.policy).Statement).toEqual([
      expect.objectContaining({ Effect: "Allow", Condition: scoped }),
    ]);
    const fileSystemPolicy = parsePolicy(
      Object.values(resourcesOf(json, "aws_efs_file_system_policy"))[0]!.policy,
    );
    const roleArn = expect.stringMatching(/^\$\{aws_iam_role\.(task|function)-role\.arn\}$/);
    expect(fileSystemPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: "Allow", Principal: { AWS: roleArn }, Condition: scoped }),
        expect.objectContaining({
          Effect: "Deny",
          Principal: { AWS: roleArn },
          Condition: { Null: { "elasticfilesystem:AccessPointArn": "true" } },
        }),
      ]),
    );
    // Terraform read both documents as depending on the access point's ARN.
    for (const address of [
      onlyAddress(json, "aws_efs_file_system_policy"),
      `aws_iam_role_policy.${grantName(json)}`,
    ]) {
      expect(plannedConfiguration(plans[name], address).expressions.policy.references).toContain(
        `${accessPoint}.arn`,
      );
    }
  });
});

function grantName(json: TerraformJson): string {
  const [name] = Object.entries(resourcesOf(json, "aws_iam_role_policy")).find(([, p]) =>
    String(p.name).includes("-efs-read-write-"),
  )!;
  return name;
}

function mountTargetAddresses(json: TerraformJson): string[] {
  return Object.keys(resourcesOf(json, "aws_efs_mount_target"))
    .map((n) => `aws_efs_mount_target.${n}`)
    .sort();
}

test("the ECS task mounts with TLS, IAM and the access point, on Fargate 1.4.0, after the mount targets", () => {
  // GIVEN
  const { json } = synthesized["ecs-fargate"];
  const plan = plans["ecs-fargate"];
  // THEN
  const [taskDefinition] = plannedResources(plan, "aws_ecs_task_definition");
  expect(taskDefinition!.after.volume).toEqual([
    expect.objectContaining({
      name: "web-content",
      efs_volume_configuration: [
        expect.objectContaining({
          transit_encryption: "ENABLED",
          authorization_config: [expect.objectContaining({ iam: "ENABLED" })],
        }),
      ],
    }),
  ]);
  const accessPoint = onlyAddress(json, "aws_efs_access_point");
  const volumeConfig = plannedConfiguration(plan, taskDefinition!.address).expressions.volume[0]
    .efs_volume_configuration[0];
  expect(volumeConfig.authorization_config[0].access_point_id.references).toContain(`${accessPoint}.id`);
  const [service] = plannedResources(plan, "aws_ecs_service");
  expect(service!.after).toMatchObject({ launch_type: "FARGATE", platform_version: "1.4.0" });
  expect([...plannedConfiguration(plan, service!.address).depends_on].sort()).toEqual(
    mountTargetAddresses(json),
  );
});

test("the Lambda function mounts the access point at /mnt/data from the VPC, after the mount targets", () => {
  const { json } = synthesized.lambda;
  const plan = plans.lambda;
  const [fn] = plannedResources(plan, "aws_lambda_function");
  expect(fn!.after.file_system_config).toEqual([expect.objectContaining({ local_mount_path: "/mnt/data" })]);
  const config = plannedConfiguration(plan, fn!.address);
  expect(config.expressions.file_system_config[0].arn.references).toContain(
    `${onlyAddress(json, "aws_efs_access_point")}.arn`,
  );
  expect(config.expressions.vpc_config[0].subnet_ids.references).toEqual(
    expect.arrayContaining([expect.stringMatching(/^aws_subnet\.network_private-subnet-eu-west-1a_/)]),
  );
  expect([...config.depends_on].sort()).toEqual(mountTargetAddresses(json));
});
