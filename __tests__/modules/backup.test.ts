import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Token } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import {
  AwsBackupPlan,
  AwsBackupPlanProps,
  EbsSnapshotBackup,
  EbsSnapshotBackupProps,
  SNAPSHOT_TAG_KEY,
} from "../../modules/backup";
import { PropsValidationError } from "../../modules/shared/validation";
import { configsOf, onlyResource, parsePolicy, resourcesOf, synth, testStack } from "../helpers/synth";

const SCRIPTS = join(__dirname, "../../modules/backup/scripts");
const FILE_SYSTEM_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** A stack with an EBS-snapshot backup attached to a stand-in host with its own role. */
function buildEbs(props: Partial<EbsSnapshotBackupProps> = {}) {
  const stack = testStack();
  const backup = new EbsSnapshotBackup(stack, "ebs-snapshot-backup", {
    availabilityZone: "eu-west-1a",
    ...props,
  });
  const role = new IamRole(stack, "backup-host-role", { assumeRolePolicy: "{}" });
  const host = new Instance(stack, "backup-host", {
    ami: "ami-12345678",
    instanceType: "t3.nano",
    availabilityZone: "eu-west-1a",
    userData: backup.hostSetupScript,
  });
  backup.attachTo({ instanceId: host.id, availabilityZone: "eu-west-1a", role });
  return { stack, backup, json: synth(stack) };
}

function buildAwsBackup(props: Partial<AwsBackupPlanProps> = {}) {
  const stack = testStack();
  const plan = new AwsBackupPlan(stack, "aws-backup", { resourceArns: [FILE_SYSTEM_ARN], ...props });
  return { stack, plan, json: synth(stack) };
}

function problemsOf(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (error) {
    if (error instanceof PropsValidationError) return error.problems;
    throw error;
  }
  throw new Error("expected a PropsValidationError");
}

/**
 * The host user data as the instance would receive it: the synthesized `join("", [...])` evaluated,
 * base64 literals decoded and the volume's id and Region filled in.
 */
function renderedUserData(json: ReturnType<typeof synth>): string {
  const expression: string = onlyResource(json, "aws_instance").user_data;
  expect(expression).toMatch(/^\$\{join\("", \[.*\]\)\}$/s);
  const piece =
    /base64decode\("([A-Za-z0-9+/=]*)"\)|element\(split\(":", aws_ebs_volume\.[\w-]+\.arn\), 3\)|aws_ebs_volume\.[\w-]+\.id/g;
  const pieces = [...expression.matchAll(piece)].map(([match, base64]) => {
    if (base64 !== undefined) return Buffer.from(base64, "base64").toString("utf8");
    return match.startsWith("element") ? "eu-west-1" : "vol-0123456789abcdef0";
  });
  // Nothing but the pieces above (and the list's separators) may be in the expression.
  const rest = expression.slice('${join("", ['.length, -"])}".length).replace(piece, "").replace(/, /g, "");
  expect(rest).toBe("");
  return pieces.join("");
}

/** The body of the heredoc that writes `path` in the setup fragment. */
function heredocBody(script: string, path: string): string {
  const match = new RegExp(`cat > ${path} <<'(\\w+)'\\n([\\s\\S]*?)\\n\\1\\n`).exec(script);
  if (!match) throw new Error(`no heredoc for ${path}`);
  return `${match[2]}\n`;
}

