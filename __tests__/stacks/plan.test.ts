import { join } from "node:path";
import { TEST_STACK_PROPS } from "../helpers/app";
import { fullSynth, readStackJson } from "../helpers/synth";
import { planStacks, PlanResult, plannedResources } from "../helpers/terraform";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { StateStack } from "../../stacks/state-stack";
import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";
import { EXISTING_NETWORK, MINIMAL_SETTINGS } from "../settings/fixtures";
import { addPlannableClientsStack } from "../helpers/plannable-clients";
import { MOUNT_SCRIPT } from "../../modules/clients";
import { gunzipSync } from "node:zlib";

// One full synth, and one offline plan of every stack below together (one terraform configuration,
// each stack a child module: see planStacks), shared by every test in this file. Each terraform
// command loads the 700 MB provider, so the stacks the suite plans from scratch are planned here.
// - efs: regional, with the default hosts in public subnets.
// - efs-with-backup: One Zone in eu-west-1b with its hosts in the private subnets, so that the one plan
//   shows every client and the backup host where the single mount target is, and the private placement
//   with its VPC endpoints.
// - state: the state bucket bootstrap.
// - clients: EfsClients alone on a file system whose id is known at plan time (its user data too).
// - existing-vpc: efs-with-backup in an existing VPC named by id in a settings file (`network.existing`).
const ONE_ZONE = "eu-west-1b";
const STATE_BUCKET = "example-efs-tfstate";
const EXISTING_VPC_SETTINGS = { ...MINIMAL_SETTINGS, network: { existing: EXISTING_NETWORK } };
const outdir = fullSynth((app) => {
  new EfsStack(app, "efs", TEST_STACK_PROPS);
  new EfsWithBackupStack(app, "efs-with-backup", {
    ...TEST_STACK_PROPS,
    hostSubnets: "private",
    fileSystem: { oneZoneAvailabilityZone: ONE_ZONE },
  });
  new StateStack(app, "state", { region: "eu-west-1", bucketName: STATE_BUCKET });
  addPlannableClientsStack(app, "clients");
  new EfsWithBackupStack(
    app,
    "existing-vpc",
    toStackProps(parseSettings(EXISTING_VPC_SETTINGS, "existing-vpc.json")),
  );
});
const STACKS = ["efs", "efs-with-backup"] as const;
const ALL_STACKS = [...STACKS, "state", "clients", "existing-vpc"] as const;
const MOUNT_TARGET_ZONES = { efs: ["eu-west-1a", "eu-west-1b"], "efs-with-backup": [ONE_ZONE] };
let plans: Record<(typeof ALL_STACKS)[number], PlanResult>;

