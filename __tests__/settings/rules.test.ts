import { Testing } from "cdktf";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateClientsProps } from "../../modules/clients/validate";
import { validateFileSystemProps } from "../../modules/efs/validate";
import type { EfsMonitoringProps } from "../../modules/monitoring";
import { validateMonitoringProps } from "../../modules/monitoring/validate";
import type { EfsClientsProps } from "../../modules/clients";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { SettingsError } from "../../settings/errors";
import { scanJsonText } from "../../settings/json-text";
import { checkSchema, loadSettings, readSettingsSource, SettingsSource } from "../../settings/load";
import { buildFromSettings, StackBuilder } from "../../settings/module-errors";
import { toStackProps } from "../../settings/stack-props";
import { EXISTING_NETWORK, MINIMAL_SETTINGS } from "./fixtures";

// Each rule added for issue #15 (part 3) and the existing-VPC settings (issue #11), with its exact
// message. In-process: the loader and the stack builders that main.ts uses, without a child process.

const PROJECT_STACKS: readonly StackBuilder[] = [
  (app, settings) => new EfsStack(app, "efs", toStackProps(settings)),
  (app, settings) => new EfsWithBackupStack(app, "efs-with-backup", toStackProps(settings)),
];

const BASE = MINIMAL_SETTINGS;

function sourceOf(text: string): SettingsSource {
  const file = join(mkdtempSync(join(tmpdir(), "efs-rules-")), "settings.json");
  writeFileSync(file, text);
  return readSettingsSource(file);
}

/** The problems the text and schema checks find in a file with `text` as its content (no stack is built). */
function problemsOfText(text: string): readonly string[] {
  const { input, textProblems } = sourceOf(text);
  return checkSchema(input, textProblems).problems;
}

/** The problems the schema finds in `input` (no stack is built). */
function problemsOf(input: object): readonly string[] {
  return problemsOfText(JSON.stringify(input));
}

