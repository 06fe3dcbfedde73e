import { join } from "node:path";
import { TEST_STACK_PROPS } from "../helpers/app";
import { fullSynth, readStackJson } from "../helpers/synth";
import { planStacks, PlanResult, plannedResources } from "../helpers/terraform";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";

// One full synth and one offline plan of both stacks together (one terraform configuration), shared by
// every test below.
// The efs stack is regional; efs-with-backup is One Zone in eu-west-1b, so that one plan shows every
// client and the backup host where the single mount target is.
const ONE_ZONE = "eu-west-1b";
const outdir = fullSynth((app) => {
  new EfsStack(app, "efs", TEST_STACK_PROPS);
  new EfsWithBackupStack(app, "efs-with-backup", {
    ...TEST_STACK_PROPS,
    fileSystem: { oneZoneAvailabilityZone: ONE_ZONE },
  });
});
const STACKS = ["efs", "efs-with-backup"] as const;
const MOUNT_TARGET_ZONES = { efs: ["eu-west-1a", "eu-west-1b"], "efs-with-backup": [ONE_ZONE] };
let plans: Record<(typeof STACKS)[number], PlanResult>;

beforeAll(async () => {
  plans = await planStacks(
    Object.fromEntries(STACKS.map((name) => [name, join(outdir, "stacks", name)])) as Record<
      (typeof STACKS)[number],
      string
    >,
  );
});

describe.each(STACKS)("offline terraform plan of the %s stack", (stackName) => {
  test("plans only creates", () => {
    const actions = new Set(
      plans[stackName].plan.resource_changes.flatMap(
        (c: { change: { actions: string[] } }) => c.change.actions,
      ),
    );
    expect([...actions]).toEqual(["create"]);
  });

  test("puts one mount target in the private subnet of each AZ of the file system", () => {
    const { plan } = plans[stackName];
    const subnets = plannedResources(plan, "aws_subnet");
    const privateZones = subnets
      .filter((s) => s.after.map_public_ip_on_launch === false)
      .map((s) => s.after.availability_zone);
    expect(privateZones.sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    // Mount-target subnets are computed at apply time; the configuration shows which subnets they use.
    const json = readStackJson(outdir, stackName);
    const mountTargetSubnets = Object.values(json.resource.aws_efs_mount_target).map(
      (m) => (m as { subnet_id: string }).subnet_id,
    );
    expect(plannedResources(plan, "aws_efs_mount_target")).toHaveLength(mountTargetSubnets.length);
    expect(mountTargetSubnets.map((ref) => /private-subnet-(eu-west-1[ab])_/.exec(ref)?.[1]).sort()).toEqual(
      MOUNT_TARGET_ZONES[stackName],
    );
  });

  test("plans an encrypted file system with prevent_destroy", () => {
    const { plan } = plans[stackName];
    const [fileSystem] = plannedResources(plan, "aws_efs_file_system");
    expect(fileSystem.after).toMatchObject({
      encrypted: true,
      throughput_mode: "elastic",
      performance_mode: "generalPurpose",
    });
    // Regional: the zone is left to AWS (unknown until apply); One Zone: the zone given.
    expect(fileSystem.after.availability_zone_name).toBe(stackName === "efs" ? undefined : ONE_ZONE);
    const config = plan.configuration.root_module.resources.find(
      (r: { type: string }) => r.type === "aws_efs_file_system",
    );
    expect(config).toBeDefined();
    expect(readStackJson(outdir, stackName).resource.aws_efs_file_system).toEqual(
      expect.objectContaining({
        [config.name]: expect.objectContaining({ lifecycle: { prevent_destroy: true } }),
      }),
    );
  });

  test("takes NFS into the mount targets only from the client security group", () => {
    const { plan } = plans[stackName];
    const rules = plan.configuration.root_module.resources.filter(
      (r: { type: string }) => r.type === "aws_vpc_security_group_ingress_rule",
    );
    expect(rules).toHaveLength(1);
    const expressions = rules[0].expressions;
    expect(expressions.from_port.constant_value).toBe(2049);
    expect(expressions.to_port.constant_value).toBe(2049);
    const sources: string[] = expressions.referenced_security_group_id.references;
    expect(
      sources.some((ref) =>
        /^aws_security_group\.shared-file-system_client-security-group_[0-9A-F]+\.id$/.test(ref),
      ),
    ).toBe(true);
    expect(expressions.cidr_ipv4).toBeUndefined();
  });

  test("plans the EFS alarms, their encrypted topic and the dashboard", () => {
    const { plan } = plans[stackName];
    // Default modes (elastic, generalPurpose): PercentIOLimit and throughput utilization, no credits.
    // The backup stack's backup alarms are checked below.
    const alarms = plannedResources(plan, "aws_cloudwatch_metric_alarm").filter(
      (a) => a.after.namespace !== "EfsSharedHome/Backup",
    );
    expect(alarms.map((a) => a.after.metric_name ?? "metric-math").sort()).toEqual([
      "PercentIOLimit",
      "metric-math",
    ]);
    for (const alarm of alarms) {
      expect(alarm.after.treat_missing_data).toBe("notBreaching");
      expect(alarm.after.threshold).toBeGreaterThan(0);
    }
    const [topic] = plannedResources(plan, "aws_sns_topic");
    expect(topic.after.name_prefix).toBe(`${stackName}-alarms-`);
    expect(plannedResources(plan, "aws_kms_key").some((k) => k.after.enable_key_rotation === true)).toBe(
      true,
    );
    expect(plannedResources(plan, "aws_kms_key_policy")).toHaveLength(1);
    expect(plannedResources(plan, "aws_sns_topic_policy")).toHaveLength(1);
    expect(plannedResources(plan, "aws_cloudwatch_dashboard")).toHaveLength(1);
    // The topic's key is the created one (known only after apply), never the AWS-managed alias.
    const topicConfig = plan.configuration.root_module.resources.find(
      (r: { type: string }) => r.type === "aws_sns_topic",
    );
    expect(topicConfig.expressions.kms_master_key_id.references).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_kms_key\.monitoring_alarm-topic-key_[0-9A-F]+\.arn$/),
      ]),
    );
    expect(Object.keys(plan.planned_values.outputs)).toEqual(
      expect.arrayContaining(["alarm_topic_arn", "dashboard_name"]),
    );
  });
});