beforeAll(async () => {
  // `plan` validates the configuration as it plans, so there is no separate `terraform validate` here
  // (another provider load); the HCL test and the packed examples run `terraform validate` itself.
  plans = await planStacks(
    Object.fromEntries(ALL_STACKS.map((name) => [name, join(outdir, "stacks", name)])) as Record<
      (typeof ALL_STACKS)[number],
      string
    >,
    { validate: false },
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
    const privateSubnets = subnets.filter((s) => /^efs-private-/.test(s.after.tags.Name));
    expect(privateSubnets.map((s) => s.after.availability_zone).sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    for (const subnet of privateSubnets) expect(subnet.after.map_public_ip_on_launch).toBe(false);
    // Mount-target subnets are computed at apply time; the configuration shows which subnets they use.
    const json = readStackJson(outdir, stackName);
    const mountTargetSubnets = Object.values(json.resource.aws_efs_mount_target).map(
      (m) => (m as { subnet_id: string }).subnet_id,
    );
    expect(plannedResources(plan, "aws_efs_mount_target")).toHaveLength(mountTargetSubnets.length);
    // One in each of the file system's AZs, in its private subnet: the zones, not only the count.
    const zones = mountTargetSubnets.map(
      (ref) => /^\$\{aws_subnet\.network_private-subnet-(eu-west-1[a-z])_[0-9A-F]+\.id\}$/.exec(ref)?.[1],
    );
    expect(zones.sort()).toEqual(MOUNT_TARGET_ZONES[stackName]);
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
    // The rules of the mount-target group, picked by their group, not by counting every ingress rule.
    const rules = plan.configuration.root_module.resources.filter(
      (r: { type: string; expressions: any }) =>
        r.type === "aws_vpc_security_group_ingress_rule" &&
        r.expressions.security_group_id.references.some((ref: string) =>
          /^aws_security_group\.shared-file-system_mount-target-security-group_[0-9A-F]+\.id$/.test(ref),
        ),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].expressions.ip_protocol.constant_value).toBe("tcp");
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
          expect.stringMatching(/^aws_subnet\.network_private-subnet-eu-west-1b_[0-9A-F]+\.id$/),
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

describe.each(STACKS)("offline terraform plan of the %s stack's instance roles", (stackName) => {
  // A second guard, on what Terraform would create, for the unit test in clients.test.ts.
  test("SSM Agent gets Session Manager and Run Command only: no managed SSM core policy, no ssm:Get*", () => {
    const { plan } = plans[stackName];
    const attachments = plannedResources(plan, "aws_iam_role_policy_attachment");
    expect(attachments.filter((a) => /SSM/.test(a.after.policy_arn ?? ""))).toEqual([]);
    const ssmPolicies = plannedResources(plan, "aws_iam_role_policy").filter(
      (p) => p.after.name === "ssm-agent",
    );
    expect(ssmPolicies).toHaveLength(stackName === "efs" ? 1 : 2); // clients, and the backup host
    for (const policy of ssmPolicies) {
      const [statement] = JSON.parse(policy.after.policy).Statement;
      expect(statement.Action.filter((action: string) => action.startsWith("ssm:"))).toEqual([
        "ssm:UpdateInstanceInformation",
      ]);
    }
  });
});

/** The configuration of every resource of `type` in a plan, with its expressions. */
function configured(plan: PlanResult["plan"], type: string): { name: string; expressions: any }[] {
  return plan.configuration.root_module.resources.filter((r: { type: string }) => r.type === type);
}

describe("offline terraform plan with the hosts in private subnets (efs-with-backup)", () => {
  test("every host is in a private subnet and asks for no public IP; no subnet hands one out", () => {
    const { plan } = plans["efs-with-backup"];
    const subnets = plannedResources(plan, "aws_subnet");
    expect(subnets).toHaveLength(4);
    for (const subnet of subnets) expect(subnet.after.map_public_ip_on_launch).toBe(false);
    const instances = plannedResources(plan, "aws_instance");
    expect(instances).toHaveLength(3); // two clients and the backup host
    for (const instance of instances) expect(instance.after.associate_public_ip_address).toBe(false);
    for (const instance of configured(plan, "aws_instance")) {
      expect(instance.expressions.subnet_id.references).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws_subnet\.network_private-subnet-eu-west-1[ab]_[0-9A-F]+\.id$/),
        ]),
      );
    }
  });

  test("plans an S3 gateway endpoint and the interface endpoints the hosts call, with private DNS", () => {
    const { plan } = plans["efs-with-backup"];
    const endpoints = plannedResources(plan, "aws_vpc_endpoint").map((e) => [
      e.after.service_name,
      e.after.vpc_endpoint_type,
      // a gateway endpoint has no DNS of its own: the attribute stays unknown until apply
      e.after.private_dns_enabled ?? "(unknown)",
    ]);
    expect(endpoints.sort()).toEqual([
      ["com.amazonaws.eu-west-1.ec2", "Interface", true],
      ["com.amazonaws.eu-west-1.ec2messages", "Interface", true],
      ["com.amazonaws.eu-west-1.monitoring", "Interface", true],
      ["com.amazonaws.eu-west-1.s3", "Gateway", "(unknown)"],
      ["com.amazonaws.eu-west-1.sns", "Interface", true],
      ["com.amazonaws.eu-west-1.ssm", "Interface", true],
      ["com.amazonaws.eu-west-1.ssmmessages", "Interface", true],
    ]);
    const gateway = configured(plan, "aws_vpc_endpoint").find((e) => /_s3_/.test(e.name));
    expect(gateway?.expressions.route_table_ids.references).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_route_table\.network_private-route-table_[0-9A-F]+\.id$/),
      ]),
    );
  });

  test("the endpoints take HTTPS only from the clients' and the backup host's groups", () => {
    const { plan } = plans["efs-with-backup"];
    const endpointRules = configured(plan, "aws_vpc_security_group_ingress_rule").filter((rule) =>
      rule.expressions.security_group_id.references.some((ref: string) =>
        /^aws_security_group\.network_endpoints_security-group_[0-9A-F]+\.id$/.test(ref),
      ),
    );
    const sources = endpointRules.map((rule) => {
      expect(rule.expressions.ip_protocol.constant_value).toBe("tcp");
      expect(rule.expressions.from_port.constant_value).toBe(443);
      expect(rule.expressions.to_port.constant_value).toBe(443);
      expect(rule.expressions.cidr_ipv4).toBeUndefined();
      return rule.expressions.referenced_security_group_id.references.find((ref: string) =>
        ref.endsWith(".id"),
      );
    });
    expect(sources.sort()).toEqual([
      expect.stringMatching(/^aws_security_group\.backup-host_admin-security-group_[0-9A-F]+\.id$/),
      expect.stringMatching(/^aws_security_group\.clients_admin-security-group_[0-9A-F]+\.id$/),
    ]);
  });

  test("the efs stack, with hosts in public subnets, has no endpoints, and its public subnets map public IPs", () => {
    expect(plannedResources(plans.efs.plan, "aws_vpc_endpoint")).toEqual([]);
    const publicSubnets = plannedResources(plans.efs.plan, "aws_subnet").filter((s) =>
      /^efs-public-/.test(s.after.tags.Name),
    );
    expect(
      publicSubnets.map((s) => [s.after.availability_zone, s.after.map_public_ip_on_launch]).sort(),
    ).toEqual([
      ["eu-west-1a", true],
      ["eu-west-1b", true],
    ]);
  });
});

