import { gzipSync } from "node:zlib";
import { Testing } from "cdktf";
import { EfsWithBackupStack, EfsWithBackupStackProps } from "../../stacks/efs-with-backup-stack";
import { PropsValidationError } from "../../modules/shared/validation";
import { TEST_STACK_PROPS } from "../helpers/app";
import { configsOf, onlyResource, parsePolicy, resourcesOf, synth } from "../helpers/synth";

/** The address of the one resource of `type` whose Terraform name starts with `prefix`. */
function addressOf(json: ReturnType<typeof synth>, type: string, prefix: string): string {
  const names = Object.keys(resourcesOf(json, type)).filter((name) => name.startsWith(prefix));
  if (names.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${names.length}`);
  return `${type}.${names[0]}`;
}

function build(props: Partial<EfsWithBackupStackProps> = {}) {
  const stack = new EfsWithBackupStack(Testing.app(), "efs-with-backup", { ...TEST_STACK_PROPS, ...props });
  return { stack, json: synth(stack) };
}

describe("EfsWithBackupStack", () => {
  describe("with the default settings", () => {
    const { json } = build();

    test("runs one backup host in the first public subnet's AZ, with the volume in that AZ", () => {
      const backupHost = Object.entries(resourcesOf(json, "aws_instance")).filter(([name]) =>
        name.startsWith("backup-host_"),
      );
      expect(backupHost).toHaveLength(1);
      expect(backupHost[0][1]).toMatchObject({ availability_zone: "eu-west-1a" });
      expect(backupHost[0][1].subnet_id).toMatch(
        /^\$\{aws_subnet\.network_public-subnet-eu-west-1a_[0-9A-F]+\.id\}$/,
      );
      expect(onlyResource(json, "aws_ebs_volume").availability_zone).toBe("eu-west-1a");
      expect(onlyResource(json, "aws_volume_attachment").instance_id).toBe(
        `\${aws_instance.${backupHost[0][0]}.id}`,
      );
    });

    test("gives the snapshot policy to the backup host's role only", () => {
      const policies = configsOf(json, "aws_iam_role_policy").filter((p) =>
        JSON.stringify(parsePolicy(p.policy)).includes("ec2:CreateSnapshot"),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0].role).toMatch(/^\$\{aws_iam_role\.backup-host_backup-host-role_[0-9A-F]+\.id\}$/);
    });

    test("mounts the share on the backup host as root at /mnt/shared-home, without seeding it", () => {
      const template = Object.entries(resourcesOf(json, "aws_launch_template")).find(([name]) =>
        name.startsWith("backup-host_"),
      );
      expect(template).toBeDefined();
      const decoded = [...String(template![1].user_data).matchAll(/base64decode\("([A-Za-z0-9+/=]*)"\)/g)]
        .map(([, b64]) => Buffer.from(b64, "base64").toString("utf8"))
        .join("");
      expect(decoded).toContain("MOUNT_PATH='/mnt/shared-home'");
      expect(decoded).toContain("SEED_FROM_LOCAL='false'");
      expect(decoded).toContain("systemctl enable --now backup-shared-home.timer");
      const fsPolicy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy);
      expect(JSON.stringify(fsPolicy)).toContain("elasticfilesystem:ClientRootAccess");
    });

    test("keeps the backup host's user data, scripts and units included, within EC2's 16 KB", () => {
      // The clients' synth-time size check cannot see text inside a Terraform expression, which is
      // how the backup setup arrives; so measure what the instance gets: the literal pieces, gzipped.
      const template = Object.entries(resourcesOf(json, "aws_launch_template")).find(([name]) =>
        name.startsWith("backup-host_"),
      )![1];
      const literal = [...String(template.user_data).matchAll(/base64decode\("([A-Za-z0-9+/=]*)"\)/g)]
        .map(([, b64]) => Buffer.from(b64, "base64").toString("utf8"))
        .join("");
      expect(literal).toContain("BACKUP_SHARED_HOME_NOTIFY");
      // Room for the Terraform values (ids, ARNs), as the clients module keeps.
      expect(gzipSync(Buffer.from(literal)).length + 512).toBeLessThanOrEqual(16 * 1024);
    });

    test("selects the stack's file system for AWS Backup, and leaves the EFS backup policy off", () => {
      expect(onlyResource(json, "aws_backup_selection").resources).toEqual([
        expect.stringMatching(/^\$\{aws_efs_file_system\.[^}]+\.arn\}$/),
      ]);
      expect(onlyResource(json, "aws_efs_backup_policy").backup_policy).toEqual({ status: "DISABLED" });
    });

    test("outputs the volume id, host instance id, vault name, plan id and restore role", () => {
      expect(Object.keys(json.output)).toEqual(
        expect.arrayContaining([
          "backup_volume_id",
          "backup_host_instance_id",
          "backup_vault_name",
          "backup_plan_id",
          "aws_backup_role_arn",
        ]),
      );
    });
  });

  test("passes the settings on to both modules", () => {
    const { json } = build({
      backup: {
        ebsSnapshots: { volumeSizeGiB: 20 },
        awsBackup: { deleteAfterDays: 200, coldStorageAfterDays: 60, schedule: "cron(0 3 * * ? *)" },
      },
    });
    expect(onlyResource(json, "aws_ebs_volume").size).toBe(20);
    expect(onlyResource(json, "aws_backup_plan").rule[0]).toMatchObject({
      schedule: "cron(0 3 * * ? *)",
      lifecycle: { delete_after: 200, cold_storage_after: 60 },
    });
  });

  test("builds neither backup when both are off", () => {
    const { json } = build({ backup: { ebsSnapshots: { enabled: false }, awsBackup: { enabled: false } } });
    for (const type of ["aws_ebs_volume", "aws_volume_attachment", "aws_backup_vault", "aws_backup_plan"]) {
      expect(configsOf(json, type)).toEqual([]);
    }
    expect(
      Object.keys(resourcesOf(json, "aws_instance")).filter((n) => n.startsWith("backup-host_")),
    ).toEqual([]);
    expect(Object.keys(json.output).filter((o) => o.startsWith("backup_"))).toEqual([]);
  });

  test("refuses AWS Backup together with the file system's own automatic backups", () => {
    expect.assertions(1);
    try {
      build({ fileSystem: { automaticBackups: true } });
    } catch (error) {
      expect((error as PropsValidationError).problems).toEqual([
        "backup.awsBackup.enabled: true together with fileSystem.automaticBackups true backs the same data up twice; turn one of them off",
      ]);
    }
  });

  test("allows the file system's automatic backups when AWS Backup is off", () => {
    const { json } = build({
      fileSystem: { automaticBackups: true },
      backup: { awsBackup: { enabled: false } },
    });
    expect(onlyResource(json, "aws_efs_backup_policy").backup_policy).toEqual({ status: "ENABLED" });
    expect(configsOf(json, "aws_backup_plan")).toEqual([]);
  });

  describe("backup failures reach the alarm topic", () => {
    const { json } = build();
    const topicArn = `\${${addressOf(json, "aws_sns_topic", "monitoring_alarm-topic_")}.arn}`;
    const hostRole = addressOf(json, "aws_iam_role", "backup-host_backup-host-role_");

    test("the backup host's role may publish to the alarm topic, and its key lets it through SNS", () => {
      const publish = configsOf(json, "aws_iam_role_policy").filter((p) =>
        JSON.stringify(parsePolicy(p.policy)).includes("sns:Publish"),
      );
      expect(publish).toHaveLength(1);
      expect(publish[0].role).toBe(`\${${hostRole}.id}`);
      expect(parsePolicy(publish[0].policy).Statement).toEqual([
        { Sid: "PublishToAlarmTopic", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
      ]);
      const keyStatements = parsePolicy(onlyResource(json, "aws_kms_key_policy").policy).Statement;
      expect(keyStatements.find((st: any) => st.Principal.AWS === `\${${hostRole}.arn}`)).toMatchObject({
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: { StringEquals: { "kms:ViaService": expect.stringMatching(/^sns\..+\.amazonaws\.com$/) } },
      });
    });

    test("the host's environment file names the alarm topic for the OnFailure notifier", () => {
      const template = Object.entries(resourcesOf(json, "aws_launch_template")).find(([name]) =>
        name.startsWith("backup-host_"),
      )![1];
      // The topic's ARN is a Terraform value between the literal (base64) pieces of the user data.
      expect(String(template.user_data)).toContain(`${topicArn.slice(2, -1)}`);
      // The literal piece just before it ends with the variable's name (read decoded: a base64
      // chunk's alignment moves whenever an earlier line changes).
      const pieceBeforeTopic = new RegExp(
        `base64decode\\("([A-Za-z0-9+/=]*)"\\), ${topicArn.slice(2, -1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
      ).exec(String(template.user_data));
      expect(Buffer.from(pieceBeforeTopic![1], "base64").toString("utf8")).toMatch(
        /\nBACKUP_ALARM_TOPIC_ARN=$/,
      );
    });

    test("alarms on a missing backup and a full backup volume, to the alarm topic", () => {
      const alarms = configsOf(json, "aws_cloudwatch_metric_alarm").filter(
        (a) => a.namespace === "EfsSharedHome/Backup",
      );
      expect(alarms.map((a) => [a.metric_name, a.treat_missing_data, a.period]).sort()).toEqual([
        ["BackupSucceeded", "breaching", 900],
        ["BackupVolumeUsedPercent", "missing", 900],
      ]);
      const volume = addressOf(json, "aws_ebs_volume", "ebs-snapshot-backup_volume_");
      for (const alarm of alarms) {
        expect(alarm.dimensions).toEqual({ VolumeId: `\${${volume}.id}` });
        expect(alarm.alarm_actions).toEqual([topicArn]);
      }
    });

    test("the vault reports its jobs to the alarm topic, which lets AWS Backup publish for that vault only", () => {
      const vault = addressOf(json, "aws_backup_vault", "aws-backup_vault_");
      expect(onlyResource(json, "aws_backup_vault_notifications")).toMatchObject({
        backup_vault_name: `\${${vault}.name}`,
        sns_topic_arn: topicArn,
        backup_vault_events: ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED", "COPY_JOB_FAILED"],
      });
      const statements = parsePolicy(onlyResource(json, "aws_sns_topic_policy").policy).Statement;
      const backup = statements.find((st: any) => st.Principal.Service === "backup.amazonaws.com");
      expect(backup.Action).toBe("sns:Publish");
      expect(backup.Condition.ArnEquals).toEqual({ "aws:SourceArn": `\${${vault}.arn}` });
      expect(backup.Condition.StringEquals["aws:SourceAccount"]).toMatch(
        /aws_sns_topic\.monitoring_alarm-topic_/,
      );
    });

    test("without AWS Backup, the topic policy lets only CloudWatch publish", () => {
      const { json: withoutAwsBackup } = build({ backup: { awsBackup: { enabled: false } } });
      const statements = parsePolicy(onlyResource(withoutAwsBackup, "aws_sns_topic_policy").policy).Statement;
      expect(statements.map((st: any) => st.Principal.Service)).toEqual(["cloudwatch.amazonaws.com"]);
    });
  });

  test("takes the volume-usage alarm threshold and refuses one out of range, naming the settings field", () => {
    const { json } = build({ backup: { ebsSnapshots: { volumeUsedAlarmPercent: 90 } } });
    expect(
      configsOf(json, "aws_cloudwatch_metric_alarm").find((a) => a.metric_name === "BackupVolumeUsedPercent")
        ?.threshold,
    ).toBe(90);
    expect.assertions(2);
    try {
      build({ backup: { ebsSnapshots: { volumeUsedAlarmPercent: 150 } } });
    } catch (error) {
      expect((error as PropsValidationError).problems).toEqual([
        "backup.ebsSnapshots.volumeUsedAlarmPercent: 150 is out of range; allowed 1 to 100 percent",
      ]);
    }
  });

  describe("One Zone", () => {
    const { json } = build({ fileSystem: { oneZoneAvailabilityZone: "eu-west-1b" } });

    test("puts every client, the backup host and its volume in the file system's AZ", () => {
      const [mountTarget] = configsOf(json, "aws_efs_mount_target");
      expect(configsOf(json, "aws_efs_mount_target")).toHaveLength(1);
      expect(mountTarget.subnet_id).toMatch(/aws_subnet\.network_private-subnet-eu-west-1b_/);
      const instances = Object.entries(resourcesOf(json, "aws_instance"));
      expect(
        instances
          .map(([name, i]) => [name.split("_")[0], i.availability_zone])
          .sort()
          .reverse(),
      ).toEqual([
        ["clients", "eu-west-1b"],
        ["clients", "eu-west-1b"],
        ["backup-host", "eu-west-1b"],
      ]);
      for (const [, instance] of instances) {
        expect(instance.subnet_id).toMatch(
          /^\$\{aws_subnet\.network_public-subnet-eu-west-1b_[0-9A-F]+\.id\}$/,
        );
      }
      expect(onlyResource(json, "aws_ebs_volume").availability_zone).toBe("eu-west-1b");
    });
  });

  describe("names", () => {
    test("without a prefix, keeps the names of earlier deployments", () => {
      const { json } = build();
      expect(onlyResource(json, "aws_backup_vault").name).toBe("shared-home-vault");
      expect(onlyResource(json, "aws_backup_plan").name).toBe("shared-home-plan");
      expect(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_name).toMatch(/^efs-with-backup-\$\{/);
    });

    test("a prefix makes the vault, plan, alarm and dashboard names unique per environment", () => {
      const { json } = build({ namePrefix: "prod" });
      expect(onlyResource(json, "aws_backup_vault").name).toBe("prod-shared-home-vault");
      expect(onlyResource(json, "aws_backup_plan").name).toBe("prod-shared-home-plan");
      expect(onlyResource(json, "aws_cloudwatch_dashboard").dashboard_name).toMatch(
        /^prod-efs-with-backup-\$\{/,
      );
      for (const alarm of configsOf(json, "aws_cloudwatch_metric_alarm")) {
        expect(alarm.alarm_name).toMatch(/^prod-efs-with-backup-/);
      }
    });

    test("refuses a prefix that would make names too long, naming the field", () => {
      expect.assertions(1);
      try {
        build({ namePrefix: "production-environment" });
      } catch (error) {
        expect((error as PropsValidationError).problems).toEqual([
          'namePrefix: "production-environment" must be 1 to 15 letters, digits, "-" or "_", starting with a letter or digit (it starts AWS resource names)',
        ]);
      }
    });
  });
});
