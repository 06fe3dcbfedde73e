import { Lazy, Token } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import {
  LifecycleTransition,
  PerformanceMode,
  SharedFileSystem,
  SharedFileSystemProps,
  ThroughputMode,
} from "../../modules/efs";
import { configsOf, onlyResource, parsePolicy, synth, testStack } from "../helpers/synth";

const TWO_SUBNETS = [
  { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
  { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
];

function build(props: Partial<SharedFileSystemProps> = {}, extend?: (fs: SharedFileSystem) => void) {
  const stack = testStack();
  const fs = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: TWO_SUBNETS, ...props });
  extend?.(fs);
  return { stack, fs, json: synth(stack) };
}

function policyOf(json: ReturnType<typeof synth>) {
  return parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy);
}

function roleIn(fs: SharedFileSystem, id: string): IamRole {
  return new IamRole(fs.node.scope!, id, { assumeRolePolicy: "{}" });
}

describe("SharedFileSystem", () => {
  describe("file system", () => {
    test("is encrypted, elastic, generalPurpose and protected from destroy by default", () => {
      // GIVEN / WHEN
      const { json } = build();
      // THEN
      expect(onlyResource(json, "aws_efs_file_system")).toMatchObject({
        encrypted: true,
        performance_mode: "generalPurpose",
        throughput_mode: "elastic",
        lifecycle: { prevent_destroy: true },
        protection: { replication_overwrite: "ENABLED" },
        lifecycle_policy: [
          { transition_to_ia: "AFTER_30_DAYS" },
          { transition_to_primary_storage_class: "AFTER_1_ACCESS" },
        ],
      });
    });

    test("creates a rotating customer KMS key on request", () => {
      const { json } = build({ createKmsKey: true });
      expect(onlyResource(json, "aws_kms_key").enable_key_rotation).toBe(true);
      expect(onlyResource(json, "aws_efs_file_system").kms_key_id).toMatch(/\$\{aws_kms_key\.[^.]+\.arn\}/);
    });

    test("accepts an existing KMS key ARN", () => {
      const arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const { json } = build({ kmsKeyArn: arn });
      expect(onlyResource(json, "aws_efs_file_system").kms_key_id).toBe(arn);
      expect(configsOf(json, "aws_kms_key")).toHaveLength(0);
    });

    test("sets provisioned throughput only in provisioned mode", () => {
      const { json } = build({ throughputMode: ThroughputMode.PROVISIONED, provisionedThroughputMibps: 64 });
      expect(onlyResource(json, "aws_efs_file_system")).toMatchObject({
        throughput_mode: "provisioned",
        provisioned_throughput_in_mibps: 64,
      });
    });

    test("writes Archive and One Zone settings", () => {
      const { json } = build({
        subnets: [TWO_SUBNETS[0]],
        oneZoneAvailabilityZone: "eu-west-1a",
        lifecycle: {
          transitionToIa: LifecycleTransition.AFTER_7_DAYS,
          transitionToArchive: LifecycleTransition.AFTER_90_DAYS,
        },
      });
      expect(onlyResource(json, "aws_efs_file_system")).toMatchObject({
        availability_zone_name: "eu-west-1a",
        lifecycle_policy: [{ transition_to_ia: "AFTER_7_DAYS" }, { transition_to_archive: "AFTER_90_DAYS" }],
      });
      expect(configsOf(json, "aws_efs_mount_target")).toHaveLength(1);
    });

    test("prevent_destroy can be turned off for throwaway environments", () => {
      const { json } = build({ preventDestroy: false });
      expect(onlyResource(json, "aws_efs_file_system").lifecycle).toEqual({ prevent_destroy: false });
    });
  });

  describe("mount targets and security groups", () => {
    test("puts one mount target in each subnet, behind the mount-target group", () => {
      const { json } = build();
      const mountTargets = configsOf(json, "aws_efs_mount_target");
      expect(mountTargets.map((m) => m.subnet_id).sort()).toEqual(["subnet-0000000a", "subnet-0000000b"]);
      for (const mountTarget of mountTargets) {
        expect(mountTarget.security_groups).toEqual([expect.stringMatching(/mount-target-security-group/)]);
      }
    });

    test("allows NFS into the mount targets only from the client group, with no egress", () => {
      const { json } = build();
      const ingress = onlyResource(json, "aws_vpc_security_group_ingress_rule");
      expect(ingress).toMatchObject({ ip_protocol: "tcp", from_port: 2049, to_port: 2049 });
      expect(ingress.security_group_id).toMatch(/mount-target-security-group/);
      expect(ingress.referenced_security_group_id).toMatch(/client-security-group/);
      expect(ingress.cidr_ipv4).toBeUndefined();
      const egress = configsOf(json, "aws_vpc_security_group_egress_rule");
      expect(egress).toHaveLength(1);
      expect(egress[0].security_group_id).toMatch(/client-security-group/);
      expect(egress[0].referenced_security_group_id).toMatch(/mount-target-security-group/);
    });

    test("keeps the construct ids existing deployments have", () => {
      // GIVEN / WHEN
      const { json } = build({}, (fs) => fs.grantRootAccess(roleIn(fs, "client-role")));
      // THEN: a changed id would replace the rule (and briefly cut NFS) on the next apply
      expect(Object.keys(json.resource.aws_vpc_security_group_ingress_rule)).toEqual([
        expect.stringMatching(/^shared_nfs-from-client-security-group_[0-9A-F]{8}$/),
      ]);
      // Sids are not addresses: statements are merged per level and access point since #19.
      expect(policyOf(json).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
        "DenyWithoutTls",
        "AllowRoot",
      ]);
    });

    test("gives every group and rule a description", () => {
      const { json } = build();
      for (const type of [
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
      ]) {
        for (const config of configsOf(json, type)) expect(config.description).toMatch(/\w+/);
      }
    });

    test("allowNfsFrom opens 2049 to another group", () => {
      const { json } = build({}, (fs) => {
        const other = new SecurityGroup(fs.node.scope!, "batch-workers", { vpcId: "vpc-11111111" });
        fs.allowNfsFrom(other);
      });
      const sources = configsOf(json, "aws_vpc_security_group_ingress_rule").map(
        (r) => r.referenced_security_group_id,
      );
      expect(sources).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/batch-workers/),
          expect.stringMatching(/client-security-group/),
        ]),
      );
    });
  });

  describe("ids checked for their shape, as in the settings file", () => {
    test("a malformed VPC id and subnet id are refused together, each with its field", () => {
      // GIVEN the newcomer's mistakes: a short VPC id and a short subnet id
      const subnets = [{ id: "subnet-12345", availabilityZone: "eu-west-1a" }, TWO_SUBNETS[1]!];
      // WHEN / THEN one error lists both
      expect(() => build({ vpcId: "vpc-123", subnets })).toThrow(
        'Invalid props for test/shared:\n  - vpcId: "vpc-123" is not a VPC id such as "vpc-0123456789abcdef0"\n' +
          '  - subnets[0].id: "subnet-12345" is not a subnet id such as "subnet-0123456789abcdef0"',
      );
    });

    test("a malformed AZ name of a subnet is refused", () => {
      const subnets = [TWO_SUBNETS[0]!, { id: "subnet-0000000b", availabilityZone: "euwest1b" }];
      expect(() => build({ subnets })).toThrow(
        /subnets\[1\]\.availabilityZone: "euwest1b" is not an AZ name/,
      );
    });

    test("ids that are tokens (another resource's attributes) are not checked at synth", () => {
      const vpcId = Token.asString(Lazy.stringValue({ produce: () => "vpc-from-elsewhere" }));
      const subnets = TWO_SUBNETS.map((s) => ({
        ...s,
        id: Token.asString(Lazy.stringValue({ produce: () => "x" })),
      }));
      expect(() => build({ vpcId, subnets })).not.toThrow();
    });

    test("allowNfsFrom refuses a security group of another VPC, known at synth", () => {
      // GIVEN a group created in the same app, in a different VPC
      const attempt = () =>
        build({}, (fs) => {
          fs.allowNfsFrom(new SecurityGroup(fs.node.scope!, "elsewhere", { vpcId: "vpc-22222222" }));
        });
      // WHEN / THEN
      expect(attempt).toThrow(
        'Invalid props for test/shared.allowNfsFrom:\n  - source: security group test/elsewhere is in VPC "vpc-22222222", but the mount targets are in "vpc-11111111"',
      );
    });

    test("allowNfsFrom takes a group whose VPC is a token, or a literal group id", () => {
      const { json } = build({}, (fs) => {
        const vpcId = Token.asString(Lazy.stringValue({ produce: () => "vpc-22222222" }));
        fs.allowNfsFrom(new SecurityGroup(fs.node.scope!, "later", { vpcId }));
        fs.allowNfsFrom("sg-0123456789abcdef0");
      });
      expect(configsOf(json, "aws_vpc_security_group_ingress_rule")).toHaveLength(3);
    });

    test("allowNfsFrom refuses a malformed group id", () => {
      expect(() => build({}, (fs) => fs.allowNfsFrom("sg-12345"))).toThrow(
        /source: "sg-12345" is not a security-group id such as "sg-0123456789abcdef0"/,
      );
    });
  });

  describe("file-system policy", () => {
    test("denies any request without TLS", () => {
      const { json } = build();
      const deny = policyOf(json).Statement.find((s: { Effect: string }) => s.Effect === "Deny");
      expect(deny).toMatchObject({
        Principal: { AWS: "*" },
        Action: "*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
    });

    test("allows no anonymous access by default", () => {
      const { json } = build();
      const allows = policyOf(json).Statement.filter((s: { Effect: string }) => s.Effect === "Allow");
      expect(allows).toEqual([]);
    });

    test("allows anonymous read-only mounts through a mount target when asked", () => {
      const { json } = build({ allowAnonymousAccess: true });
      const allow = policyOf(json).Statement.find((s: { Effect: string }) => s.Effect === "Allow");
      expect(allow.Principal).toEqual({ AWS: "*" });
      expect(allow.Action).toEqual(["elasticfilesystem:ClientMount"]);
    });

    test("grantReadWrite always includes ClientMount, so granted clients can mount", () => {
      const { json } = build({}, (fs) => fs.grantReadWrite(roleIn(fs, "client-role")));
      const grant = policyOf(json).Statement.find((s: { Effect: string }) => s.Effect === "Allow");
      expect(grant.Action).toEqual(["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
      expect(grant.Principal.AWS).toMatch(/aws_iam_role\.client-role\.arn/);
      expect(grant.Condition).toEqual({ Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } });
    });

    test("grantRootAccess adds ClientRootAccess and an identity policy scoped to this file system", () => {
      const { json } = build({}, (fs) => fs.grantRootAccess(roleIn(fs, "admin-role")));
      const grant = policyOf(json).Statement.find((s: { Effect: string }) => s.Effect === "Allow");
      expect(grant.Action).toContain("elasticfilesystem:ClientMount");
      expect(grant.Action).toContain("elasticfilesystem:ClientRootAccess");
      const identityPolicy = parsePolicy(onlyResource(json, "aws_iam_role_policy").policy);
      expect(identityPolicy.Statement).toHaveLength(1);
      expect(identityPolicy.Statement[0].Resource).toMatch(/^\$\{aws_efs_file_system\.[^.]+\.arn\}$/);
    });
  });

  describe("access points, backup and replication", () => {
    test("creates typed access points", () => {
      const { json } = build({
        accessPoints: {
          media: {
            path: "/media",
            posixUser: { uid: 1000, gid: 1000 },
            creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "0750" },
          },
        },
      });
      expect(onlyResource(json, "aws_efs_access_point")).toMatchObject({
        posix_user: { uid: 1000, gid: 1000 },
        root_directory: {
          path: "/media",
          creation_info: { owner_uid: 1000, owner_gid: 1000, permissions: "0750" },
        },
      });
    });

    test("writes the automatic-backup policy off by default and on when asked", () => {
      expect(onlyResource(build().json, "aws_efs_backup_policy").backup_policy).toEqual({
        status: "DISABLED",
      });
      expect(
        onlyResource(build({ automaticBackups: true }).json, "aws_efs_backup_policy").backup_policy,
      ).toEqual({
        status: "ENABLED",
      });
    });

    test("replicates to another Region when asked", () => {
      const { json } = build({ replication: { region: "eu-central-1" } });
      expect(onlyResource(json, "aws_efs_replication_configuration").destination).toEqual({
        region: "eu-central-1",
      });
      expect(configsOf(build().json, "aws_efs_replication_configuration")).toHaveLength(0);
    });
  });

  describe("validation", () => {
    test.each<[string, Partial<SharedFileSystemProps>, RegExp]>([
      [
        "provisioned without MiB/s",
        { throughputMode: ThroughputMode.PROVISIONED },
        /provisionedThroughputMibps: is required when throughputMode is "provisioned"; give 1 to 3414 MiB\/s/,
      ],
      [
        "provisioned MiB/s out of range",
        { throughputMode: ThroughputMode.PROVISIONED, provisionedThroughputMibps: 5000 },
        /provisionedThroughputMibps: 5000 is out of range; allowed 1 to 3414 MiB\/s/,
      ],
      [
        "MiB/s without provisioned",
        { provisionedThroughputMibps: 10 },
        /provisionedThroughputMibps: 10 is set but throughputMode is "elastic"/,
      ],
      [
        "elastic with maxIO",
        { performanceMode: PerformanceMode.MAX_IO },
        /throughputMode: "elastic" cannot be combined with performanceMode "maxIO"/,
      ],
      [
        "Archive without elastic",
        {
          throughputMode: ThroughputMode.BURSTING,
          lifecycle: { transitionToArchive: LifecycleTransition.AFTER_90_DAYS },
        },
        /lifecycle.transitionToArchive: Archive needs throughputMode "elastic" and performanceMode "generalPurpose"; got "bursting"/,
      ],
      [
        "Archive not later than IA",
        {
          lifecycle: {
            transitionToIa: LifecycleTransition.AFTER_90_DAYS,
            transitionToArchive: LifecycleTransition.AFTER_30_DAYS,
          },
        },
        /lifecycle.transitionToArchive: "AFTER_30_DAYS" must come later than transitionToIa "AFTER_90_DAYS"/,
      ],
      [
        "an unknown lifecycle value",
        { lifecycle: { transitionToIa: "AFTER_2_DAYS" as LifecycleTransition } },
        /lifecycle.transitionToIa: "AFTER_2_DAYS" is not allowed; use one of AFTER_1_DAY, AFTER_7_DAYS/,
      ],
      [
        "an unknown performance mode",
        { performanceMode: "turbo" as PerformanceMode },
        /performanceMode: "turbo" is not allowed; use one of \["generalPurpose","maxIO"\]/,
      ],
      [
        "an unknown throughput mode",
        { throughputMode: "fast" as ThroughputMode },
        /throughputMode: "fast" is not allowed; use one of \["elastic","provisioned","bursting"\]/,
      ],
      [
        "One Zone with two subnets",
        { oneZoneAvailabilityZone: "eu-west-1a" },
        /subnets: a One Zone file system in "eu-west-1a" needs exactly one subnet in that AZ, got AZs \["eu-west-1a","eu-west-1b"\]/,
      ],
      [
        "One Zone with a subnet in another AZ",
        { oneZoneAvailabilityZone: "eu-west-1a", subnets: [TWO_SUBNETS[1]] },
        /subnets: a One Zone file system in "eu-west-1a" needs exactly one subnet in that AZ, got AZs \["eu-west-1b"\]/,
      ],
      [
        "One Zone with maxIO",
        {
          oneZoneAvailabilityZone: "eu-west-1a",
          subnets: [TWO_SUBNETS[0]],
          performanceMode: PerformanceMode.MAX_IO,
          throughputMode: ThroughputMode.BURSTING,
        },
        /performanceMode: "maxIO" is not available for One Zone file systems/,
      ],
      [
        "a regional file system in one AZ",
        { subnets: [TWO_SUBNETS[0]] },
        /subnets: a regional file system needs mount targets in at least 2 distinct AZs, got \["eu-west-1a"\]/,
      ],
      [
        "two subnets in one AZ",
        { subnets: [TWO_SUBNETS[0], { id: "subnet-0000000c", availabilityZone: "eu-west-1a" }] },
        /subnets: has more than one subnet in \["eu-west-1a"\]; EFS allows one mount target per AZ/,
      ],
      [
        "both a KMS key ARN and createKmsKey",
        { createKmsKey: true, kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/abc" },
        /kmsKeyArn: is set together with createKmsKey; choose one/,
      ],
      ["a malformed KMS key ARN", { kmsKeyArn: "my-key" }, /kmsKeyArn: "my-key" is not a KMS key ARN/],
      [
        "an access point at the root",
        { accessPoints: { all: { path: "/" } } },
        /accessPoints.all.path: "\/" must be an absolute directory other than "\/"/,
      ],
      [
        "an access point with bad ids and mode",
        {
          accessPoints: {
            web: {
              path: "/web",
              posixUser: { uid: -1, gid: 1.5 },
              creationInfo: { ownerUid: 0, ownerGid: 0, permissions: "999" },
            },
          },
        },
        /accessPoints.web.posixUser.uid: -1 is not a POSIX id[\s\S]*posixUser.gid: 1.5[\s\S]*creationInfo.permissions: "999" is not an octal mode/,
      ],
      [
        "a malformed replication Region",
        { replication: { region: "Frankfurt" } },
        /replication.region: "Frankfurt" is not a Region name/,
      ],
    ])("rejects %s", (_, props, message) => {
      expect(() => build(props)).toThrow(message);
    });

    test("names the construct and lists every problem at once", () => {
      expect(() =>
        build({ performanceMode: PerformanceMode.MAX_IO, subnets: [TWO_SUBNETS[0]], kmsKeyArn: "nope" }),
      ).toThrow(
        /Invalid props for test\/shared:\n {2}- throughputMode: [^\n]+\n {2}- subnets: [^\n]+\n {2}- kmsKeyArn: /,
      );
    });

    test("skips values that are unresolved tokens", () => {
      const mibps = Token.asNumber("${var.throughput}");
      expect(() =>
        build({ throughputMode: ThroughputMode.PROVISIONED, provisionedThroughputMibps: mibps }),
      ).not.toThrow();
      // A key ARN known only at apply time (e.g. another stack's output) is not format-checked.
      const kmsKeyArn = Lazy.stringValue({ produce: () => "arn-from-elsewhere" });
      expect(() => build({ kmsKeyArn })).not.toThrow();
    });
  });
});