describe("EbsSnapshotBackup", () => {
  describe("volume", () => {
    test("is encrypted gp3, 5 GiB, in the host's AZ, with a final snapshot and prevent_destroy", () => {
      const { json } = buildEbs();
      expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({
        availability_zone: "eu-west-1a",
        type: "gp3",
        size: 5,
        encrypted: true,
        final_snapshot: true,
        lifecycle: { prevent_destroy: true },
        tags: { Name: "shared-home-backup" },
      });
      expect(onlyResource(json, "aws_ebs_volume").kms_key_id).toBeUndefined();
    });

    test("takes a size and a customer KMS key", () => {
      const { json } = buildEbs({ volumeSizeGiB: 50, kmsKeyArn: KMS_KEY_ARN });
      expect(onlyResource(json, "aws_ebs_volume")).toMatchObject({ size: 50, kms_key_id: KMS_KEY_ARN });
    });

    test("does not depend on the host, so the host's user data can name it", () => {
      const { json } = buildEbs();
      expect(JSON.stringify(onlyResource(json, "aws_ebs_volume"))).not.toContain("aws_instance");
      expect(onlyResource(json, "aws_instance").user_data).toMatch(/aws_ebs_volume\.[\w-]+\.id/);
    });
  });

  describe("attachment", () => {
    test("attaches the volume to the host on /dev/sdf and stops the host before detaching", () => {
      const { json } = buildEbs();
      const attachment = onlyResource(json, "aws_volume_attachment");
      expect(attachment).toMatchObject({ device_name: "/dev/sdf", stop_instance_before_detaching: true });
      expect(attachment.volume_id).toMatch(/^\$\{aws_ebs_volume\.[^}]+\.id\}$/);
      expect(attachment.instance_id).toMatch(/^\$\{aws_instance\.[^}]+\.id\}$/);
    });

    test("refuses a host in another AZ and a second attachment", () => {
      const stack = testStack();
      const backup = new EbsSnapshotBackup(stack, "b", { availabilityZone: "eu-west-1a" });
      const role = new IamRole(stack, "r", { assumeRolePolicy: "{}" });
      expect(
        problemsOf(() => backup.attachTo({ instanceId: "i-1", availabilityZone: "eu-west-1b", role })),
      ).toEqual([
        `host.availabilityZone: "eu-west-1b" differs from the volume's AZ "eu-west-1a"; EBS attaches only within one AZ`,
      ]);
      backup.attachTo({ instanceId: "i-1", availabilityZone: "eu-west-1a", role });
      expect(
        problemsOf(() => backup.attachTo({ instanceId: "i-2", availabilityZone: "eu-west-1a", role })),
      ).toEqual(["host: the volume is already attached; call attachTo once"]);
    });
  });

  describe("IAM policy of the host role", () => {
    const { json } = buildEbs();
    const volume = `aws_ebs_volume.${Object.keys(resourcesOf(json, "aws_ebs_volume"))[0]}`;
    const statements = () => {
      const policy = onlyResource(json, "aws_iam_role_policy");
      expect(policy.role).toMatch(/^\$\{aws_iam_role\.backup-host-role\.id\}$/);
      return parsePolicy(policy.policy).Statement as any[];
    };
    const SNAPSHOTS =
      `arn:\${element(split(':', ${volume}.arn), 1)}:ec2:` +
      `\${element(split(':', ${volume}.arn), 3)}::snapshot/*`;

    test("allows CreateSnapshot only on this volume and snapshot ARNs", () => {
      expect(statements().find((s) => s.Action === "ec2:CreateSnapshot")).toEqual({
        Sid: "SnapshotTheBackupVolume",
        Effect: "Allow",
        Action: "ec2:CreateSnapshot",
        Resource: [`\${${volume}.arn}`, SNAPSHOTS],
      });
    });

    test("allows CreateTags only on snapshots, only while CreateSnapshot creates them", () => {
      expect(statements().find((s) => s.Action === "ec2:CreateTags")).toMatchObject({
        Resource: SNAPSHOTS,
        Condition: { StringEquals: { "ec2:CreateAction": "CreateSnapshot" } },
      });
    });

    test("allows DeleteSnapshot only on snapshots tagged with this volume's id", () => {
      expect(statements().find((s) => s.Action === "ec2:DeleteSnapshot")).toMatchObject({
        Resource: SNAPSHOTS,
        Condition: {
          StringEquals: {
            [`aws:ResourceTag/${SNAPSHOT_TAG_KEY}`]: `\${${volume}.id}`,
          },
        },
      });
    });

    test("puts only DescribeSnapshots and PutMetricData in our namespace on *, and allows nothing else", () => {
      const all = statements();
      expect(all.filter((s) => JSON.stringify(s.Resource).includes('"*"') || s.Resource === "*")).toEqual([
        { Sid: "ListSnapshots", Effect: "Allow", Action: "ec2:DescribeSnapshots", Resource: "*" },
        {
          Sid: "PutBackupMetrics",
          Effect: "Allow",
          Action: "cloudwatch:PutMetricData",
          Resource: "*",
          Condition: { StringEquals: { "cloudwatch:namespace": "EfsSharedHome/Backup" } },
        },
      ]);
      expect(all.map((s) => s.Action).sort()).toEqual([
        "cloudwatch:PutMetricData",
        "ec2:CreateSnapshot",
        "ec2:CreateTags",
        "ec2:DeleteSnapshot",
        "ec2:DescribeSnapshots",
      ]);
      expect(all.every((s) => s.Effect === "Allow" && !String(s.Action).includes("*"))).toBe(true);
    });

    test("uses no data source to find the account, region or partition", () => {
      expect(json.data).toBeUndefined();
    });
  });

  describe("host setup script", () => {
    test("installs exactly the tested scripts and systemd units", () => {
      const script = renderedUserData(buildEbs().json);
      const installed = {
        "/usr/local/sbin/backup-shared-home": "backup-shared-home.sh",
        "/usr/local/sbin/backup-shared-home-notify-failure": "notify-backup-failure.sh",
        "/usr/local/sbin/backup-shared-home-install-packages": "install-packages.sh",
        "/etc/systemd/system/backup-shared-home-failed@.service": "backup-shared-home-failed@.service",
      };
      for (const [path, file] of Object.entries(installed)) {
        expect(heredocBody(script, path)).toBe(readFileSync(join(SCRIPTS, file), "utf8"));
      }
      // The service is the tested file with only its timeout filled in.
      expect(heredocBody(script, "/etc/systemd/system/backup-shared-home.service")).toBe(
        readFileSync(join(SCRIPTS, "backup-shared-home.service"), "utf8").replace(
          "TimeoutStartSec=@TIMEOUT_START_SEC@",
          "TimeoutStartSec=60min",
        ),
      );
      expect(script).toContain("systemctl enable --now backup-shared-home.timer");
    });

    test("reports a failed run through OnFailure to the notifier, with the unit's name", () => {
      const script = renderedUserData(buildEbs().json);
      const service = heredocBody(script, "/etc/systemd/system/backup-shared-home.service");
      expect(service).toContain("\nOnFailure=backup-shared-home-failed@%n.service\n");
      const failed = heredocBody(script, "/etc/systemd/system/backup-shared-home-failed@.service");
      expect(failed).toContain("\nExecStart=/usr/local/sbin/backup-shared-home-notify-failure %i\n");
      expect(failed).toContain("\nEnvironmentFile=/etc/backup-shared-home.env\n");
    });

    test.each([
      [{}, "60min"],
      [{ intervalMinutes: 30 }, "120min"],
      [{ intervalMinutes: 1440 }, "5760min"],
      [{ timeoutMinutes: 45 }, "45min"],
    ])("bounds a run with TimeoutStartSec (%j: %s)", (props, timeout) => {
      const service = heredocBody(
        renderedUserData(buildEbs(props).json),
        "/etc/systemd/system/backup-shared-home.service",
      );
      expect(service).toContain(`\nTimeoutStartSec=${timeout}\n`);
    });

    test("installs rsync with bounded retries, after the timer, so a failed install is reported by the runs", () => {
      const script = renderedUserData(buildEbs().json);
      const install =
        "if ! command -v rsync >/dev/null 2>&1; then /usr/local/sbin/backup-shared-home-install-packages rsync; fi\n";
      expect(script).toContain(install);
      expect(script.indexOf(install)).toBeGreaterThan(
        script.indexOf("systemctl enable --now backup-shared-home.timer"),
      );
      // The one install is the retrying script's; no single-shot dnf or yum call is left.
      const installer = heredocBody(script, "/usr/local/sbin/backup-shared-home-install-packages");
      expect(script.replace(installer, "")).not.toMatch(/dnf install|yum install/);
    });

    test("runs the timer every 15 minutes by default, persistently", () => {
      const timer = heredocBody(
        renderedUserData(buildEbs().json),
        "/etc/systemd/system/backup-shared-home.timer",
      );
      expect(timer).toContain("OnCalendar=*:0/15\n");
      expect(timer).toContain("Persistent=true\n");
    });

    test.each([
      [5, "*:0/5"],
      [60, "*:00"],
      [360, "0/6:00"],
      [1440, "*-*-* 00:00:00"],
    ])("turns an interval of %i minutes into OnCalendar=%s", (intervalMinutes, onCalendar) => {
      const timer = heredocBody(
        renderedUserData(buildEbs({ intervalMinutes }).json),
        "/etc/systemd/system/backup-shared-home.timer",
      );
      expect(timer).toContain(`OnCalendar=${onCalendar}\n`);
    });

    test("writes the volume id, region, limits, paths, metric namespace and topic to the environment file", () => {
      const env = heredocBody(
        renderedUserData(
          buildEbs({
            keepLast: 100,
            keepDays: 3,
            sourcePath: "/srv/home",
            alarmTopicArn: "arn:aws:sns:eu-west-1:111122223333:alarms",
          }).json,
        ),
        "/etc/backup-shared-home.env",
      );
      expect(env).toBe(
        [
          "AWS_DEFAULT_REGION=eu-west-1",
          "BACKUP_VOLUME_ID=vol-0123456789abcdef0",
          "BACKUP_KEEP_LAST=100",
          "BACKUP_KEEP_DAYS=3",
          "BACKUP_MAX_DELETE_PERCENT=20",
          `BACKUP_TAG_KEY=${SNAPSHOT_TAG_KEY}`,
          "BACKUP_SOURCE=/srv/home",
          "BACKUP_MOUNT_POINT=/mnt/backup",
          "BACKUP_DEVICE_NAME=/dev/sdf",
          "BACKUP_METRIC_NAMESPACE=EfsSharedHome/Backup",
          "BACKUP_ALARM_TOPIC_ARN=arn:aws:sns:eu-west-1:111122223333:alarms",
          "",
        ].join("\n"),
      );
    });

    test("hands shell text to Terraform only base64-encoded, so no ${...} of bash is read as Terraform", () => {
      const userData: string = onlyResource(buildEbs().json, "aws_instance").user_data;
      expect(userData).not.toContain("BACKUP_VOLUME_ID");
      expect(userData).toContain("base64decode(");
    });

    test("is valid bash once Terraform has rendered it", () => {
      const result = spawnSync("bash", ["-n"], {
        input: renderedUserData(buildEbs().json),
        encoding: "utf8",
      });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    });
  });

  describe("validation", () => {
    test("lists every problem at once, naming the field, the value and what is allowed", () => {
      const problems = problemsOf(
        () =>
          new EbsSnapshotBackup(testStack(), "b", {
            availabilityZone: "eu-west-1",
            volumeSizeGiB: 0,
            intervalMinutes: 7,
            keepLast: 0,
            keepDays: 1.5,
            maxDeletePercent: 0,
            kmsKeyArn: "alias/mine",
            deviceName: "/dev/sda1",
            sourcePath: "/mnt/shared home",
            name: "bad name",
            timeoutMinutes: 2,
            alarmTopicArn: "arn:aws:sqs:eu-west-1:111122223333:alarms",
          }),
      );
      expect(problems).toEqual([
        'availabilityZone: "eu-west-1" is not an AZ name such as "eu-west-1a"',
        'name: "bad name" must be 1 to 24 letters, digits, "-" or "_", starting with a letter or digit (it prefixes AWS resource names)',
        "volumeSizeGiB: 0 is not allowed; use a whole number of GiB from 1 to 16384",
        'kmsKeyArn: "alias/mine" is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."',
        "intervalMinutes: 7 is not allowed; use one of 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440",
        "timeoutMinutes: 2 is not allowed; use a whole number of minutes from 5 to 10080",
        'alarmTopicArn: "arn:aws:sqs:eu-west-1:111122223333:alarms" is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"',
        "keepLast: 0 is not allowed; use a whole number of snapshots from 1 to 10000",
        "keepDays: 1.5 is not allowed; use a whole number of days from 1 to 3650",
        "maxDeletePercent: 0 is not allowed; use a whole number of percent from 1 to 100",
        'deviceName: "/dev/sda1" is not allowed; use /dev/sdf to /dev/sdp (or /dev/xvdf to /dev/xvdp)',
        'sourcePath: "/mnt/shared home" must be an absolute path other than "/" made of letters, digits, ".", "_" and "-", without a trailing "/"',
      ]);
    });

    test("refuses a backup mount inside the share, which rsync would copy into itself", () => {
      expect(
        problemsOf(
          () =>
            new EbsSnapshotBackup(testStack(), "b", {
              availabilityZone: "eu-west-1a",
              sourcePath: "/home",
              mountPath: "/home/backup",
            }),
        ),
      ).toEqual([
        'mountPath: "/home/backup" and sourcePath "/home" must not contain each other, or rsync would copy the backup into itself',
      ]);
    });

    test("skips an AZ that is a token, known only at apply time", () => {
      const stack = testStack();
      expect(
        () => new EbsSnapshotBackup(stack, "b", { availabilityZone: Token.asString({ Ref: "az" }) }),
      ).not.toThrow();
    });
  });
});

