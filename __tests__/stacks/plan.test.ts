import { join } from "node:path";
import { addProjectStacks } from "../helpers/app";
import { fullSynth, readStackJson } from "../helpers/synth";
import { planStack, PlanResult, plannedResources } from "../helpers/terraform";

// One full synth and one offline plan per stack, shared by every test below; both stacks plan in parallel.
const outdir = fullSynth((app) => addProjectStacks(app));
const STACKS = ["efs", "efs-with-backup"] as const;
let plans: Record<(typeof STACKS)[number], PlanResult>;

beforeAll(async () => {
  const results = await Promise.all(STACKS.map((name) => planStack(join(outdir, "stacks", name))));
  plans = Object.fromEntries(STACKS.map((name, i) => [name, results[i]])) as typeof plans;
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

  test("puts one mount target in each AZ's private subnet", () => {
    const { plan } = plans[stackName];
    const mountTargets = plannedResources(plan, "aws_efs_mount_target");
    const subnets = plannedResources(plan, "aws_subnet");
    expect(mountTargets).toHaveLength(2);
    const privateZones = subnets
      .filter((s) => s.after.map_public_ip_on_launch === false)
      .map((s) => s.after.availability_zone);
    expect(privateZones.sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    // Mount-target subnets are computed at apply time; the configuration shows which subnets they use.
    const json = readStackJson(outdir, stackName);
    const mountTargetSubnets = Object.values(json.resource.aws_efs_mount_target).map(
      (m) => (m as { subnet_id: string }).subnet_id,
    );
    for (const ref of mountTargetSubnets)
      expect(ref).toMatch(/aws_subnet\.network_private-subnet-eu-west-1[ab]_/);
  });

  test("plans an encrypted file system with prevent_destroy", () => {
    const { plan } = plans[stackName];
    const [fileSystem] = plannedResources(plan, "aws_efs_file_system");
    expect(fileSystem.after).toMatchObject({
      encrypted: true,
      throughput_mode: "elastic",
      performance_mode: "generalPurpose",
    });
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
    const alarms = plannedResources(plan, "aws_cloudwatch_metric_alarm");
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
