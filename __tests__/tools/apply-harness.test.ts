import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  EMULATOR_GAPS,
  emulatorOverride,
  servicesOf,
  STAND_INS,
  substituteStandIns,
  UNDELETABLE_IN_EMULATOR,
} from "../../tools/apply/emulator";
import { explainChanges, plannedChanges, type EmulatorArtifact } from "../../tools/apply/plan-diff";
import {
  memberPlan,
  moduleNameOf,
  reportsByModule,
  rootModule,
  splitAddress,
  stackProviderSource,
} from "../../tools/apply/combined";

const artifactsFile = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "tools", "apply", "emulator-artifacts.json"), "utf8"),
);
const artifacts: EmulatorArtifact[] = artifactsFile.artifacts;

/** A `terraform show -json` plan with one resource change. */
function planWith(...changes: Record<string, unknown>[]) {
  return { resource_changes: changes };
}

const backupVaultTagsOnly = {
  address: "aws_backup_vault.v",
  type: "aws_backup_vault",
  change: {
    actions: ["update"],
    before: { name: "v", tags_all: {} },
    after: { name: "v", tags_all: { Stack: "s" } },
    after_unknown: {},
  },
};

test("a change of only the listed attributes of the listed type is an artifact", () => {
  const { explained, unexplained } = explainChanges(plannedChanges(planWith(backupVaultTagsOnly)), artifacts);
  expect(unexplained).toEqual([]);
  expect(
    explained.map(({ change, artifactIds }) => [change.address, change.attributes, artifactIds]),
  ).toEqual([["aws_backup_vault.v", ["tags_all"], ["backup-list-tags-path"]]]);
});

test("any other changed attribute, or a replacement, does not settle", () => {
  const renamed = {
    ...backupVaultTagsOnly,
    change: { ...backupVaultTagsOnly.change, after: { name: "w", tags_all: { Stack: "s" } } },
  };
  const replacedFileSystem = {
    address: "aws_efs_file_system.f",
    type: "aws_efs_file_system",
    change: {
      actions: ["delete", "create"],
      before: { tags_all: {} },
      after: { tags_all: {} },
      after_unknown: { id: true },
    },
  };
  const { unexplained } = explainChanges(plannedChanges(planWith(renamed, replacedFileSystem)), artifacts);
  expect(unexplained.map((change) => [change.address, change.attributes])).toEqual([
    ["aws_backup_vault.v", ["name", "tags_all"]],
    ["aws_efs_file_system.f", ["id"]],
  ]);
});

test("a replace_triggered_by replacement, or a change of only unknown values, passes only when every other change is an artifact", () => {
  const instance = {
    address: "aws_instance.i",
    type: "aws_instance",
    action_reason: "replace_by_triggers",
    change: { actions: ["delete", "create"], before: { id: "i-1" }, after: {}, after_unknown: { id: true } },
  };
  const attachment = {
    address: "aws_volume_attachment.a",
    type: "aws_volume_attachment",
    action_reason: "replace_because_cannot_update",
    change: {
      actions: ["delete", "create"],
      before: { id: "vai-1", instance_id: "i-1", volume_id: "vol-1" },
      after: { volume_id: "vol-1" },
      after_unknown: { id: true, instance_id: true },
    },
  };
  const alone = explainChanges(plannedChanges(planWith(instance, attachment)), artifacts);
  expect(alone.unexplained.map((change) => change.address)).toEqual([
    "aws_instance.i",
    "aws_volume_attachment.a",
  ]);
  const withArtifact = explainChanges(
    plannedChanges(planWith(backupVaultTagsOnly, instance, attachment)),
    artifacts,
  );
  expect(withArtifact.unexplained).toEqual([]);
  expect(withArtifact.explained.map(({ artifactIds }) => artifactIds)).toEqual([
    ["backup-list-tags-path"],
    ["follows from the changes above"],
    ["follows from the changes above"],
  ]);
});