/** Every problem main.ts reports for `input`: schema, then the modules of every section. */
function allProblemsOf(input: object): readonly string[] {
  try {
    buildFromSettings(sourceOf(JSON.stringify(input)), Testing.app(), PROJECT_STACKS);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected the settings to be rejected");
}

describe("the file's text", () => {
  test("a duplicate key anywhere is named with its path and both lines", () => {
    const text = `{
      "region": "eu-west-1",
      "availabilityZones": ["eu-west-1a", "eu-west-1b"],
      "fileSystem": { "createKmsKey": true },
      "fileSystem": { "name": "home", "name": "home2" }
    }`;
    expect(problemsOfText(text)).toEqual([
      "fileSystem: is given twice (lines 4 and 5); JSON keeps only the last one and silently drops the other: merge them into one",
      "fileSystem.name: is given twice (lines 5 and 5); JSON keeps only the last one and silently drops the other: merge them into one",
    ]);
  });

  test.each(["__proto__", "constructor", "prototype"])(
    "the key %p is refused in tags and access points",
    (key) => {
      const text = `{
      "region": "eu-west-1",
      "availabilityZones": ["eu-west-1a", "eu-west-1b"],
      "tags": { "${key}": "x" },
      "fileSystem": { "accessPoints": { "${key}": { "path": "/home" } } }
    }`;
      const reason =
        'is a reserved key name: "__proto__", "constructor" and "prototype" are refused anywhere, because JavaScript gives them a meaning of their own and their values can be lost silently';
      expect(problemsOfText(text)).toEqual([
        `tags.${key}: ${reason}`,
        `fileSystem.accessPoints.${key}: ${reason}`,
      ]);
    },
  );

  test("a number too large for a double is refused in our words, with the number as written", () => {
    const text = `{"region": "eu-west-1", "availabilityZones": ["eu-west-1a", "eu-west-1b"],
      "fileSystem": {"throughputMode": "provisioned", "provisionedThroughputMibps": 1e999},
      "monitoring": {"percentIoLimitThreshold": -2.5E+400}}`;
    expect(problemsOfText(text)).toEqual([
      "fileSystem.provisionedThroughputMibps: must be a finite number (got 1e999)",
      "monitoring.percentIoLimitThreshold: must be a finite number (got -2.5E+400)",
    ]);
  });

  test("the scanner tracks array indexes and ignores keys inside strings", () => {
    const text = '[{"a": 1, "b": "\\"a\\": 2"}, {"a": [1, {"x": 1, "x": 2}]}]';
    expect(scanJsonText(text)).toEqual([
      { path: [1, "a", 1, "x"], message: expect.stringContaining("twice"), replacesSchemaIssues: false },
    ]);
  });

  test("loadSettings reports text problems too", () => {
    const file = join(mkdtempSync(join(tmpdir(), "efs-rules-")), "settings.json");
    writeFileSync(
      file,
      '{"region": "eu-west-1", "region": "eu-west-1", "availabilityZones": ["eu-west-1a", "eu-west-1b"]}',
    );
    expect(() => loadSettings(file)).toThrow("region: is given twice (lines 1 and 1)");
  });
});

describe("messages", () => {
  test("a long value is shortened to its start and its length", () => {
    const name = "a".repeat(20000);
    const [problem] = problemsOf({ ...BASE, fileSystem: { name } });
    expect(problem).toBe(
      `fileSystem.name: must be 1 to 32 lower-case letters, digits and dashes, starting with a letter (got "${"a".repeat(60)}…" (20000 characters))`,
    );
  });

  test("bounds are said in our words, never zod's", () => {
    const problems = problemsOf({
      ...BASE,
      backup: { ebsSnapshots: { volumeSizeGiB: 0, keepLast: 10001, intervalMinutes: 7 } },
      fileSystem: { accessPoints: { home: { path: "/home", posixUser: { uid: -1, gid: 1.5 } } } },
    });
    expect(problems).toEqual([
      "fileSystem.accessPoints.home.posixUser.uid: must be an integer from 0 to 4294967295 (a POSIX id) (got -1)",
      "fileSystem.accessPoints.home.posixUser.gid: must be an integer from 0 to 4294967295 (a POSIX id) (got 1.5)",
      "backup.ebsSnapshots.volumeSizeGiB: must be an integer from 1 to 16384 GiB (got 0)",
      "backup.ebsSnapshots.intervalMinutes: must be one of 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440 (minutes that divide an hour or a day evenly) (got 7)",
      "backup.ebsSnapshots.keepLast: must be an integer from 1 to 10000 snapshots (got 10001)",
    ]);
    expect(problems.join("\n")).not.toMatch(/Too (small|big)|expected/);
  });

  test("one line per wrong type, in JSON's words", () => {
    expect(problemsOf({ ...BASE, availabilityZones: "eu-west-1a", tags: [] })).toEqual([
      'availabilityZones: must be an array, not a string (got "eu-west-1a")',
      "tags: must be an object, not an array (got [])",
    ]);
  });

  test("a VPC too small for the default subnets blames vpcCidr and says what fits", () => {
    const zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
    expect(problemsOf({ ...BASE, availabilityZones: zones, network: { vpcCidr: "10.0.0.0/26" } })).toEqual([
      'network.vpcCidr: is too small for 3 AZs: without network.publicSubnetCidrs and network.privateSubnetCidrs, each half of the VPC needs 3 subnets of at least /28 (one per AZ), and a /26 holds 2; use a /21 or larger (subnets of /24), or give the subnet CIDRs yourself (got "10.0.0.0/26")',
    ]);
    expect(problemsOf({ ...BASE, network: { vpcCidr: "10.0.0.0/28" } })).toEqual([
      'network.vpcCidr: is too small for 2 AZs: without network.publicSubnetCidrs and network.privateSubnetCidrs, each half of the VPC needs 2 subnets of at least /28 (one per AZ), and a /28 holds 0; use a /26 or larger (subnets of /28), or give the subnet CIDRs yourself (got "10.0.0.0/28")',
    ]);
  });

  test("module rules still run for the sections that parsed when region and AZs are broken", () => {
    const problems = allProblemsOf({
      region: "eu-west",
      availabilityZones: ["eu-west-1a"],
      fileSystem: { performanceMode: "maxIO" },
    });
    expect(problems).toEqual([
      'region: must be an AWS Region name such as "eu-west-1" (got "eu-west")',
      'availabilityZones: needs at least 2 AZs: a regional file system has mount targets in 2 or more (got ["eu-west-1a"])',
      'fileSystem.throughputMode: "elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned" (default "elastic")',
    ]);
  });
});

describe("KMS keys", () => {
  test("each key must be in the Region of what it encrypts", () => {
    const key = (region: string) =>
      `arn:aws:kms:${region}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const problems = allProblemsOf({
      ...BASE,
      fileSystem: {
        kmsKeyArn: key("us-east-1"),
        replication: { region: "eu-central-1", kmsKeyArn: key("eu-west-1") },
      },
      backup: { ebsSnapshots: { kmsKeyArn: key("eu-north-1") }, awsBackup: { kmsKeyArn: key("eu-south-1") } },
      state: { region: "us-west-2", kmsKeyArn: key("eu-west-1") },
    });
    expect(problems).toEqual([
      `fileSystem.kmsKeyArn: is a key in "us-east-1", but the file system is in "eu-west-1"; a KMS key works only in its own Region (got "${key("us-east-1")}")`,
      `backup.ebsSnapshots.kmsKeyArn: is a key in "eu-north-1", but the backup volume is in "eu-west-1"; a KMS key works only in its own Region (got "${key("eu-north-1")}")`,
      `backup.awsBackup.kmsKeyArn: is a key in "eu-south-1", but the backup vault is in "eu-west-1"; a KMS key works only in its own Region (got "${key("eu-south-1")}")`,
      `state.kmsKeyArn: is a key in "eu-west-1", but the state bucket is in "us-west-2"; a KMS key works only in its own Region (got "${key("eu-west-1")}")`,
      `fileSystem.replication.kmsKeyArn: "${key("eu-west-1")}" is a key in "eu-west-1", but the replica is in "eu-central-1"; a KMS key works only in its own Region (got "${key("eu-west-1")}")`,
    ]);
  });

  test("a key ARN with a trailing space is refused", () => {
    expect(
      problemsOf({ ...BASE, fileSystem: { kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:key/abc " } }),
    ).toEqual([
      'fileSystem.kmsKeyArn: must not start or end with white space: KMS would look for a key of that name and find none (got "arn:aws:kms:eu-west-1:111122223333:key/abc ")',
    ]);
  });

  test("an alias ARN as the file system's key is refused; EFS would store the key ARN", () => {
    const alias = "arn:aws:kms:eu-west-1:111122223333:alias/efs";
    expect(allProblemsOf({ ...BASE, fileSystem: { kmsKeyArn: alias } })).toEqual([
      `fileSystem.kmsKeyArn: "${alias}" is an alias ARN; EFS stores the key ARN it points to, so every later plan would replace the file system. Give the key ARN ("arn:aws:kms:<region>:<account>:key/<key id>") (got "${alias}")`,
    ]);
  });
});

test("a replica AZ outside the replica's Region is refused", () => {
  expect(
    allProblemsOf({
      ...BASE,
      fileSystem: { replication: { region: "eu-central-1", availabilityZone: "eu-west-1a" } },
    }),
  ).toEqual([
    'fileSystem.replication.availabilityZone: "eu-west-1a" is not in the replica\'s Region "eu-central-1"; use an AZ such as "eu-central-1a" (got "eu-west-1a")',
  ]);
});

describe("tags", () => {
  test("characters, the aws: prefix and lengths EFS refuses", () => {
    const problems = problemsOf({
      ...BASE,
      tags: { "cost#center": "1", "AWS:team": "x", Owner: "me & you" },
      fileSystem: { tags: { ["k".repeat(129)]: "v", Note: "n".repeat(257) } },
    });
    expect(problems).toEqual([
      'tags["cost#center"]: key "cost#center" has characters AWS refuses in tags; use letters, digits, spaces and _ . : / = + - @ (got "1")',
      'tags["AWS:team"]: key "AWS:team" starts with "aws:", which AWS reserves for itself (got "x")',
      'tags.Owner: value "me & you" has characters AWS refuses in tags; use letters, digits, spaces and _ . : / = + - @ (got "me & you")',
      `fileSystem.tags.${"k".repeat(129)}: key must have 1 to 128 characters (got "v")`,
      `fileSystem.tags.Note: value must have at most 256 characters (got "${"n".repeat(60)}…" (257 characters))`,
    ]);
  });

  test("more than 50 tags on a resource, counting the ones the stacks add", () => {
    const many = (prefix: string, count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, "x"]));
    expect(problemsOf({ ...BASE, tags: many("t", 47) })).toEqual([
      `tags: has 51 tags (with 4 the stack adds); AWS allows at most 50 per resource (got ${JSON.stringify(many("t", 47)).slice(0, 60)}… (${JSON.stringify(many("t", 47)).length} characters))`,
    ]);
    expect(problemsOf({ ...BASE, tags: many("t", 40), fileSystem: { tags: many("f", 7) } })).toEqual([
      `fileSystem.tags: has 51 tags (with 44 the stack adds); AWS allows at most 50 per resource (got ${JSON.stringify(many("f", 7))})`,
    ]);
  });
});

describe("access points", () => {
  test("paths EFS refuses: characters, depth, length, hidden directories", () => {
    const problems = allProblemsOf({
      ...BASE,
      fileSystem: {
        accessPoints: {
          dollar: { path: "/home/$USER" },
          deep: { path: "/a/b/c/d/e" },
          long: { path: `/${"x".repeat(100)}` },
          hidden: { path: "/home/.cache" },
        },
      },
    });
    expect(problems).toEqual([
      'fileSystem.accessPoints.dollar.path: "/home/$USER" contains "$"; EFS refuses $ # < > ; ` | & ? { } ^ * and newlines in a path (got "/home/$USER")',
      'fileSystem.accessPoints.deep.path: "/a/b/c/d/e" is 5 directories deep; EFS allows at most 4 (e.g. "/a/b/c/d") (got "/a/b/c/d/e")',
      `fileSystem.accessPoints.long.path: "/${"x".repeat(59)}…" (101 characters) has 101 characters; EFS allows at most 100 (got "/${"x".repeat(59)}…" (101 characters))`,
      'fileSystem.accessPoints.hidden.path: "/home/.cache" has a directory starting with "."; EFS refuses hidden directories in an access-point path (got "/home/.cache")',
    ]);
  });

  test("more than 16 secondary group ids", () => {
    const secondaryGids = Array.from({ length: 17 }, (_, i) => 1000 + i);
    expect(
      problemsOf({
        ...BASE,
        fileSystem: {
          accessPoints: { home: { path: "/home", posixUser: { uid: 1, gid: 1, secondaryGids } } },
        },
      }),
    ).toEqual([
      "fileSystem.accessPoints.home.posixUser.secondaryGids: must list at most 16 group ids (got [1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015,1016])",
    ]);
  });

  test("the efs module itself refuses more than 16 secondary group ids, for library users", () => {
    const secondaryGids = Array.from({ length: 17 }, (_, i) => i);
    expect(() =>
      validateFileSystemProps("stack/fs", {
        vpcId: "vpc-0123456789abcdef0",
        subnets: [
          { id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: "eu-west-1a" },
          { id: "subnet-0bbbbbbbbbbbbbbbb", availabilityZone: "eu-west-1b" },
        ],
        accessPoints: { home: { path: "/home", posixUser: { uid: 1, gid: 1, secondaryGids } } },
      }),
    ).toThrow("accessPoints.home.posixUser.secondaryGids: has 17 group ids; EFS allows at most 16");
  });
});

