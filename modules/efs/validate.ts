import { isKnown, show, ValidationErrors } from "../shared/validation";
import type { SharedFileSystemAttributes, SharedFileSystemProps } from "./index";
import {
  LIFECYCLE_TRANSITION_DAYS,
  LifecycleTransition,
  PerformanceMode,
  PROVISIONED_THROUGHPUT_MIBPS,
  ThroughputMode,
} from "./types";
import {
  AZ_NAME_PATTERN,
  isKmsAliasArn,
  KMS_KEY_ARN_PATTERN,
  NOT_A_KMS_KEY_ARN,
  NOT_A_SECURITY_GROUP_ID,
  NOT_A_VPC_ID,
  regionOfArnText,
  regionOfAz,
  REGION_PATTERN,
  SECURITY_GROUP_ID_PATTERN,
  VPC_ID_PATTERN,
} from "../shared/patterns";

const PERFORMANCE_MODES = Object.values(PerformanceMode) as string[];
const THROUGHPUT_MODES = Object.values(ThroughputMode) as string[];
const TRANSITIONS = Object.values(LifecycleTransition) as string[];
const ACCESS_POINT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const POSIX_ID_MAX = 4294967295;
/** EFS API reference, "PosixUser": at most 16 secondary group ids. */
export const SECONDARY_GIDS_MAX = 16;
/**
 * EFS API reference, "RootDirectory": a path of 1 to 100 characters with up to four directories,
 * none starting with "." and none holding $ # < > ; ` | & ? { } ^ * or a newline.
 */