test("a value that only becomes unknown while the rest of the attribute stays follows from the other changes", () => {
  // The group's template version is unknown while the template gets a new version; its preference
  // is an artifact. Neither alone may pass, and a known part that changes never does.
  const group = (after: Record<string, unknown>) => ({
    address: "aws_autoscaling_group.g",
    type: "aws_autoscaling_group",
    change: {
      actions: ["update"],
      before: {
        capacity_reservation_specification: [{ capacity_reservation_preference: null }],
        launch_template: [{ id: "lt-1", name: "web", version: "1" }],
      },
      after: {
        capacity_reservation_specification: [{ capacity_reservation_preference: "" }],
        launch_template: [after],
      },
      after_unknown: { launch_template: [{ version: true }] },
    },
  });
  const versionOnly = group({ id: "lt-1", name: "web" });
  expect(plannedChanges(planWith(versionOnly))[0].pending).toEqual(["launch_template"]);
  expect(explainChanges(plannedChanges(planWith(versionOnly)), artifacts).unexplained).toHaveLength(1);
  const withArtifact = explainChanges(plannedChanges(planWith(backupVaultTagsOnly, versionOnly)), artifacts);
  expect(withArtifact.unexplained).toEqual([]);
  expect(withArtifact.explained.map(({ artifactIds }) => artifactIds)).toEqual([
    ["backup-list-tags-path"],
    ["autoscaling-capacity-reservation-specification", "follows from the changes above"],
  ]);
  const otherTemplate = group({ id: "lt-2", name: "web" });
  expect(
    explainChanges(plannedChanges(planWith(backupVaultTagsOnly, otherTemplate)), artifacts).unexplained.map(
      (change) => change.address,
    ),
  ).toEqual(["aws_autoscaling_group.g"]);
});

test("an example's existing resources are named by the stand-ins' ids in the applied copy", () => {
  expect(STAND_INS["example:byo-vpc"].map((standIn) => standIn.kind)).toEqual(["vpc", "role"]);
  const stack: Record<string, unknown> = {
    resource: { aws_efs_mount_target: { m: { subnet_id: "subnet-0bbbbbbbbbbbbbbb1" } } },
  };
  expect(substituteStandIns([stack], { "subnet-0bbbbbbbbbbbbbbb1": "subnet-moto" })).toEqual([
    "subnet-0bbbbbbbbbbbbbbb1 -> subnet-moto: stand-in created in the emulator",
  ]);
  expect(stack).toEqual({ resource: { aws_efs_mount_target: { m: { subnet_id: "subnet-moto" } } } });
  expect(() => substituteStandIns([stack], { "vpc-0a1b2c3d4e5f60718": "vpc-moto" })).toThrow(
    "stand-in vpc-0a1b2c3d4e5f60718 is named by no stack: update STAND_INS in tools/apply/emulator.ts",
  );
});

test("every gap the harness works around is documented with its evidence, and the reverse", () => {
  const documented = artifactsFile.gaps.map((gap: Record<string, string>) => gap.id).sort();
  const implemented = [
    ...EMULATOR_GAPS.map((gap) => gap.id),
    ...Object.values(UNDELETABLE_IN_EMULATOR).map((gap) => gap.gapId),
  ].sort();
  expect(documented).toEqual(implemented);
  for (const entry of [...artifactsFile.gaps, ...artifacts]) {
    expect(entry).toEqual(
      expect.objectContaining({
        evidence: expect.any(String),
        reference: expect.stringMatching(/^https:\/\/docs\.aws\.amazon\.com\//),
      }),
    );
  }
});

test("the applied copy leaves out what moto lacks and says so; the input is a copy the test owns", () => {
  const stack = {
    resource: {
      aws_efs_file_system: { fs: { encrypted: true, protection: { replication_overwrite: "ENABLED" } } },
      aws_efs_backup_policy: { bp: { backup_policy: { status: "DISABLED" } } },
      aws_backup_vault_notifications: { n: { backup_vault_name: "v", sns_topic_arn: "t" } },
      aws_launch_template: {
        lt: { block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_type: "gp3" } }] },
      },
    },
  };
  const lines = EMULATOR_GAPS.flatMap((gap) => gap.omit(stack));
  expect(lines).toEqual([
    "aws_efs_file_system.fs.protection left out: moto has no UpdateFileSystemProtection",
    "aws_efs_backup_policy.bp left out: moto has no PutBackupPolicy",
    "aws_backup_vault_notifications.n left out: moto has no PutBackupVaultNotifications",
    "aws_launch_template.lt /dev/xvda: volume_size 8 set: moto refuses a mapping without size or snapshot",
  ]);
  expect(stack.resource).toEqual({
    aws_efs_file_system: { fs: { encrypted: true } },
    aws_launch_template: {
      lt: {
        block_device_mappings: [{ device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 8 } }],
      },
    },
  });
});

