import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerraformOutput, TerraformVariable } from "cdktf";
import { AwsBackupPlan, EbsSnapshotBackup } from "../../modules/backup";
import { ecsEfsVolume, EfsClients, lambdaFileSystemConfig } from "../../modules/clients";
import { SharedFileSystem } from "../../modules/efs";
import { EfsMonitoring } from "../../modules/monitoring";
import { checkSchema } from "../../settings/load";
import { configsOf, onlyResource, parsePolicy, synth, testStack } from "../helpers/synth";

// Every ARN a user may give is accepted in each partition, not only in `aws` (issue #23): China and
// GovCloud accounts use the same modules.

const PARTITIONS = [
  { partition: "aws", region: "eu-west-1", otherRegion: "eu-central-1", dnsSuffix: "amazonaws.com" },
  { partition: "aws-cn", region: "cn-north-1", otherRegion: "cn-northwest-1", dnsSuffix: "amazonaws.com.cn" },
  {
    partition: "aws-us-gov",
    region: "us-gov-west-1",
    otherRegion: "us-gov-east-1",
    dnsSuffix: "amazonaws.com",
  },
] as const;
type Partition = (typeof PARTITIONS)[number];

const ACCOUNT = "111122223333";
const arnsOf = ({ partition, region, otherRegion }: Partition) => ({
  role: `arn:${partition}:iam::${ACCOUNT}:role/teams/web/app`,
  accessPoint: `arn:${partition}:elasticfilesystem:${region}:${ACCOUNT}:access-point/fsap-0123456789abcdef0`,
  fileSystem: `arn:${partition}:elasticfilesystem:${region}:${ACCOUNT}:file-system/fs-0123456789abcdef0`,
  kmsKey: `arn:${partition}:kms:${region}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  replicaKmsKey: `arn:${partition}:kms:${otherRegion}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  topic: `arn:${partition}:sns:${region}:${ACCOUNT}:alarms`,
  targetGroup: `arn:${partition}:elasticloadbalancing:${region}:${ACCOUNT}:targetgroup/web/0123456789abcdef`,
});

const SUBNETS = (region: string) => [
  { id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: `${region}a` },
  { id: "subnet-0bbbbbbbbbbbbbbbb", availabilityZone: `${region}b` },
];