describe("offline terraform plan of the state stack", () => {
  test("plans only creates, for the bucket and its six settings resources", () => {
    const changes = plans.state.plan.resource_changes.map((c: any) => [c.type, c.change.actions]);
    expect(changes.sort()).toEqual(
      [
        ["aws_s3_bucket", ["create"]],
        ["aws_s3_bucket_lifecycle_configuration", ["create"]],
        ["aws_s3_bucket_ownership_controls", ["create"]],
        ["aws_s3_bucket_policy", ["create"]],
        ["aws_s3_bucket_public_access_block", ["create"]],
        ["aws_s3_bucket_server_side_encryption_configuration", ["create"]],
        ["aws_s3_bucket_versioning", ["create"]],
      ].sort(),
    );
  });

  test("plans the named bucket, versioning on, all public access blocked", () => {
    const { plan } = plans.state;
    expect(plannedResources(plan, "aws_s3_bucket")[0].after).toMatchObject({ bucket: STATE_BUCKET });
    expect(plannedResources(plan, "aws_s3_bucket_versioning")[0].after.versioning_configuration).toEqual([
      expect.objectContaining({ status: "Enabled" }),
    ]);
    expect(plannedResources(plan, "aws_s3_bucket_public_access_block")[0].after).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const [lifecycle] = plannedResources(plan, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.after.rule[0]).toMatchObject({
      status: "Enabled",
      noncurrent_version_expiration: [expect.objectContaining({ noncurrent_days: 90 })],
    });
    // The provider must not send a Days (or Date) next to the marker flag: S3 would refuse the rule.
    expect(lifecycle.after.rule[1]).toMatchObject({ id: "expire-delete-markers", status: "Enabled" });
    const [expiration] = lifecycle.after.rule[1].expiration;
    expect(expiration.expired_object_delete_marker).toBe(true);
    expect(expiration.date ?? null).toBeNull();
    expect([0, null, undefined]).toContain(expiration.days);
  });
});

describe("offline terraform plan of a stack in an existing VPC, from a settings file", () => {
  test("plans no VPC, subnet or route, only what goes into the existing network", () => {
    const types = new Set(
      (plans["existing-vpc"].plan.resource_changes ?? []).map((change: any) => change.type),
    );
    for (const type of ["aws_vpc", "aws_subnet", "aws_route_table", "aws_internet_gateway", "aws_flow_log"]) {
      expect(types.has(type)).toBe(false);
    }
    expect(
      (plans["existing-vpc"].plan.resource_changes ?? []).every(
        (change: any) => change.change.actions[0] === "create",
      ),
    ).toBe(true);
  });

  test("puts the mount targets in the private subnets and the machines in the public ones, by id", () => {
    const mountTargets = plannedResources(plans["existing-vpc"].plan, "aws_efs_mount_target").map(
      (m) => m.after.subnet_id,
    );
    expect(mountTargets.sort()).toEqual(["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]);
    const instances = plannedResources(plans["existing-vpc"].plan, "aws_instance").map((i) => [
      i.after.availability_zone,
      i.after.subnet_id,
    ]);
    // Two clients, one per AZ, and the backup host in the first public subnet.
    expect(instances.sort()).toEqual([
      ["eu-west-1a", "subnet-0aaaaaaaaaaaaaaa1"],
      ["eu-west-1a", "subnet-0aaaaaaaaaaaaaaa1"],
      ["eu-west-1b", "subnet-0aaaaaaaaaaaaaaa2"],
    ]);
    const groups = plannedResources(plans["existing-vpc"].plan, "aws_security_group").map(
      (g) => g.after.vpc_id,
    );
    expect(groups.length).toBeGreaterThan(0);
    expect(new Set(groups)).toEqual(new Set(["vpc-0123456789abcdef0"]));
    expect(plans["existing-vpc"].plan.planned_values.outputs.vpc_id.value).toBe("vpc-0123456789abcdef0");
    expect(plans["existing-vpc"].plan.planned_values.outputs.public_subnet_ids.value).toEqual({
      "eu-west-1a": "subnet-0aaaaaaaaaaaaaaa1",
      "eu-west-1b": "subnet-0aaaaaaaaaaaaaaa2",
    });
  });
});

describe("EfsClients in an offline terraform plan", () => {
  test("the user data Terraform computes is the settings plus the module's script, byte for byte", () => {
    const { plan } = plans.clients;
    const [template] = plannedResources(plan, "aws_launch_template");
    const userData = gunzipSync(Buffer.from(template.after.user_data, "base64")).toString("utf8");
    expect(userData).toContain(
      "EFS_FILE_SYSTEM_ID='fs-0123456789abcdef0'\nEFS_DNS_NAME='fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com'\n",
    );
    expect(userData).toContain(
      `<<'MOUNT_SHARED_HOME_SCRIPT_END'\n${MOUNT_SCRIPT}MOUNT_SHARED_HOME_SCRIPT_END\n`,
    );
    expect(userData).toContain('echo "${HOME} %{x}" \\\nsetup-volume vol-0123 --now\n');
    const zones = plannedResources(plan, "aws_instance").map((i) => i.after.availability_zone);
    expect(zones.sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
  });
});