describe("offline terraform plan of the efs-with-backup stack's backups", () => {
  test("holds the backup vault, plan and selection, and the backup volume and its attachment", () => {
    const { plan } = plans["efs-with-backup"];
    const [vault] = plannedResources(plan, "aws_backup_vault");
    expect(vault.after).toMatchObject({ name: "shared-home-vault" });
    const [backupPlan] = plannedResources(plan, "aws_backup_plan");
    expect(backupPlan.after.rule).toEqual([
      expect.objectContaining({
        schedule: "cron(0 5 * * ? *)",
        lifecycle: [expect.objectContaining({ delete_after: 35 })],
      }),
    ]);
    expect(plannedResources(plan, "aws_backup_selection")).toHaveLength(1);
    const [volume] = plannedResources(plan, "aws_ebs_volume");
    expect(volume.after).toMatchObject({ type: "gp3", size: 5, encrypted: true, final_snapshot: true });
    const [attachment] = plannedResources(plan, "aws_volume_attachment");
    expect(attachment.after).toMatchObject({ device_name: "/dev/sdf" });
    // The selection picks the stack's file system by ARN.
    const selection = plan.configuration.root_module.resources.find(
      (r: { type: string }) => r.type === "aws_backup_selection",
    );
    expect(selection.expressions.resources.references).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_efs_file_system\.[^.]+\.arn$/)]),
    );
    expect(Object.keys(plan.planned_values.outputs)).toEqual(
      expect.arrayContaining(["backup_volume_id", "backup_vault_name", "backup_plan_id"]),
    );
  });

  test("One Zone: every client and the backup host, and the backup volume, are in the file system's AZ and subnet", () => {
    const { plan } = plans["efs-with-backup"];
    const instances = plannedResources(plan, "aws_instance");
    expect(instances.map((i) => i.address.split(".")[1].split("_")[0]).sort()).toEqual([
      "backup-host",
      "clients",
      "clients",
    ]);
    for (const instance of instances) expect(instance.after.availability_zone).toBe(ONE_ZONE);
    expect(plannedResources(plan, "aws_ebs_volume").map((v) => v.after.availability_zone)).toEqual([
      ONE_ZONE,
    ]);
    // Subnet ids are known only after apply; the configuration names the subnet of each instance.
    const config = plan.configuration.root_module.resources.filter(
      (r: { type: string }) => r.type === "aws_instance",
    );
    for (const resource of config) {
      expect(resource.expressions.subnet_id.references).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws_subnet\.network_public-subnet-eu-west-1b_[0-9A-F]+\.id$/),
        ]),
      );
    }
  });

  test("plans the backup alarms, the vault notifications and a topic policy that admits AWS Backup", () => {
    const { plan } = plans["efs-with-backup"];
    const alarms = plannedResources(plan, "aws_cloudwatch_metric_alarm").filter(
      (a) => a.after.namespace === "EfsSharedHome/Backup",
    );
    expect(alarms.map((a) => [a.after.metric_name, a.after.treat_missing_data]).sort()).toEqual([
      ["BackupSucceeded", "breaching"],
      ["BackupVolumeUsedPercent", "missing"],
    ]);
    const [notifications] = plannedResources(plan, "aws_backup_vault_notifications");
    expect(notifications.after.backup_vault_name).toBe("shared-home-vault");
    expect([...notifications.after.backup_vault_events].sort()).toEqual([
      "BACKUP_JOB_COMPLETED",
      "COPY_JOB_FAILED",
      "RESTORE_JOB_COMPLETED",
    ]);
    const topicPolicy = plan.configuration.root_module.resources.find(
      (r: { type: string }) => r.type === "aws_sns_topic_policy",
    );
    expect(topicPolicy.expressions.policy.references).toEqual(
      expect.arrayContaining([expect.stringMatching(/^aws_backup_vault\.aws-backup_vault_[0-9A-F]+\.arn$/)]),
    );
  });

  test("the efs stack has no backups", () => {
    const { plan } = plans.efs;
    for (const type of ["aws_backup_vault", "aws_backup_plan", "aws_ebs_volume", "aws_volume_attachment"]) {
      expect(plannedResources(plan, type)).toEqual([]);
    }
  });
});

