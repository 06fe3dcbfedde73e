import {
  BACKUP_RETENTION_DAYS_MAX,
  GP3_SIZE_GIB,
  KEEP_DAYS_MAX,
  KEEP_LAST_MAX,
} from "../../modules/backup/validate";
import { RUN_TIMEOUT_MINUTES, VAULT_LOCK_CHANGEABLE_MIN_DAYS } from "../../modules/backup/validate";
import { KEEP_RELEASES, SYNC_TIMEOUT_SECONDS } from "../../modules/clients/code-sync";
import { CLIENT_COUNT_MAX, MOUNT_TARGET_WAIT_SECONDS } from "../../modules/clients/validate";
import { PROVISIONED_THROUGHPUT_MIBPS } from "../../modules/efs/types";
import { SECONDARY_GIDS_MAX } from "../../modules/efs/validate";
import { ALARM_EMAILS_MAX, MAX_BURST_CREDIT_BALANCE_BYTES } from "../../modules/monitoring/validate";
import {
  MAX_TAGS_PER_RESOURCE,
  TAG_KEY_MAX_LENGTH,
  TAG_VALUE_MAX_LENGTH,
} from "../../modules/shared/patterns";
import { checkSchema } from "../../settings/load";
import { SETTINGS_LIMITS } from "../../settings/schema";
import { MINIMAL_SETTINGS } from "./fixtures";

// Every bound of the settings file at its edges (issue #23): the limit accepted, one past it refused.
// Schema only, in process: no stack is built.

/** The problems the settings schema finds, by the path each names. */
function problemsAt(input: object, path: string): string[] {
  return checkSchema(input).problems.filter(
    (p) => p.startsWith(`${path}:`) || p.startsWith(`${path}.`) || p.startsWith(`${path}[`),
  );
}