describe("AwsBackupPlan", () => {
  test("creates a vault encrypted with a new rotating customer KMS key", () => {
    const { json } = buildAwsBackup();
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(onlyResource(json, "aws_backup_vault")).toMatchObject({
      name: "shared-home-vault",
      kms_key_arn: expect.stringMatching(/^\$\{aws_kms_key\.[^}]+\.arn\}$/),
    });
    expect(onlyResource(json, "aws_backup_vault").force_destroy).toBeUndefined();
  });

  test("uses a given KMS key instead of creating one", () => {
    const { json } = buildAwsBackup({ kmsKeyArn: KMS_KEY_ARN });
    expect(configsOf(json, "aws_kms_key")).toHaveLength(0);
    expect(onlyResource(json, "aws_backup_vault").kms_key_arn).toBe(KMS_KEY_ARN);
  });

  test("backs up daily at 05:00 UTC and keeps recovery points 35 days by default, without cold storage", () => {
    const { json } = buildAwsBackup();
    const plan = onlyResource(json, "aws_backup_plan");
    expect(plan.rule).toEqual([
      {
        rule_name: "shared-home-scheduled",
        target_vault_name: expect.stringMatching(/^\$\{aws_backup_vault\.[^}]+\.name\}$/),
        schedule: "cron(0 5 * * ? *)",
        lifecycle: { delete_after: 35 },
      },
    ]);
  });

  test("moves recovery points to cold storage on request", () => {
    const { json } = buildAwsBackup({
      coldStorageAfterDays: 30,
      deleteAfterDays: 120,
      schedule: "cron(30 2 ? * SUN *)",
    });
    expect(onlyResource(json, "aws_backup_plan").rule[0]).toMatchObject({
      schedule: "cron(30 2 ? * SUN *)",
      lifecycle: { cold_storage_after: 30, delete_after: 120 },
    });
  });

  test("selects the file system by ARN, with the AWS Backup role", () => {
    const { json } = buildAwsBackup();
    expect(onlyResource(json, "aws_backup_selection")).toMatchObject({
      resources: [FILE_SYSTEM_ARN],
      plan_id: expect.stringMatching(/^\$\{aws_backup_plan\.[^}]+\.id\}$/),
      iam_role_arn: expect.stringMatching(/^\$\{aws_iam_role\.[^}]+\.arn\}$/),
    });
  });

  test("gives the role to AWS Backup only, with the AWS-managed backup and restore policies", () => {
    const { json } = buildAwsBackup();
    const role = onlyResource(json, "aws_iam_role");
    expect(parsePolicy(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(configsOf(json, "aws_iam_role_policy")).toHaveLength(0);
    const roleAddress = `aws_iam_role.${Object.keys(resourcesOf(json, "aws_iam_role"))[0]}`;
    const partition = `\${element(split(":", ${roleAddress}.arn), 1)}`;
    expect(
      configsOf(json, "aws_iam_role_policy_attachment")
        .map((a) => a.policy_arn)
        .sort(),
    ).toEqual([
      `arn:${partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup`,
      `arn:${partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores`,
    ]);
  });

  test("keeps today's vault and plan names without a prefix", () => {
    const { json } = buildAwsBackup();
    expect(onlyResource(json, "aws_backup_vault").name).toBe("shared-home-vault");
    expect(onlyResource(json, "aws_backup_plan").name).toBe("shared-home-plan");
  });

  test("puts the environment's prefix before the vault and plan names, which AWS requires to be unique", () => {
    const { json } = buildAwsBackup({ namePrefix: "prod" });
    expect(onlyResource(json, "aws_backup_vault").name).toBe("prod-shared-home-vault");
    const plan = onlyResource(json, "aws_backup_plan");
    expect(plan.name).toBe("prod-shared-home-plan");
    // Names that are unique per plan, or generated, stay as they were.
    expect(plan.rule[0].rule_name).toBe("shared-home-scheduled");
    expect(onlyResource(json, "aws_backup_selection").name).toBe("shared-home-selection");
    expect(onlyResource(json, "aws_iam_role").name_prefix).toBe("shared-home-aws-backup-");
  });

  test("has no vault notifications without a topic", () => {
    expect(configsOf(buildAwsBackup().json, "aws_backup_vault_notifications")).toEqual([]);
  });

  test("sends completed backup and restore jobs and failed copy jobs of the vault to the topic", () => {
    const topic = "arn:aws:sns:eu-west-1:111122223333:alarms";
    const { json } = buildAwsBackup({ notificationTopicArn: topic });
    const notifications = onlyResource(json, "aws_backup_vault_notifications");
    expect(notifications).toMatchObject({
      sns_topic_arn: topic,
      backup_vault_events: ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED", "COPY_JOB_FAILED"],
    });
    expect(notifications.backup_vault_name).toMatch(
      /^\$\{aws_backup_vault\.aws-backup_vault_[0-9A-F]+\.name\}$/,
    );
  });

  test("has no vault lock unless asked", () => {
    expect(configsOf(buildAwsBackup().json, "aws_backup_vault_lock_configuration")).toHaveLength(0);
  });

  test("locks the vault in compliance mode when changeableForDays is set", () => {
    const { json } = buildAwsBackup({
      vaultLock: { minRetentionDays: 7, maxRetentionDays: 365, changeableForDays: 3 },
    });
    expect(onlyResource(json, "aws_backup_vault_lock_configuration")).toMatchObject({
      backup_vault_name: expect.stringMatching(/^\$\{aws_backup_vault\.[^}]+\.name\}$/),
      min_retention_days: 7,
      max_retention_days: 365,
      changeable_for_days: 3,
    });
  });

  describe("validation", () => {
    test("lists every problem at once, naming the field, the value and what is allowed", () => {
      const problems = problemsOf(
        () =>
          new AwsBackupPlan(testStack(), "p", {
            resourceArns: ["fs-0123"],
            schedule: "rate(1 day)",
            deleteAfterDays: 0,
            coldStorageAfterDays: 10,
            kmsKeyArn: "key-1",
          }),
      );
      expect(problems).toEqual([
        'kmsKeyArn: "key-1" is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."',
        'resourceArns: "fs-0123" is not a resource ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-..."',
        'schedule: "rate(1 day)" is not a cron expression such as "cron(0 5 * * ? *)" (daily at 05:00 UTC)',
        "deleteAfterDays: 0 is not allowed; use a whole number of days from 1 to 36500",
        "deleteAfterDays: 0 is too short for coldStorageAfterDays 10; AWS Backup keeps cold recovery points at least 90 days, so use 100 or more",
      ]);
    });

    test.each([
      ["cron(0 5 * * ?)", "has 5 fields; AWS cron takes 6"],
      ["cron(0/15 * * * ? *)", 'runs more than once an hour (minutes field "0/15")'],
      ["cron(0 5 * * * *)", 'must have "?" in exactly one of day-of-month and day-of-week'],
      ["cron(0 5 * * ? *;)", "has characters AWS cron does not accept"],
    ])("refuses the schedule %s", (schedule, message) => {
      const [problem] = problemsOf(
        () => new AwsBackupPlan(testStack(), "p", { resourceArns: [FILE_SYSTEM_ARN], schedule }),
      );
      expect(problem).toContain(`schedule: ${JSON.stringify(schedule)} ${message}`);
    });

    test("refuses a bad name prefix and notification topic, naming each", () => {
      const problems = problemsOf(
        () =>
          new AwsBackupPlan(testStack(), "p", {
            resourceArns: [FILE_SYSTEM_ARN],
            namePrefix: "production-eu-west",
            notificationTopicArn: "alarms",
          }),
      );
      expect(problems).toEqual([
        'namePrefix: "production-eu-west" must be 1 to 15 letters, digits, "-" or "_", starting with a letter or digit (it prefixes the vault and plan names)',
        'notificationTopicArn: "alarms" is not an SNS topic ARN such as "arn:aws:sns:eu-west-1:111122223333:alarms"',
      ]);
    });

    test("refuses an empty selection", () => {
      expect(problemsOf(() => new AwsBackupPlan(testStack(), "p", { resourceArns: [] }))).toEqual([
        "resourceArns: is empty; select at least one file-system ARN",
      ]);
    });

    test("refuses a retention the locked vault would reject, and a grace time under 3 days", () => {
      const problems = problemsOf(
        () =>
          new AwsBackupPlan(testStack(), "p", {
            resourceArns: [FILE_SYSTEM_ARN],
            deleteAfterDays: 35,
            vaultLock: { minRetentionDays: 60, maxRetentionDays: 30, changeableForDays: 1 },
          }),
      );
      expect(problems).toEqual([
        "vaultLock.changeableForDays: 1 is not allowed; use a whole number of days from 3 to 36500",
        "vaultLock.minRetentionDays: 60 is greater than maxRetentionDays 30",
        "deleteAfterDays: 35 is below vaultLock.minRetentionDays 60; the locked vault would refuse every backup",
        "deleteAfterDays: 35 is above vaultLock.maxRetentionDays 30; the locked vault would refuse every backup",
      ]);
    });

    test("accepts a file-system ARN that is a token", () => {
      const stack = testStack();
      expect(
        () => new AwsBackupPlan(stack, "p", { resourceArns: [Token.asString({ Ref: "fs" })] }),
      ).not.toThrow();
    });
  });
});
