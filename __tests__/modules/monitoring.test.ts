import { Fn } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { PerformanceMode, SharedFileSystem, SharedFileSystemProps, ThroughputMode } from "../../modules/efs";
import { EfsMonitoring, EfsMonitoringProps } from "../../modules/monitoring";
import { configsOf, onlyResource, parsePolicy, ResourceConfig, synth, testStack } from "../helpers/synth";

const TWO_SUBNETS = [
  { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
  { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
];
const FS_ID = /^\$\{aws_efs_file_system\.shared_file-system_[0-9A-F]+\.id\}$/;
const TOPIC_ARN = /^\$\{aws_sns_topic\.monitoring_alarm-topic_[0-9A-F]+\.arn\}$/;
const EXISTING_TOPIC = "arn:aws:sns:eu-west-1:111122223333:platform-alarms";

function build(
  monitoring: Partial<EfsMonitoringProps> = {},
  fileSystem: Partial<SharedFileSystemProps> = {},
) {
  const stack = testStack();
  const fs = new SharedFileSystem(stack, "shared", {
    vpcId: "vpc-11111111",
    subnets: TWO_SUBNETS,
    ...fileSystem,
  });
  const construct = new EfsMonitoring(stack, "monitoring", {
    fileSystem: fs,
    region: "eu-west-1",
    ...monitoring,
  });
  return { construct, json: synth(stack) };
}

/** The alarm on `metricName`, or the metric-math alarm when `metricName` is undefined. */
function alarmOn(json: ReturnType<typeof synth>, metricName: string): ResourceConfig {
  const found = configsOf(json, "aws_cloudwatch_metric_alarm").filter((a) =>
    metricName === "metric-math" ? a.metric_query !== undefined : a.metric_name === metricName,
  );
  if (found.length !== 1) throw new Error(`expected one alarm on ${metricName}, found ${found.length}`);
  return found[0];
}

function alarmedMetrics(json: ReturnType<typeof synth>): string[] {
  return configsOf(json, "aws_cloudwatch_metric_alarm")
    .map((a) => a.metric_name ?? "metric-math")
    .sort();
}

describe("EfsMonitoring", () => {
  describe("alarms by throughput and performance mode", () => {
    test.each([
      [ThroughputMode.ELASTIC, PerformanceMode.GENERAL_PURPOSE, ["PercentIOLimit", "metric-math"]],
      [
        ThroughputMode.BURSTING,
        PerformanceMode.GENERAL_PURPOSE,
        ["BurstCreditBalance", "PercentIOLimit", "metric-math"],
      ],
      [ThroughputMode.PROVISIONED, PerformanceMode.GENERAL_PURPOSE, ["PercentIOLimit", "metric-math"]],
      [ThroughputMode.BURSTING, PerformanceMode.MAX_IO, ["BurstCreditBalance", "metric-math"]],
      [ThroughputMode.PROVISIONED, PerformanceMode.MAX_IO, ["metric-math"]],
    ])("%s + %s alarms on %j", (throughputMode, performanceMode, expected) => {
      // GIVEN
      const fileSystem: Partial<SharedFileSystemProps> = {
        throughputMode,
        performanceMode,
        provisionedThroughputMibps: throughputMode === ThroughputMode.PROVISIONED ? 64 : undefined,
      };
      // WHEN
      const { json, construct } = build({}, fileSystem);
      // THEN
      expect(alarmedMetrics(json)).toEqual(expected);
      expect(Object.keys(construct.alarms)).toHaveLength(expected.length);
      expect(construct.alarms["throughput-utilization"]).toBeDefined();
    });

    test("BurstCreditBalance: below the book's 192 GB, averaged over 600 s, one period", () => {
      const { json } = build({}, { throughputMode: ThroughputMode.BURSTING });
      const alarm = alarmOn(json, "BurstCreditBalance");
      expect(alarm).toMatchObject({
        namespace: "AWS/EFS",
        statistic: "Average",
        period: 600,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        comparison_operator: "LessThanThreshold",
        threshold: 192416666667,
        treat_missing_data: "missing",
      });
      expect(alarm.dimensions.FileSystemId).toMatch(FS_ID);
    });

    test("PercentIOLimit: above 95%, 15-minute average, 4 of 4 periods", () => {
      const alarm = alarmOn(build().json, "PercentIOLimit");
      expect(alarm).toMatchObject({
        namespace: "AWS/EFS",
        statistic: "Average",
        period: 900,
        evaluation_periods: 4,
        datapoints_to_alarm: 4,
        comparison_operator: "GreaterThanThreshold",
        threshold: 95,
        treat_missing_data: "notBreaching",
      });
      expect(alarm.dimensions.FileSystemId).toMatch(FS_ID);
    });

    test("throughput utilization: the EFS guide's metric math from MeteredIOBytes and PermittedThroughput", () => {
      const alarm = alarmOn(build().json, "metric-math");
      expect(alarm).toMatchObject({
        comparison_operator: "GreaterThanThreshold",
        threshold: 80,
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        treat_missing_data: "notBreaching",
      });
      // A metric-math alarm must not also name a single metric.
      expect(alarm.metric_name).toBeUndefined();
      const queries = Object.fromEntries((alarm.metric_query as ResourceConfig[]).map((q) => [q.id, q]));
      expect(queries.metered_io_bytes.metric).toMatchObject({
        namespace: "AWS/EFS",
        metric_name: "MeteredIOBytes",
        stat: "Sum",
        period: 300,
      });
      expect(queries.permitted_throughput.metric).toMatchObject({
        namespace: "AWS/EFS",
        metric_name: "PermittedThroughput",
        stat: "Average",
        period: 300,
      });
      expect(queries.metered_io_bytes.metric.dimensions.FileSystemId).toMatch(FS_ID);
      expect(queries.permitted_throughput.metric.dimensions.FileSystemId).toMatch(FS_ID);
      expect(queries.throughput_mibps.expression).toBe("(metered_io_bytes/1048576)/PERIOD(metered_io_bytes)");
      expect(queries.throughput_utilization.expression).toBe(
        "(throughput_mibps*100)/(permitted_throughput/1048576)",
      );
      const returned = (alarm.metric_query as ResourceConfig[]).filter((q) => q.return_data).map((q) => q.id);
      expect(returned).toEqual(["throughput_utilization"]);
    });

    test("every alarm notifies the topic on ALARM and on OK, once the topic and key accept CloudWatch", () => {
      const { json } = build({}, { throughputMode: ThroughputMode.BURSTING });
      const alarms = configsOf(json, "aws_cloudwatch_metric_alarm");
      expect(alarms).toHaveLength(3);
      for (const alarm of alarms) {
        expect(alarm.alarm_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
        expect(alarm.ok_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
        expect(alarm.depends_on).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^aws_kms_key_policy\./),
            expect.stringMatching(/^aws_sns_topic_policy\./),
          ]),
        );
      }
    });

    test("names carry the prefix and the file-system id, so two stacks in one account do not collide", () => {
      const { json } = build({ namePrefix: "team-a" });
      const names = configsOf(json, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name as string);
      expect(names.sort()).toEqual([
        expect.stringMatching(/^team-a-\$\{aws_efs_file_system\.[^}]+\.id\}-percent-io-limit-high$/),
        expect.stringMatching(/^team-a-\$\{aws_efs_file_system\.[^}]+\.id\}-throughput-utilization-high$/),
      ]);
      expect(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_name).toMatch(
        /^team-a-\$\{aws_efs_file_system\.[^}]+\.id\}$/,
      );
      expect(onlyResource(json, "aws_sns_topic").name_prefix).toBe("team-a-alarms-");
    });

    test("uses the given thresholds", () => {
      const { json } = build(
        {
          burstCreditBalanceThresholdBytes: 500e9,
          percentIoLimitThreshold: 90,
          throughputUtilizationThresholdPercent: 70,
        },
        { throughputMode: ThroughputMode.BURSTING },
      );
      expect(alarmOn(json, "BurstCreditBalance").threshold).toBe(500e9);
      expect(alarmOn(json, "PercentIOLimit").threshold).toBe(90);
      expect(alarmOn(json, "metric-math").threshold).toBe(70);
    });
  });

  describe("alarm topic", () => {
    test("is encrypted with a rotating customer key, never alias/aws/sns", () => {
      const { json } = build();
      const topic = onlyResource(json, "aws_sns_topic");
      expect(topic.kms_master_key_id).not.toMatch(/alias\/aws\/sns/);
      expect(topic.kms_master_key_id).toMatch(
        /^\$\{aws_kms_key\.monitoring_alarm-topic-key_[0-9A-F]+\.arn\}$/,
      );
      const key = onlyResource(json, "aws_kms_key");
      expect(key.enable_key_rotation).toBe(true);
      // The policy lives in aws_kms_key_policy; a policy on the key too would fight it.
      expect(key.policy).toBeUndefined();
    });

    test("has a key policy that lets CloudWatch use the key and keeps the account in control", () => {
      const { json } = build();
      const keyPolicy = onlyResource(json, "aws_kms_key_policy");
      expect(keyPolicy.key_id).toMatch(/^\$\{aws_kms_key\.monitoring_alarm-topic-key_[0-9A-F]+\.id\}$/);
      const statements = parsePolicy(keyPolicy.policy).Statement;
      const cloudWatch = statements.find((s: any) => s.Principal.Service === "cloudwatch.amazonaws.com");
      expect(cloudWatch).toMatchObject({
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      });
      const account = statements.find((s: any) => s.Principal.AWS !== undefined);
      expect(account).toMatchObject({ Effect: "Allow", Action: "kms:*", Resource: "*" });
      // Account and partition come from the key's own ARN, not from a data source.
      expect(account.Principal.AWS).toMatch(
        /^arn:\$\{element\(split\(':', aws_kms_key\.[^)]+\.arn\), 1\)\}:iam::\$\{element\(split\(':', aws_kms_key\.[^)]+\.arn\), 4\)\}:root$/,
      );
    });

    test("has a topic policy that lets CloudWatch publish for this account's alarms only", () => {
      const { json } = build();
      const topicPolicy = onlyResource(json, "aws_sns_topic_policy");
      expect(topicPolicy.arn).toMatch(TOPIC_ARN);
      const [statement] = parsePolicy(topicPolicy.policy).Statement;
      expect(statement).toMatchObject({
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
      });
      expect(statement.Resource).toMatch(TOPIC_ARN);
      const accountOfTopic =
        /^\$\{element\(split\(':', aws_sns_topic\.monitoring_alarm-topic_[0-9A-F]+\.arn\), 4\)\}$/;
      expect(statement.Condition.StringEquals["aws:SourceAccount"]).toMatch(accountOfTopic);
      expect(statement.Condition.ArnLike["aws:SourceArn"]).toMatch(
        /^arn:\$\{[^}]+, 1\)\}:cloudwatch:\$\{[^}]+, 3\)\}:\$\{[^}]+, 4\)\}:alarm:\*$/,
      );
      expect(json.data).toBeUndefined();
    });

    test("subscribes each e-mail address", () => {
      const { json } = build({ alarmEmails: ["ops@example.com", "Storage.Team@example.org"] });
      const subscriptions = configsOf(json, "aws_sns_topic_subscription");
      expect(subscriptions.map((s) => s.endpoint).sort()).toEqual([
        "Storage.Team@example.org",
        "ops@example.com",
      ]);
      for (const subscription of subscriptions) {
        expect(subscription.protocol).toBe("email");
        expect(subscription.topic_arn).toMatch(TOPIC_ARN);
      }
    });

    test("creates no subscription without addresses", () => {
      expect(configsOf(build().json, "aws_sns_topic_subscription")).toHaveLength(0);
    });

    test("uses an existing topic instead, creating no topic, key or policy", () => {
      const { json, construct } = build({ existingTopicArn: EXISTING_TOPIC });
      for (const type of ["aws_sns_topic", "aws_kms_key", "aws_kms_key_policy", "aws_sns_topic_policy"]) {
        expect(configsOf(json, type)).toHaveLength(0);
      }
      expect(construct.topicArn).toBe(EXISTING_TOPIC);
      for (const alarm of configsOf(json, "aws_cloudwatch_metric_alarm")) {
        expect(alarm.alarm_actions).toEqual([EXISTING_TOPIC]);
        expect(alarm.ok_actions).toEqual([EXISTING_TOPIC]);
      }
    });
  });

  describe("dashboard", () => {
    function widgetsOf(json: ReturnType<typeof synth>): any[] {
      return parsePolicy(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_body).widgets;
    }
    const metricWidget = (widgets: any[], title: RegExp) => {
      const found = widgets.filter((w) => w.type === "metric" && title.test(w.properties.title));
      expect(found).toHaveLength(1);
      return found[0].properties;
    };

    test("has valid JSON whose every graph names the file system and the Region", () => {
      const widgets = widgetsOf(build().json);
      const graphs = widgets.filter((w) => w.type === "metric");
      expect(graphs.length).toBeGreaterThan(0);
      for (const graph of graphs) {
        expect(graph.properties.region).toBe("eu-west-1");
        const efsRows = graph.properties.metrics.filter((row: unknown[]) => row[0] === "AWS/EFS");
        expect(efsRows.length).toBeGreaterThan(0);
        for (const row of efsRows) {
          expect(row.slice(2, 4)).toEqual(["FileSystemId", expect.stringMatching(FS_ID)]);
        }
      }
    });

    test("stacks DataReadIOBytes, DataWriteIOBytes and MetadataIOBytes, as in the book's figure", () => {
      const io = metricWidget(widgetsOf(build().json), /data and metadata I\/O/);
      expect(io.stacked).toBe(true);
      expect(io.stat).toBe("Sum");
      expect(io.metrics.map((row: unknown[]) => row[1])).toEqual([
        "DataReadIOBytes",
        "DataWriteIOBytes",
        "MetadataIOBytes",
      ]);
    });

    test("graphs utilization, credits, I/O limit, connections and storage by class, with alarm lines", () => {
      const widgets = widgetsOf(
        build({ throughputUtilizationThresholdPercent: 75 }, { throughputMode: ThroughputMode.BURSTING })
          .json,
      );
      const utilization = metricWidget(widgets, /throughput utilization/);
      expect(utilization.metrics).toEqual(
        expect.arrayContaining([
          [expect.objectContaining({ id: "throughput_utilization", expression: expect.any(String) })],
          expect.arrayContaining(["MeteredIOBytes", expect.objectContaining({ stat: "Sum" })]),
          expect.arrayContaining(["PermittedThroughput", expect.objectContaining({ stat: "Average" })]),
        ]),
      );
      expect(utilization.annotations.horizontal).toEqual([{ label: "alarm", value: 75 }]);
      expect(metricWidget(widgets, /burst credit balance/).annotations.horizontal).toEqual([
        { label: "alarm", value: 192416666667 },
      ]);
      expect(metricWidget(widgets, /PercentIOLimit/).annotations.horizontal).toEqual([
        { label: "alarm", value: 95 },
      ]);
      expect(metricWidget(widgets, /client connections/).metrics[0][1]).toBe("ClientConnections");
      const storage = metricWidget(widgets, /storage by class/);
      expect(storage.metrics.map((row: unknown[]) => [row[1], row[5]])).toEqual([
        ["StorageBytes", "Total"],
        ["StorageBytes", "Standard"],
        ["StorageBytes", "IA"],
        ["StorageBytes", "Archive"],
      ]);
      const status = widgets.find((w) => w.type === "alarm");
      expect(status.properties.alarms).toHaveLength(3);
      for (const arn of status.properties.alarms)
        expect(arn).toMatch(/^\$\{aws_cloudwatch_metric_alarm\.[^}]+\.arn\}$/);
    });

    test("leaves out the burst-credit graph outside bursting mode", () => {
      const titles = widgetsOf(build().json).map((w) => w.properties.title as string);
      expect(titles.some((t) => /burst credit/.test(t))).toBe(false);
      expect(titles.some((t) => /PercentIOLimit/.test(t))).toBe(true);
    });
  });

  describe("validation", () => {
    test.each([
      [
        "a threshold of zero burst credits",
        { burstCreditBalanceThresholdBytes: 0 },
        "burstCreditBalanceThresholdBytes: 0 is out of range; allowed 1 to 2308974418329 bytes (2.1 TiB, the most a file system under 1 TiB can hold)",
      ],
      [
        "a burst-credit threshold above the 2.1 TiB maximum",
        { burstCreditBalanceThresholdBytes: 3e12 },
        "burstCreditBalanceThresholdBytes: 3000000000000 is out of range; allowed 1 to 2308974418329 bytes",
      ],
      [
        "a PercentIOLimit threshold above 100",
        { percentIoLimitThreshold: 150 },
        "percentIoLimitThreshold: 150 is out of range; allowed 1 to 100 percent",
      ],
      [
        "a throughput-utilization threshold below 1",
        { throughputUtilizationThresholdPercent: 0.5 },
        "throughputUtilizationThresholdPercent: 0.5 is out of range; allowed 1 to 100 percent",
      ],
      [
        "a malformed e-mail address",
        { alarmEmails: ["ops@example.com", "ops at example.com"] },
        'alarmEmails[1]: "ops at example.com" is not an e-mail address such as "ops@example.com"',
      ],
      [
        "the same address twice",
        { alarmEmails: ["ops@example.com", "OPS@example.com"] },
        'alarmEmails[1]: "OPS@example.com" is listed more than once',
      ],
      [
        "an ARN that is not an SNS topic",
        { existingTopicArn: "arn:aws:sqs:eu-west-1:111122223333:queue" },
        'existingTopicArn: "arn:aws:sqs:eu-west-1:111122223333:queue" is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"',
      ],
      [
        "addresses together with an existing topic",
        { existingTopicArn: EXISTING_TOPIC, alarmEmails: ["ops@example.com"] },
        'alarmEmails: ["ops@example.com"] cannot be combined with existingTopicArn; subscribe the addresses where that topic is managed',
      ],
      [
        "a malformed Region",
        { region: "Ireland" },
        'region: "Ireland" is not a Region name such as "eu-west-1"',
      ],
      [
        "a name prefix with a dot",
        { namePrefix: "team.a" },
        'namePrefix: "team.a" must be 1 to 64 letters, digits, "-" or "_" (it becomes part of the dashboard name)',
      ],
    ])("rejects %s", (_, props, message) => {
      expect(() => build(props as Partial<EfsMonitoringProps>)).toThrow(message);
    });

    test("reports every problem at once", () => {
      expect(() =>
        build({ percentIoLimitThreshold: 0, throughputUtilizationThresholdPercent: 101, alarmEmails: ["x"] }),
      ).toThrow(
        [
          "Invalid props for test/monitoring:",
          "  - percentIoLimitThreshold: 0 is out of range; allowed 1 to 100 percent",
          "  - throughputUtilizationThresholdPercent: 101 is out of range; allowed 1 to 100 percent",
          '  - alarmEmails[0]: "x" is not an e-mail address such as "ops@example.com"',
        ].join("\n"),
      );
    });

    test("accepts the edges of every range and an unresolved topic ARN", () => {
      expect(() =>
        build({
          burstCreditBalanceThresholdBytes: 2308974418329,
          percentIoLimitThreshold: 100,
          throughputUtilizationThresholdPercent: 1,
          existingTopicArn: Fn.lower(EXISTING_TOPIC),
        }),
      ).not.toThrow();
    });
  });
});