/** `MINIMAL_SETTINGS` with `value` at the dotted `path` (objects on the way are created). */
function withValue(path: string, value: unknown, base: object = MINIMAL_SETTINGS): object {
  const result = structuredClone(base) as Record<string, unknown>;
  const keys = path.split(".");
  let node = result;
  for (const key of keys.slice(0, -1)) {
    node[key] = { ...((node[key] as object | undefined) ?? {}) };
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
  return result;
}

const chars = (n: number, c = "a") => c.repeat(n);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
/** A Region with enough AZs for the most any Region has (us-east-1 has six: a to f). */
const ZONES = ["a", "b", "c", "d", "e", "f", "g"].map((letter) => `us-east-1${letter}`);
const inUsEast1 = (zones: number) => ({ region: "us-east-1", availabilityZones: ZONES.slice(0, zones) });
const subnetId = (prefix: string, i: number) => `subnet-0${prefix}${String(i).padStart(15, "0")}`;

interface Bound {
  readonly path: string;
  readonly min?: number;
  readonly max?: number;
  /** The settings with the bounded quantity at `n`. */
  readonly at: (n: number) => object;
}

const value = (path: string) => (n: number) => withValue(path, n);

const BOUNDS: readonly Bound[] = [
  {
    path: "availabilityZones",
    min: 2,
    max: SETTINGS_LIMITS.availabilityZones,
    at: (n) => inUsEast1(n),
  },
  {
    path: "network.publicSubnetCidrs",
    max: SETTINGS_LIMITS.availabilityZones,
    at: (n) =>
      withValue(
        "network.publicSubnetCidrs",
        range(n).map((i) => `10.0.${i}.0/24`),
        inUsEast1(6),
      ),
  },
  {
    path: "network.privateSubnetCidrs",
    max: SETTINGS_LIMITS.availabilityZones,
    at: (n) =>
      withValue(
        "network.privateSubnetCidrs",
        range(n).map((i) => `10.0.${128 + i}.0/24`),
        inUsEast1(6),
      ),
  },
  ...(["publicSubnets", "privateSubnets"] as const).map((list): Bound => ({
    path: `network.existing.${list}`,
    min: 2,
    max: SETTINGS_LIMITS.availabilityZones,
    at: (n) => {
      const zones = Math.min(Math.max(n, 2), 6);
      const oneEach = (prefix: string, count: number) =>
        range(count).map((i) => ({ id: subnetId(prefix, i), availabilityZone: ZONES[i % zones] }));
      return {
        ...inUsEast1(zones),
        network: {
          existing: {
            vpcId: "vpc-0123456789abcdef0",
            publicSubnets: oneEach("a", list === "publicSubnets" ? n : zones),
            privateSubnets: oneEach("b", list === "privateSubnets" ? n : zones),
          },
        },
      };
    },
  })),
  { path: "network.namePrefix", min: 1, max: 32, at: (n) => withValue("network.namePrefix", chars(n)) },
  { path: "fileSystem.name", min: 1, max: 32, at: (n) => withValue("fileSystem.name", chars(n)) },
  {
    path: "fileSystem.provisionedThroughputMibps",
    ...PROVISIONED_THROUGHPUT_MIBPS,
    at: (n) => withValue("fileSystem", { throughputMode: "provisioned", provisionedThroughputMibps: n }),
  },
  {
    path: "fileSystem.accessPoints",
    max: SETTINGS_LIMITS.accessPoints,
    at: (n) =>
      withValue(
        "fileSystem.accessPoints",
        Object.fromEntries(range(n).map((i) => [`ap${i}`, { path: `/ap${i}` }])),
      ),
  },
  {
    path: "fileSystem.accessPoints.app.posixUser.secondaryGids",
    max: SECONDARY_GIDS_MAX,
    at: (n) =>
      withValue("fileSystem.accessPoints.app", {
        path: "/app",
        posixUser: { uid: 1, gid: 1, secondaryGids: range(n) },
      }),
  },
  {
    path: "fileSystem.accessPoints.app.posixUser.uid",
    min: 0,
    max: 4294967295,
    at: (n) => withValue("fileSystem.accessPoints.app", { path: "/app", posixUser: { uid: n, gid: 1 } }),
  },
  {
    path: "monitoring.alarmEmails",
    max: ALARM_EMAILS_MAX,
    at: (n) =>
      withValue(
        "monitoring.alarmEmails",
        range(n).map((i) => `ops${i}@example.com`),
      ),
  },
  {
    path: "monitoring.burstCreditBalanceThresholdBytes",
    min: 1,
    max: MAX_BURST_CREDIT_BALANCE_BYTES,
    at: value("monitoring.burstCreditBalanceThresholdBytes"),
  },
  {
    path: "monitoring.percentIoLimitThreshold",
    min: 1,
    max: 100,
    at: value("monitoring.percentIoLimitThreshold"),
  },
  {
    path: "monitoring.throughputUtilizationThresholdPercent",
    min: 1,
    max: 100,
    at: value("monitoring.throughputUtilizationThresholdPercent"),
  },
  { path: "monitoring.namePrefix", max: 64, at: (n) => withValue("monitoring.namePrefix", chars(n)) },
  { path: "clients.count", min: 1, max: CLIENT_COUNT_MAX, at: value("clients.count") },
  {
    path: "clients.sshIngressCidrs",
    max: SETTINGS_LIMITS.sshIngressCidrs,
    at: (n) =>
      withValue(
        "clients.sshIngressCidrs",
        range(n).map((i) => `10.1.${i}.0/24`),
      ),
  },
  {
    path: "clients.mountTargetWaitSeconds",
    ...MOUNT_TARGET_WAIT_SECONDS,
    at: value("clients.mountTargetWaitSeconds"),
  },
  {
    path: "clients.targetGroupArns",
    max: SETTINGS_LIMITS.targetGroupArns,
    at: (n) =>
      withValue(
        "clients.targetGroupArns",
        range(n).map(
          (i) => `arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web${i}/0123456789abcdef`,
        ),
      ),
  },
  {
    path: "clients.codeSync.timeoutSeconds",
    ...SYNC_TIMEOUT_SECONDS,
    at: (n) => withValue("clients.codeSync", { bucketName: "example-code", timeoutSeconds: n }),
  },
  {
    path: "clients.codeSync.keepReleases",
    ...KEEP_RELEASES,
    at: (n) => withValue("clients.codeSync", { bucketName: "example-code", keepReleases: n }),
  },
  {
    path: "clients.codeSync.bucketName",
    min: 3,
    max: 63,
    at: (n) => withValue("clients.codeSync", { bucketName: chars(n) }),
  },
  {
    path: "backup.ebsSnapshots.volumeSizeGiB",
    ...GP3_SIZE_GIB,
    at: value("backup.ebsSnapshots.volumeSizeGiB"),
  },
  {
    path: "backup.ebsSnapshots.keepLast",
    min: 1,
    max: KEEP_LAST_MAX,
    at: value("backup.ebsSnapshots.keepLast"),
  },
  {
    path: "backup.ebsSnapshots.keepDays",
    min: 1,
    max: KEEP_DAYS_MAX,
    at: value("backup.ebsSnapshots.keepDays"),
  },
  {
    path: "backup.ebsSnapshots.timeoutMinutes",
    ...RUN_TIMEOUT_MINUTES,
    at: value("backup.ebsSnapshots.timeoutMinutes"),
  },
  {
    path: "backup.ebsSnapshots.volumeUsedAlarmPercent",
    min: 1,
    max: 100,
    at: value("backup.ebsSnapshots.volumeUsedAlarmPercent"),
  },
  ...[
    "deleteAfterDays",
    "coldStorageAfterDays",
    "vaultLock.minRetentionDays",
    "vaultLock.maxRetentionDays",
  ].map((field): Bound => ({
    path: `backup.awsBackup.${field}`,
    min: 1,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: value(`backup.awsBackup.${field}`),
  })),
  {
    path: "backup.awsBackup.vaultLock.changeableForDays",
    min: VAULT_LOCK_CHANGEABLE_MIN_DAYS,
    max: BACKUP_RETENTION_DAYS_MAX,
    at: value("backup.awsBackup.vaultLock.changeableForDays"),
  },
  {
    path: "state.noncurrentVersionExpirationDays",
    min: 1,
    max: 3650,
    at: value("state.noncurrentVersionExpirationDays"),
  },
  { path: "state.bucket", min: 3, max: 63, at: (n) => withValue("state.bucket", chars(n)) },
  { path: "state.dynamodbTable", min: 3, max: 255, at: (n) => withValue("state.dynamodbTable", chars(n)) },
  { path: "$schema", max: 2048, at: (n) => withValue("$schema", chars(n)) },
  { path: "tags", max: MAX_TAGS_PER_RESOURCE - 4, at: (n) => withValue("tags", tagsOf("t", n)) },
  { path: "tags.k", max: TAG_VALUE_MAX_LENGTH, at: (n) => withValue("tags", { k: chars(n) }) },
];

/** `n` distinct tags `<prefix>0` .. `<prefix>{n-1}`. */
function tagsOf(prefix: string, n: number): Record<string, string> {
  return Object.fromEntries(range(n).map((i) => [`${prefix}${i}`, "v"]));
}

describe.each(BOUNDS.map((bound) => [bound.path, bound] as const))("%s", (path, { min, max, at }) => {
  if (max !== undefined) {
    test(`the maximum, ${max}, is accepted and one more refused`, () => {
      expect(problemsAt(at(max), path)).toEqual([]);
      expect(problemsAt(at(max + 1), path)).not.toEqual([]);
    });
  }
  if (min !== undefined) {
    test(`the minimum, ${min}, is accepted and one less refused`, () => {
      expect(problemsAt(at(min), path)).toEqual([]);
      expect(problemsAt(at(min - 1), path)).not.toEqual([]);
    });
  }
});

test(`a tag key of ${TAG_KEY_MAX_LENGTH} characters is accepted, one more refused`, () => {
  const key = chars(TAG_KEY_MAX_LENGTH);
  expect(problemsAt(withValue("tags", { [key]: "v" }), "tags")).toEqual([]);
  expect(problemsAt(withValue("tags", { [`${key}a`]: "v" }), "tags")).toEqual([
    expect.stringMatching(/: key must have 1 to 128 characters/),
  ]);
});

describe("the 50-tag limit counts each key a resource ends up with once", () => {
  // The stacks add Project, Stack, ManagedBy and Name; a section's tags come on top of the top-level ones.
  const TOP = tagsOf("t", MAX_TAGS_PER_RESOURCE - 4);
  const overriding = (n: number) =>
    Object.fromEntries(
      Object.keys(TOP)
        .slice(0, n)
        .map((key) => [key, "section"]),
    );

  test.each(["fileSystem", "monitoring"])(
    "%s.tags that override top-level keys add nothing to the count",
    (section) => {
      const full = { ...MINIMAL_SETTINGS, tags: TOP };
      expect(problemsAt({ ...full, [section]: { tags: overriding(10) } }, `${section}.tags`)).toEqual([]);
      expect(
        problemsAt({ ...full, [section]: { tags: { Name: "mine", Stack: "mine" } } }, `${section}.tags`),
      ).toEqual([]);
      expect(
        problemsAt({ ...full, [section]: { tags: { ...overriding(10), extra: "1" } } }, `${section}.tags`),
      ).toEqual([expect.stringMatching(/^[a-zA-Z]+\.tags: has 51 tags/)]);
    },
  );

  test("top-level tags that override the stacks' own keys add nothing to the count", () => {
    // (`Project` is the ownership tag and refused outright; `ManagedBy` is one of the stacks' keys.)
    const withProject = { ManagedBy: "mine", ...tagsOf("t", MAX_TAGS_PER_RESOURCE - 4) };
    expect(problemsAt(withValue("tags", withProject), "tags")).toEqual([]);
    expect(problemsAt(withValue("tags", { ...withProject, extra: "1" }), "tags")).toEqual([
      expect.stringMatching(/^tags: has 51 tags/),
    ]);
  });
});
