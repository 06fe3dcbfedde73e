import { isKnown, show, ValidationErrors } from "../shared/validation";
import type { SharedFileSystemAttributes, SharedFileSystemProps } from "./index";
import { SECURITY_GROUP_ID_PATTERN } from "./grants";
import {
  LIFECYCLE_TRANSITION_DAYS,
  LifecycleTransition,
  PerformanceMode,
  PROVISIONED_THROUGHPUT_MIBPS,
  ThroughputMode,
} from "./types";
import { KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN, REGION_PATTERN } from "../shared/patterns";

const PERFORMANCE_MODES = Object.values(PerformanceMode) as string[];
const THROUGHPUT_MODES = Object.values(ThroughputMode) as string[];
const TRANSITIONS = Object.values(LifecycleTransition) as string[];
const ACCESS_POINT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
const POSIX_ID_MAX = 4294967295;

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

  errors.checkFormat(
    "replication.region",
    props.replication?.region,
    REGION_PATTERN,
    'is not a Region name such as "eu-central-1"',
  );
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
  if (props.kmsKeyArn !== undefined && props.createKmsKey) {
    errors.add("kmsKeyArn", `is set together with createKmsKey; choose one`);
  }
  errors.checkFormat("kmsKeyArn", props.kmsKeyArn, KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN);
}

function validateAccessPoints(errors: ValidationErrors, props: SharedFileSystemProps): void {
  for (const [name, options] of Object.entries(props.accessPoints ?? {})) {
    const field = `accessPoints.${name}`;
    errors.check(
      ACCESS_POINT_NAME_PATTERN.test(name),
      field,
      `name ${show(name)} must be lower-case letters, digits and dashes (it becomes a Terraform address)`,
    );
    if (isKnown(options.path)) {
      errors.check(
        options.path.startsWith("/") && options.path !== "/" && !options.path.includes(".."),
        `${field}.path`,
        `${show(options.path)} must be an absolute directory other than "/", without ".."`,
      );
    }
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
    'is not a security-group id such as "sg-0123456789abcdef0"',
  );
  errors.throwIfAny();
  const match = isKnown(attributes.fileSystemArn)
    ? FILE_SYSTEM_ARN_PATTERN.exec(attributes.fileSystemArn)
    : null;
  if (!match) return undefined;
  const [, partition = "", region = "", accountId = "", fileSystemId = ""] = match;
  return { partition, region, accountId, fileSystemId };
}