test("every service a stack uses is pointed at the emulator; an unmapped type fails naming it", () => {
  const stack = {
    provider: { aws: [{ region: "eu-west-1" }] },
    resource: { aws_efs_file_system: {}, aws_cloudwatch_log_group: {}, aws_vpc: {} },
  };
  const override = emulatorOverride(stack, "http://127.0.0.1:1");
  expect(override.provider.aws[0].endpoints).toEqual([
    {
      ec2: "http://127.0.0.1:1",
      efs: "http://127.0.0.1:1",
      logs: "http://127.0.0.1:1",
      ssm: "http://127.0.0.1:1",
      sts: "http://127.0.0.1:1",
    },
  ]);
  expect(override.provider.aws[0]).not.toHaveProperty("skip_requesting_account_id");
  expect(servicesOf({ data: { aws_availability_zones: {}, aws_iam_policy_document: {} } })).toEqual([
    "ec2",
    "ssm",
    "sts",
  ]);
  expect(
    servicesOf({
      resource: {
        aws_ecs_service: {},
        aws_lambda_function: {},
        aws_lb_listener: {},
        aws_autoscaling_group: {},
      },
    }),
  ).toEqual(["autoscaling", "ecs", "elbv2", "lambda", "ssm", "sts"]);
  expect(() => servicesOf({ resource: { aws_nat_gateway: {} } })).toThrow(
    "no emulator endpoint for aws_nat_gateway: add its service to SERVICE_BY_PREFIX (resources) or SERVICE_BY_DATA_SOURCE in tools/apply/emulator.ts",
  );
});

describe("stacks applied together as child modules", () => {
  const members = [
    { moduleName: moduleNameOf("dev", "efs"), source: "../../dev/applied/efs" },
    { moduleName: moduleNameOf("example:lambda", "lambda"), source: "../../example-lambda/applied/lambda" },
  ];

  test("each stack is a module, with a provider address of its own that terraform accepts", () => {
    // GIVEN / WHEN
    const root = rootModule(members);
    // THEN
    expect(Object.keys(root.module)).toEqual(["dev__efs", "example-lambda__lambda"]);
    expect(root.module["dev__efs"]).toEqual({ source: "../../dev/applied/efs" });
    expect(stackProviderSource("example-lambda__lambda")).toBe("efs-apply.test/example-lambda-lambda/aws");
  });

  test("a stack's part of the combined plan has the addresses a plan of that stack alone shows", () => {
    // GIVEN
    const combined = {
      resource_changes: [
        {
          ...backupVaultTagsOnly,
          address: "module.dev__efs.aws_backup_vault.v",
          module_address: "module.dev__efs",
        },
        {
          ...backupVaultTagsOnly,
          address: "module.example-lambda__lambda.aws_efs_file_system.f",
          module_address: "module.example-lambda__lambda",
          type: "aws_efs_file_system",
        },
      ],
    };
    // WHEN
    const own = plannedChanges(memberPlan(combined, "dev__efs"));
    // THEN
    expect(own.map((change) => change.address)).toEqual(["aws_backup_vault.v"]);
    expect(splitAddress("module.dev__efs.aws_efs_mount_target.m[0]")).toEqual({
      moduleName: "dev__efs",
      address: "aws_efs_mount_target.m[0]",
    });
  });

  test("an error fails the stack it names, by address or by file; one that names none fails them all", () => {
    // GIVEN
    const started = Date.parse("2026-12-06T10:00:00Z");
    const lines = [
      {
        type: "apply_complete",
        "@timestamp": "2026-12-06T10:00:12.5Z",
        hook: { resource: { addr: "module.dev__efs.aws_vpc.v" } },
      },
      {
        type: "diagnostic",
        diagnostic: {
          severity: "error",
          summary: "creating EFS",
          address: "module.example-lambda__lambda.aws_efs_file_system.f",
        },
      },
      {
        type: "diagnostic",
        diagnostic: {
          severity: "error",
          summary: "bad endpoint",
          range: { filename: "../../dev/applied/efs/emulator_override.tf.json" },
        },
      },
      {
        type: "diagnostic",
        diagnostic: { severity: "warning", summary: "targeting", address: "module.dev__efs.x.y" },
      },
    ].map((line) => JSON.stringify(line));
    // WHEN
    const { reports, unattributed } = reportsByModule(lines.join("\n"), members, started);
    const orphan = reportsByModule(
      JSON.stringify({ type: "diagnostic", diagnostic: { severity: "error", summary: "no root" } }),
      members,
      started,
    );
    // THEN
    expect(reports["dev__efs"]).toEqual({ errors: ["bad endpoint"], seconds: 12.5 });
    expect(reports["example-lambda__lambda"].errors).toEqual(["creating EFS (aws_efs_file_system.f)"]);
    expect(unattributed).toEqual([]);
    expect(orphan.unattributed).toEqual(["no root"]);
  });
});
