import { parsePolicy, resourcesOf, TerraformJson } from "../helpers/synth";
import type { PlanJson } from "../helpers/terraform";
import { planned } from "./plan-queries";

/** The Terraform address of the only resource of `type` in a synthesized stack. */
export function onlyAddress(json: TerraformJson, type: string): string {
  const names = Object.keys(resourcesOf(json, type));
  if (names.length !== 1) throw new Error(`expected one ${type}, found ${names.join(", ") || "none"}`);
  return `${type}.${names[0]}`;
}

/** The mount targets' addresses, sorted: what a task or function must depend on. */
export function mountTargetAddresses(json: TerraformJson): string[] {
  return Object.keys(resourcesOf(json, "aws_efs_mount_target"))
    .map((name) => `aws_efs_mount_target.${name}`)
    .sort();
}

/** The configuration block of a resource in the plan: its expressions and `depends_on`. */
export function plannedConfiguration(plan: PlanJson, address: string): any {
  return plan.configuration.root_module.resources.find((r: { address: string }) => r.address === address);
}

/**
 * The check the ECS and Lambda examples share: a read-write grant scoped to the one access point in
 * both the role's inline policy and the file-system policy, and an explicit Deny of the file-system
 * root (`accessPointsOnly`) for the role `roleAddress` (e.g. `aws_iam_role.task-role`).
 */
export function expectAccessPointOnlyGrant(plan: PlanJson, json: TerraformJson, roleAddress: string): void {
  const accessPoint = onlyAddress(json, "aws_efs_access_point");
  const scoped = {
    Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
    StringEquals: { "elasticfilesystem:AccessPointArn": `\${${accessPoint}.arn}` },
  };
  const grants = Object.entries(resourcesOf(json, "aws_iam_role_policy")).filter(([, p]) =>
    String(p.name).includes("-efs-read-write"),
  );
  expect(grants).toHaveLength(1);
  const [grantName, grant] = grants[0] ?? [];
  expect(parsePolicy(grant?.policy).Statement).toEqual([
    expect.objectContaining({ Effect: "Allow", Condition: scoped }),
  ]);
  const fileSystemPolicy = parsePolicy(
    Object.values(resourcesOf(json, "aws_efs_file_system_policy"))[0]?.policy,
  );
  const roleArn = `\${${roleAddress}.arn}`;
  expect(fileSystemPolicy.Statement).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ Effect: "Allow", Principal: { AWS: roleArn }, Condition: scoped }),
      expect.objectContaining({
        Effect: "Deny",
        Principal: { AWS: roleArn },
        Action: "elasticfilesystem:Client*",
        Condition: { StringNotEquals: { "elasticfilesystem:AccessPointArn": `\${${accessPoint}.arn}` } },
      }),
    ]),
  );
  // Terraform read both documents as depending on the access point's ARN.
  const policyAddresses = [
    onlyAddress(json, "aws_efs_file_system_policy"),
    `aws_iam_role_policy.${grantName}`,
  ];
  for (const address of policyAddresses) {
    expect(plannedConfiguration(plan, address).expressions.policy.references).toContain(`${accessPoint}.arn`);
  }
  expect(new Set(planned(plan).flatMap((r) => r.actions))).toEqual(new Set(["create"]));
}