describe("offline terraform plan of the efs stack's clients", () => {
  test("plans 2 client instances in distinct AZs, IMDSv2 only, from one launch template", () => {
    const { plan } = plans.efs;
    const instances = plannedResources(plan, "aws_instance");
    expect(instances).toHaveLength(2);
    expect(instances.map((i) => i.after.availability_zone).sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    const [template] = plannedResources(plan, "aws_launch_template");
    expect(template.after.metadata_options).toEqual([
      expect.objectContaining({ http_tokens: "required", http_put_response_hop_limit: 1 }),
    ]);
    expect(template.after.image_id).toBe(
      "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    );
    // Each instance sits in the public subnet of its AZ.
    const json = readStackJson(outdir, "efs");
    const placements = Object.values(json.resource.aws_instance).map((i) => {
      const { availability_zone, subnet_id } = i as { availability_zone: string; subnet_id: string };
      return [availability_zone, subnet_id];
    });
    for (const [zone, subnet] of placements) {
      expect(subnet).toMatch(new RegExp(`aws_subnet\\.network_public-subnet-${zone}_`));
    }
    expect(Object.keys(plan.planned_values.outputs)).toEqual(
      expect.arrayContaining(["client_instance_ids", "client_public_ips", "client_ssm_session_commands"]),
    );
  });
});
