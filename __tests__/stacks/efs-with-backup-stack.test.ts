import { Testing } from "cdktf";
import { EfsWithBackupStack, EfsWithBackupStackProps } from "../../stacks/efs-with-backup-stack";
import { PropsValidationError } from "../../modules/shared/validation";
import { TEST_STACK_PROPS } from "../helpers/app";
import { configsOf, onlyResource, parsePolicy, resourcesOf, synth } from "../helpers/synth";

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
});