describe("EfsMonitoring: backup alarms and publishers", () => {
  const VAULT_ARN = "arn:aws:backup:eu-west-1:111122223333:backup-vault:shared-home-vault";
  const BACKUP_METRICS = {
    namespace: "EfsSharedHome/Backup",
    dimensions: { VolumeId: "vol-0123456789abcdef0" },
    succeededMetricName: "BackupSucceeded",
    volumeUsedPercentMetricName: "BackupVolumeUsedPercent",
    intervalMinutes: 15,
  };

  function buildWith(
    use: (monitoring: EfsMonitoring, role: IamRole) => void,
    monitoringProps: Partial<EfsMonitoringProps> = {},
  ) {
    const stack = testStack();
    const fs = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: TWO_SUBNETS });
    const monitoring = new EfsMonitoring(stack, "monitoring", {
      fileSystem: fs,
      region: "eu-west-1",
      namePrefix: "efs-with-backup",
      ...monitoringProps,
    });
    const role = new IamRole(stack, "backup-host-role", { assumeRolePolicy: "{}" });
    use(monitoring, role);
    return { monitoring, json: synth(stack) };
  }

  describe("addEbsSnapshotBackupAlarms", () => {
    const { json } = buildWith((m) => m.addEbsSnapshotBackupAlarms(BACKUP_METRICS));

    test("alarms when no backup succeeded for two intervals, missing data breaching", () => {
      expect(alarmOn(json, "BackupSucceeded")).toMatchObject({
        alarm_name: "efs-with-backup-vol-0123456789abcdef0-backup-missing",
        namespace: "EfsSharedHome/Backup",
        dimensions: { VolumeId: "vol-0123456789abcdef0" },
        statistic: "Sum",
        period: 900,
        evaluation_periods: 2,
        datapoints_to_alarm: 2,
        comparison_operator: "LessThanThreshold",
        threshold: 1,
        treat_missing_data: "breaching",
      });
    });

    test("alarms when the backup volume is more than 80% full", () => {
      expect(alarmOn(json, "BackupVolumeUsedPercent")).toMatchObject({
        alarm_name: "efs-with-backup-vol-0123456789abcdef0-backup-volume-used",
        namespace: "EfsSharedHome/Backup",
        dimensions: { VolumeId: "vol-0123456789abcdef0" },
        statistic: "Maximum",
        period: 900,
        evaluation_periods: 1,
        comparison_operator: "GreaterThanThreshold",
        threshold: 80,
      });
    });

    test("both notify the topic on ALARM and OK, once the topic and key policies exist", () => {
      for (const metric of ["BackupSucceeded", "BackupVolumeUsedPercent"]) {
        const alarm = alarmOn(json, metric);
        expect(alarm.alarm_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
        expect(alarm.ok_actions).toEqual([expect.stringMatching(TOPIC_ARN)]);
        expect(alarm.depends_on).toEqual([
          expect.stringMatching(/^aws_kms_key_policy\.monitoring_alarm-topic-key-policy_[0-9A-F]+$/),
          expect.stringMatching(/^aws_sns_topic_policy\.monitoring_alarm-topic-policy_[0-9A-F]+$/),
        ]);
      }
    });

    test("takes the interval and threshold given", () => {
      const { json: daily } = buildWith((m) =>
        m.addEbsSnapshotBackupAlarms(
          { ...BACKUP_METRICS, intervalMinutes: 1440 },
          { volumeUsedPercentThreshold: 95 },
        ),
      );
      expect(alarmOn(daily, "BackupSucceeded").period).toBe(86400);
      expect(alarmOn(daily, "BackupVolumeUsedPercent")).toMatchObject({ period: 86400, threshold: 95 });
    });

    test("refuses a bad threshold and interval, naming both", () => {
      expect(() =>
        buildWith((m) =>
          m.addEbsSnapshotBackupAlarms(
            { ...BACKUP_METRICS, intervalMinutes: 2 },
            { volumeUsedPercentThreshold: 0 },
          ),
        ),
      ).toThrow(
        "Invalid props for test/monitoring.addEbsSnapshotBackupAlarms:\n" +
          "  - source.intervalMinutes: 2 is out of range; allowed 5 to 1440 whole minutes\n" +
          "  - volumeUsedPercentThreshold: 0 is out of range; allowed 1 to 100 percent",
      );
    });
  });

  describe("grantPublish", () => {
    const { json } = buildWith((m, role) => m.grantPublish(role));

    test("lets the role publish to the alarm topic and nothing else", () => {
      const policy = onlyResource(json, "aws_iam_role_policy");
      expect(policy.role).toBe("${aws_iam_role.backup-host-role.id}");
      expect(policy.name).toBe("publish-to-test-monitoring");
      expect(parsePolicy(policy.policy).Statement).toEqual([
        {
          Sid: "PublishToAlarmTopic",
          Effect: "Allow",
          Action: "sns:Publish",
          Resource: expect.stringMatching(TOPIC_ARN),
        },
      ]);
    });

    test("lets the role use the topic's key only through SNS in the topic's Region", () => {
      const statements = parsePolicy(onlyResource(json, "aws_kms_key_policy").policy).Statement;
      const forRole = statements.filter(
        (s: any) => s.Principal.AWS === "${aws_iam_role.backup-host-role.arn}",
      );
      expect(forRole).toEqual([
        {
          Sid: "PublishToTopic1",
          Effect: "Allow",
          Principal: { AWS: "${aws_iam_role.backup-host-role.arn}" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: {
            StringEquals: {
              "kms:ViaService": expect.stringMatching(
                /^sns\.\$\{element\(split\(':', aws_kms_key\.monitoring_alarm-topic-key_[0-9A-F]+\.arn\), 3\)\}\.amazonaws\.com$/,
              ),
            },
          },
        },
      ]);
    });

    test("with an existing topic, grants the publish only, changing no key", () => {
      const { json: existing } = buildWith((m, role) => m.grantPublish(role), {
        existingTopicArn: EXISTING_TOPIC,
      });
      expect(configsOf(existing, "aws_kms_key_policy")).toEqual([]);
      expect(parsePolicy(onlyResource(existing, "aws_iam_role_policy").policy).Statement[0].Resource).toBe(
        EXISTING_TOPIC,
      );
    });
  });

  describe("allowServicePublish", () => {
    const { json } = buildWith((m) => m.allowServicePublish("backup.amazonaws.com", VAULT_ARN));

    test("lets AWS Backup publish for this account's vault only, next to CloudWatch", () => {
      const statements = parsePolicy(onlyResource(json, "aws_sns_topic_policy").policy).Statement;
      expect(statements.map((s: any) => s.Principal.Service)).toEqual([
        "cloudwatch.amazonaws.com",
        "backup.amazonaws.com",
      ]);
      expect(statements[1]).toEqual({
        Sid: "ServicePublishes1",
        Effect: "Allow",
        Principal: { Service: "backup.amazonaws.com" },
        Action: "sns:Publish",
        Resource: expect.stringMatching(TOPIC_ARN),
        Condition: {
          StringEquals: {
            "aws:SourceAccount": expect.stringMatching(
              /^\$\{element\(split\(':', aws_sns_topic\.monitoring_alarm-topic_[0-9A-F]+\.arn\), 4\)\}$/,
            ),
          },
          ArnEquals: { "aws:SourceArn": VAULT_ARN },
        },
      });
    });

    test("lets AWS Backup encrypt with the topic's key", () => {
      const statements = parsePolicy(onlyResource(json, "aws_kms_key_policy").policy).Statement;
      expect(statements.find((s: any) => s.Principal.Service === "backup.amazonaws.com")).toEqual({
        Sid: "ServiceUsesKey1",
        Effect: "Allow",
        Principal: { Service: "backup.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
      });
    });
  });

  test("e-mail subscriptions get failures and alarms, not AWS Backup's reports of successful jobs", () => {
    const { json } = build({ alarmEmails: ["ops@example.com"] });
    const subscription = onlyResource(json, "aws_sns_topic_subscription");
    expect(subscription.filter_policy_scope).toBe("MessageAttributes");
    expect(JSON.parse(subscription.filter_policy)).toEqual({
      $or: [{ State: [{ exists: false }] }, { State: [{ "anything-but": ["COMPLETED"] }] }],
    });
  });
});