test('clients.mountMethod "nfs" is refused with the reason', () => {
  expect(problemsOf({ ...BASE, clients: { mountMethod: "nfs" } })).toEqual([
    'clients.mountMethod: cannot be "nfs" here: plain NFS has no TLS, and the file system\'s policy denies every request without TLS, so every mount would fail; use "efs-utils" (TLS + IAM) (got "nfs")',
  ]);
});

describe("upper bounds", () => {
  test.each([
    [
      { availabilityZones: ["a", "b", "c", "d", "e", "f", "g"].map((l) => `eu-west-1${l}`) },
      "availabilityZones: must list at most 6 AZs, the most any Region has",
    ],
    [
      { monitoring: { alarmEmails: Array.from({ length: 21 }, (_, i) => `a${i}@example.com`) } },
      "monitoring.alarmEmails: must list at most 20 addresses (subscribe a mailing list for more)",
    ],
    [
      { clients: { sshIngressCidrs: Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`) } },
      "clients.sshIngressCidrs: must list at most 50 CIDRs",
    ],
    [
      { clients: { mountTargetWaitSeconds: 86400 } },
      "clients.mountTargetWaitSeconds: must be an integer from 10 to 3600 seconds",
    ],
    [
      { backup: { ebsSnapshots: { keepDays: 3651 } } },
      "backup.ebsSnapshots.keepDays: must be an integer from 1 to 3650 days",
    ],
    [
      { state: { breakGlassRoleArn: "arn:aws:iam::111122223333:user/alice" } },
      'state.breakGlassRoleArn: must be an IAM role ARN such as "arn:aws:iam::111122223333:role/state-break-glass"',
    ],
    [
      { state: { breakGlassRoleArn: "arn:aws-cn:iam::111122223333:role/state-break-glass" } },
      'state.breakGlassRoleArn: is in partition "aws-cn", but region "eu-west-1" is in "aws"; use "arn:aws:iam::<account>:role/<name>"',
    ],
    [
      { backup: { ebsSnapshots: { maxDeletePercent: 0 } } },
      "backup.ebsSnapshots.maxDeletePercent: must be an integer from 1 to 100 percent",
    ],
    [
      { backup: { ebsSnapshots: { maxDeletePercent: 100.5 } } },
      "backup.ebsSnapshots.maxDeletePercent: must be an integer from 1 to 100 percent",
    ],
    [
      { backup: { awsBackup: { deleteAfterDays: 36501 } } },
      "backup.awsBackup.deleteAfterDays: must be an integer from 1 to 36500 days",
    ],
    [
      {
        fileSystem: {
          accessPoints: Object.fromEntries(
            Array.from({ length: 101 }, (_, i) => [`ap${i}`, { path: "/home" }]),
          ),
        },
      },
      "fileSystem.accessPoints: must hold at most 100 access points",
    ],
  ])("%#: %s", (change, message) => {
    const [problem] = problemsOf({ ...BASE, ...change });
    expect(problem.startsWith(`${message} (got `)).toBe(true);
  });
});

describe("the modules' own bounds, for library users", () => {
  test("at most 20 alarm e-mail addresses", () => {
    const alarmEmails = Array.from({ length: 21 }, (_, i) => `ops${i}@example.com`);
    const props = { region: "eu-west-1", alarmEmails } as unknown as EfsMonitoringProps;
    expect(() => validateMonitoringProps("stack/monitoring", props)).toThrow(
      "alarmEmails: has 21 addresses; at most 20: subscribe a mailing list instead",
    );
  });

  test("at most 100 clients", () => {
    const props = {
      count: 101,
      subnets: [{ id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: "eu-west-1a" }],
      fileSystem: {},
    } as unknown as EfsClientsProps;
    const mount = {
      fileSystemId: "fs-1",
      dnsName: "fs-1.efs.eu-west-1.amazonaws.com",
      mountPath: "/home",
      mountMethod: "efs-utils",
      readOnly: false,
      seedFromLocal: true,
      waitSeconds: 300,
    };
    expect(() => validateClientsProps("stack/clients", props, mount)).toThrow(
      "count: 101 is not allowed; use an integer from 1 to 100",
    );
  });
});

describe("network.existing", () => {
  const existing = EXISTING_NETWORK;

  test("ids, AZs, one subnet per AZ, and no settings for a VPC we would create", () => {
    const problems = problemsOf({
      ...BASE,
      network: {
        vpcCidr: "10.0.0.0/16",
        flowLogs: { enabled: false },
        existing: {
          vpcId: "vpc-123",
          publicSubnets: [
            { id: "subnet-0aaaaaaaaaaaaaaa1", availabilityZone: "eu-west-1a" },
            { id: "subnet-0aaaaaaaaaaaaaaa1", availabilityZone: "eu-west-1a" },
          ],
          privateSubnets: [
            { id: "sn-1", availabilityZone: "eu-west-1a" },
            { id: "subnet-0bbbbbbbbbbbbbbb2", availabilityZone: "eu-central-1b" },
          ],
        },
      },
    });
    expect(problems).toEqual([
      'network.existing.vpcId: must be a VPC id such as "vpc-0123456789abcdef0" (got "vpc-123")',
      'network.existing.privateSubnets[0].id: must be a subnet id such as "subnet-0123456789abcdef0" (got "sn-1")',
      'network.vpcCidr: cannot be combined with network.existing: it configures a VPC this app creates, and with network.existing it creates none (got "10.0.0.0/16")',
      'network.flowLogs: cannot be combined with network.existing: it configures a VPC this app creates, and with network.existing it creates none (got {"enabled":false})',
      'network.existing.publicSubnets[1].id: is also network.existing.publicSubnets[0]; give each subnet once (got "subnet-0aaaaaaaaaaaaaaa1")',
      'network.existing.publicSubnets[1].availabilityZone: already has a subnet (publicSubnets[0]); give one subnet per AZ (got "eu-west-1a")',
      'network.existing.publicSubnets: has no subnet in ["eu-west-1b"]; give one in each of availabilityZones (got [{"id":"subnet-0aaaaaaaaaaaaaaa1","availabilityZone":"eu-wes… (133 characters))',
      'network.existing.privateSubnets[1].availabilityZone: is not in region "eu-west-1" (got "eu-central-1b")',
      'network.existing.privateSubnets: has no subnet in ["eu-west-1b"]; give one in each of availabilityZones (got [{"id":"sn-1","availabilityZone":"eu-west-1a"},{"id":"subnet-0bbbbbbbbbbbbbbb2","availabilityZone":"eu-central-1b"}])',
    ]);
  });

  test("fewer than 2 subnets per tier", () => {
    expect(
      problemsOf({
        ...BASE,
        network: { existing: { ...existing, privateSubnets: [existing.privateSubnets[0]] } },
      }),
    ).toEqual([
      expect.stringMatching(/^network\.existing\.privateSubnets: must list 2 to 6 subnets \(got /),
      expect.stringMatching(/^network\.existing\.privateSubnets: has no subnet in \["eu-west-1b"\]/),
    ]);
  });
});