describe.each(PARTITIONS)("in the $partition partition", (p) => {
  const arns = arnsOf(p);

  test("a role and an access point given by ARN are granted on both sides", () => {
    // GIVEN
    const stack = testStack();
    const fs = new SharedFileSystem(stack, "shared", {
      vpcId: "vpc-0123456789abcdef0",
      subnets: SUBNETS(p.region),
    });
    // WHEN
    fs.grantReadWrite({ roleArn: arns.role }, { accessPoint: arns.accessPoint });
    const json = synth(stack);
    // THEN
    const inline = onlyResource(json, "aws_iam_role_policy");
    expect(inline.role).toBe("app");
    const statements = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy).Statement;
    expect(
      statements.some((s: { Principal: unknown }) => JSON.stringify(s.Principal).includes(arns.role)),
    ).toBe(true);
  });

  test("a file system imported by a literal ARN mounts at the partition's DNS name", () => {
    const stack = testStack();
    const fs = SharedFileSystem.fromAttributes(stack, "imported", { fileSystemArn: arns.fileSystem });
    expect(fs.dnsName).toBe(`fs-0123456789abcdef0.efs.${p.region}.${p.dnsSuffix}`);
    expect(fs.fileSystemId).toBe("fs-0123456789abcdef0");
  });

  test("a file system imported by a token ARN gets, at plan time, the DNS name of that ARN", () => {
    // GIVEN
    const stack = testStack();
    const fileSystemArn = new TerraformVariable(stack, "file_system_arn", { type: "string" }).stringValue;
    const fs = SharedFileSystem.fromAttributes(stack, "imported", { fileSystemArn });
    new TerraformOutput(stack, "dns_name", { value: fs.dnsName });
    new TerraformOutput(stack, "file_system_id", { value: fs.fileSystemId });
    const outputs = synth(stack).output;
    // WHEN: Terraform itself evaluates the expressions with the ARN filled in
    const evaluated = evaluateWithTerraform({ file_system_arn: arns.fileSystem }, [
      outputs.dns_name.value,
      outputs.file_system_id.value,
    ]);
    // THEN
    expect(evaluated).toEqual([
      `fs-0123456789abcdef0.efs.${p.region}.${p.dnsSuffix}`,
      "fs-0123456789abcdef0",
    ]);
  });

  test("KMS keys, a replica's key, topics, target groups and access points are accepted by every module", () => {
    const stack = testStack();
    const fs = new SharedFileSystem(stack, "shared", {
      vpcId: "vpc-0123456789abcdef0",
      subnets: SUBNETS(p.region),
      kmsKeyArn: arns.kmsKey,
      replication: { region: p.otherRegion, kmsKeyArn: arns.replicaKmsKey },
    });
    new EfsMonitoring(stack, "monitoring", {
      fileSystem: fs,
      region: p.region,
      existingTopicArn: arns.topic,
    });
    new EfsClients(stack, "clients", {
      vpcId: "vpc-0123456789abcdef0",
      subnets: SUBNETS(p.region),
      fileSystem: fs,
      region: p.region,
      placement: "fleet",
      targetGroupArns: [arns.targetGroup],
      rootVolume: { kmsKeyArn: arns.kmsKey },
      codeSync: { bucketName: "example-web-code", kmsKeyArn: arns.kmsKey },
    });
    new EbsSnapshotBackup(stack, "ebs-backup", {
      availabilityZone: `${p.region}a`,
      kmsKeyArn: arns.kmsKey,
      alarmTopicArn: arns.topic,
    });
    new AwsBackupPlan(stack, "aws-backup", {
      resourceArns: [arns.fileSystem],
      kmsKeyArn: arns.kmsKey,
      notificationTopicArn: arns.topic,
    });
    expect(
      ecsEfsVolume({ name: "home", fileSystem: fs, accessPoint: arns.accessPoint }).efsVolumeConfiguration
        ?.authorizationConfig?.accessPointId,
    ).toBe("fsap-0123456789abcdef0");
    expect(
      lambdaFileSystemConfig({
        accessPoint: arns.accessPoint.replace(/fsap-\w+$/, "fsap-0123456789abcdef0"),
        localMountPath: "/mnt/home",
        subnetIds: ["subnet-0aaaaaaaaaaaaaaaa"],
        securityGroupIds: ["sg-0123456789abcdef0"],
      }).fileSystemConfig.arn,
    ).toBe(arns.accessPoint);
    // The code-sync key policy names the key in its own partition.
    const keyUse = configsOf(synth(stack), "aws_iam_role_policy")
      .flatMap((p) => parsePolicy(p.policy).Statement)
      .filter((s: { Resource: unknown }) => JSON.stringify(s.Resource).includes(arns.kmsKey));
    expect(keyUse).not.toEqual([]);
  });

  test("the settings take the partition's KMS keys and target groups", () => {
    const settings = {
      region: p.region,
      availabilityZones: [`${p.region}a`, `${p.region}b`],
      fileSystem: { kmsKeyArn: arns.kmsKey },
      clients: {
        placement: "fleet",
        targetGroupArns: [arns.targetGroup],
        codeSync: { bucketName: "example-web-code", kmsKeyArn: arns.kmsKey },
      },
      backup: { ebsSnapshots: { kmsKeyArn: arns.kmsKey }, awsBackup: { kmsKeyArn: arns.kmsKey } },
      state: { bucket: "example-state", kmsKeyArn: arns.kmsKey },
    };
    expect(checkSchema(settings, []).problems).toEqual([]);
  });
});

/**
 * The values of `expressions` (synthesized `${...}` templates) with the variables set, as Terraform
 * computes them: `terraform console`, which needs neither providers nor `init`.
 */
function evaluateWithTerraform(variables: Record<string, string>, expressions: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), "efs-console-"));
  try {
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({
        variable: Object.fromEntries(Object.keys(variables).map((name) => [name, { type: "string" }])),
      }),
    );
    // A synthesized template is already HCL: quoted, it is a template literal again.
    const input = `jsonencode([${expressions.map((e) => `"${e}"`).join(", ")}])\n`;
    const output = execFileSync(
      "terraform",
      ["console", ...Object.entries(variables).flatMap(([name, value]) => ["-var", `${name}=${value}`])],
      {
        cwd: dir,
        input,
        encoding: "utf8",
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, TF_IN_AUTOMATION: "1" },
      },
    );
    return JSON.parse(JSON.parse(output.trim()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