export const ACCESS_POINT_PATH = { maxLength: 100, maxDepth: 4 } as const;
const ACCESS_POINT_PATH_FORBIDDEN = /[$#<>;`|&?{}^*\n]/;

/**
 * Every rule EFS or Terraform would otherwise reject at apply time (or, worse, accept and regret),
 * checked at synth. All problems are reported at once; token values are skipped.
 */
export function validateFileSystemProps(path: string, props: SharedFileSystemProps): void {
  const errors = new ValidationErrors(path);
  const performanceMode = props.performanceMode ?? PerformanceMode.GENERAL_PURPOSE;
  const throughputMode = props.throughputMode ?? ThroughputMode.ELASTIC;

  errors.check(
    PERFORMANCE_MODES.includes(performanceMode),
    "performanceMode",
    `${show(performanceMode)} is not allowed; use one of ${show(PERFORMANCE_MODES)}`,
  );
  errors.check(
    THROUGHPUT_MODES.includes(throughputMode),
    "throughputMode",
    `${show(throughputMode)} is not allowed; use one of ${show(THROUGHPUT_MODES)}`,
  );

  const mibps = props.provisionedThroughputMibps;
  const { min, max } = PROVISIONED_THROUGHPUT_MIBPS;
  if (throughputMode === ThroughputMode.PROVISIONED) {
    if (mibps === undefined) {
      errors.add(
        "provisionedThroughputMibps",
        `is required when throughputMode is "provisioned"; give ${min} to ${max} MiB/s`,
      );
    } else if (isKnown(mibps)) {
      errors.check(
        Number.isFinite(mibps) && mibps >= min && mibps <= max,
        "provisionedThroughputMibps",
        `${show(mibps)} is out of range; allowed ${min} to ${max} MiB/s`,
      );
    }
  } else if (mibps !== undefined) {
    errors.add(
      "provisionedThroughputMibps",
      `${show(mibps)} is set but throughputMode is ${show(throughputMode)}; it applies only to "provisioned"`,
    );
  }

  if (throughputMode === ThroughputMode.ELASTIC && performanceMode === PerformanceMode.MAX_IO) {
    errors.add(
      "throughputMode",
      `"elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned"`,
    );
  }

  validateLifecycle(errors, props, throughputMode, performanceMode);
  validatePlacement(errors, props, performanceMode);
  validateEncryption(errors, props);
  validateAccessPoints(errors, props);

  validateReplication(errors, props);
  errors.throwIfAny();
}

function validateLifecycle(
  errors: ValidationErrors,
  props: SharedFileSystemProps,
  throughputMode: string,
  performanceMode: string,
): void {
  const { transitionToIa, transitionToArchive } = props.lifecycle ?? {};
  for (const [field, value] of [
    ["lifecycle.transitionToIa", transitionToIa],
    ["lifecycle.transitionToArchive", transitionToArchive],
  ] as const) {
    if (value !== undefined) {
      errors.check(
        TRANSITIONS.includes(value),
        field,
        `${show(value)} is not allowed; use one of ${TRANSITIONS.join(", ")}`,
      );
    }
  }
  if (transitionToArchive === undefined) return;
  if (throughputMode !== ThroughputMode.ELASTIC || performanceMode !== PerformanceMode.GENERAL_PURPOSE) {
    errors.add(
      "lifecycle.transitionToArchive",
      `Archive needs throughputMode "elastic" and performanceMode "generalPurpose"; got ${show(throughputMode)} and ${show(performanceMode)}`,
    );
  }
  const iaDays = transitionToIa && LIFECYCLE_TRANSITION_DAYS[transitionToIa];
  const archiveDays = LIFECYCLE_TRANSITION_DAYS[transitionToArchive];
  if (iaDays !== undefined && archiveDays !== undefined && archiveDays <= iaDays) {
    errors.add(
      "lifecycle.transitionToArchive",
      `${show(transitionToArchive)} must come later than transitionToIa ${show(transitionToIa)}`,
    );
  }
}

function validatePlacement(
  errors: ValidationErrors,
  props: SharedFileSystemProps,
  performanceMode: string,
): void {
  errors.checkFormat("vpcId", props.vpcId, VPC_ID_PATTERN, NOT_A_VPC_ID);
  errors.checkSubnets("subnets", props.subnets);
  const zones = props.subnets.map((subnet) => subnet.availabilityZone);
  const knownZones = zones.filter((zone) => isKnown(zone));
  const duplicates = knownZones.filter((zone, i) => knownZones.indexOf(zone) !== i);
  errors.check(
    duplicates.length === 0,
    "subnets",
    `has more than one subnet in ${show([...new Set(duplicates)])}; EFS allows one mount target per AZ`,
  );

  const oneZone = props.oneZoneAvailabilityZone;
  if (oneZone === undefined) {
    if (knownZones.length === zones.length) {
      errors.check(
        new Set(zones).size >= 2,
        "subnets",
        `a regional file system needs mount targets in at least 2 distinct AZs, got ${show(zones)}`,
      );
    }
    return;
  }
  errors.check(
    performanceMode !== PerformanceMode.MAX_IO,
    "performanceMode",
    `"maxIO" is not available for One Zone file systems (oneZoneAvailabilityZone ${show(oneZone)})`,
  );
  if (isKnown(oneZone)) {
    errors.check(
      zones.length === 1 && (!isKnown(zones[0]) || zones[0] === oneZone),
      "subnets",
      `a One Zone file system in ${show(oneZone)} needs exactly one subnet in that AZ, got AZs ${show(zones)}`,
    );
  }
}

function validateEncryption(errors: ValidationErrors, props: SharedFileSystemProps): void {
  const arn = props.kmsKeyArn;
  if (arn !== undefined && props.createKmsKey) {
    errors.add("kmsKeyArn", `is set together with createKmsKey; choose one`);
  }
  errors.checkFormat("kmsKeyArn", arn, KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN);
  // EFS resolves an alias and stores the key ARN; Terraform then sees a different kms_key_id on every
  // plan, and that attribute forces a new file system.
  if (arn !== undefined && isKnown(arn) && isKmsAliasArn(arn)) {
    errors.add(
      "kmsKeyArn",
      `${show(arn)} is an alias ARN; EFS stores the key ARN it points to, so every later plan would replace the file system. Give the key ARN ("arn:aws:kms:<region>:<account>:key/<key id>")`,
    );
  }
}

function validateReplication(errors: ValidationErrors, props: SharedFileSystemProps): void {
  const replication = props.replication;
  if (!replication) return;
  const { region, availabilityZone, kmsKeyArn } = replication;
  errors.checkFormat(
    "replication.region",
    region,
    REGION_PATTERN,
    'is not a Region name such as "eu-central-1"',
  );
  if (!isKnown(region) || !REGION_PATTERN.test(region)) return;
  if (availabilityZone !== undefined && isKnown(availabilityZone) && AZ_NAME_PATTERN.test(availabilityZone)) {
    errors.check(
      regionOfAz(availabilityZone) === region,
      "replication.availabilityZone",
      `${show(availabilityZone)} is not in the replica's Region ${show(region)}; use an AZ such as "${region}a"`,
    );
  }
  // A KMS key is usable only in its own Region: the replica's key must live where the replica does.
  if (kmsKeyArn !== undefined && isKnown(kmsKeyArn)) {
    const keyRegion = regionOfArnText(kmsKeyArn);
    errors.check(
      keyRegion === undefined || keyRegion === region,
      "replication.kmsKeyArn",
      `${show(kmsKeyArn)} is a key in ${show(keyRegion)}, but the replica is in ${show(region)}; a KMS key works only in its own Region`,
    );
  }
}

function validateAccessPoints(errors: ValidationErrors, props: SharedFileSystemProps): void {
  for (const [name, options] of Object.entries(props.accessPoints ?? {})) {
    const field = `accessPoints.${name}`;
    errors.check(
      ACCESS_POINT_NAME_PATTERN.test(name),
      field,
      `name ${show(name)} must be lower-case letters, digits and dashes (it becomes a Terraform address)`,
    );
    if (isKnown(options.path)) validateAccessPointPath(errors, `${field}.path`, options.path);
    const secondaryGids = options.posixUser?.secondaryGids ?? [];
    errors.check(
      secondaryGids.length <= SECONDARY_GIDS_MAX,
      `${field}.posixUser.secondaryGids`,
      `has ${secondaryGids.length} group ids; EFS allows at most ${SECONDARY_GIDS_MAX}`,
    );
    const ids: [string, number | undefined][] = [
      ["posixUser.uid", options.posixUser?.uid],
      ["posixUser.gid", options.posixUser?.gid],
      ["creationInfo.ownerUid", options.creationInfo?.ownerUid],
      ["creationInfo.ownerGid", options.creationInfo?.ownerGid],
      ...(options.posixUser?.secondaryGids ?? []).map(
        (gid, i) => [`posixUser.secondaryGids[${i}]`, gid] as [string, number],
      ),
    ];
    for (const [idField, value] of ids) {
      if (value !== undefined && isKnown(value)) {
        errors.check(
          Number.isInteger(value) && value >= 0 && value <= POSIX_ID_MAX,
          `${field}.${idField}`,
          `${show(value)} is not a POSIX id; use a whole number from 0 to ${POSIX_ID_MAX}`,
        );
      }
    }
    const permissions = options.creationInfo?.permissions;
    if (permissions !== undefined && isKnown(permissions)) {
      errors.check(
        /^[0-7]{3,4}$/.test(permissions),
        `${field}.creationInfo.permissions`,
        `${show(permissions)} is not an octal mode such as "0750"`,
      );
    }
  }
}

function validateAccessPointPath(errors: ValidationErrors, field: string, path: string): void {
  const directories = path.split("/").slice(1);
  if (!path.startsWith("/") || path === "/" || directories.some((d) => d === "" || d === "..")) {
    errors.add(
      field,
      `${show(path)} must be an absolute directory other than "/", without "..", "//" or a trailing "/"`,
    );
    return;
  }
  const { maxLength, maxDepth } = ACCESS_POINT_PATH;
  errors.check(
    path.length <= maxLength,
    field,
    `${show(path)} has ${path.length} characters; EFS allows at most ${maxLength}`,
  );
  errors.check(
    directories.length <= maxDepth,
    field,
    `${show(path)} is ${directories.length} directories deep; EFS allows at most ${maxDepth} (e.g. "/a/b/c/d")`,
  );
  const forbidden = [...new Set(path.match(new RegExp(ACCESS_POINT_PATH_FORBIDDEN.source, "g")) ?? [])];
  errors.check(
    forbidden.length === 0,
    field,
    `${show(path)} contains ${forbidden.map((c) => show(c)).join(", ")}; EFS refuses $ # < > ; \` | & ? { } ^ * and newlines in a path`,
  );
  errors.check(
    !directories.some((d) => d.startsWith(".")),
    field,
    `${show(path)} has a directory starting with "."; EFS refuses hidden directories in an access-point path`,
  );
}

/** An EFS file-system ARN; the groups are partition, Region, account and file-system id. */
const FILE_SYSTEM_ARN_PATTERN =
  /^arn:(aws[a-z-]*):elasticfilesystem:([a-z0-9-]+):(\d{12}):file-system\/(fs-[0-9a-f]{8,40})$/;

/**
 * Checks `SharedFileSystem.fromAttributes` input, and returns the parts of a literal ARN (undefined
 * when the ARN is a token).
 */
export function validateFileSystemAttributes(
  path: string,
  attributes: SharedFileSystemAttributes,
): { partition: string; region: string; accountId: string; fileSystemId: string } | undefined {
  const errors = new ValidationErrors(path);
  errors.checkFormat(
    "fileSystemArn",
    attributes.fileSystemArn,
    FILE_SYSTEM_ARN_PATTERN,
    'is not an EFS file-system ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0"',
  );
  errors.checkFormat(
    "mountTargetSecurityGroupId",
    attributes.mountTargetSecurityGroupId,
    SECURITY_GROUP_ID_PATTERN,
    NOT_A_SECURITY_GROUP_ID,
  );
  errors.throwIfAny();
  const match = isKnown(attributes.fileSystemArn)
    ? FILE_SYSTEM_ARN_PATTERN.exec(attributes.fileSystemArn)
    : null;
  if (!match) return undefined;
  const [, partition = "", region = "", accountId = "", fileSystemId = ""] = match;
  return { partition, region, accountId, fileSystemId };
}
