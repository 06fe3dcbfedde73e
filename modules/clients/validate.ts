import { isIPv6 } from "node:net";
import { parseCidr } from "../shared/cidr";
import { isKnown, show, ValidationErrors } from "../shared/validation";
import type { EfsClientsProps } from "./index";
import { estimatedUserDataBytes, heredocConflicts, MountSettings, USER_DATA_MAX_BYTES } from "./user-data";
import { CLIENT_ACCESS_LEVELS, MOUNT_METHODS, PLACEMENTS } from "./types";
import { KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN, NOT_A_VPC_ID, VPC_ID_PATTERN } from "../shared/patterns";
import { syncSettings, validateFleetProps } from "./code-sync";
import { validateRoleOptions } from "../shared/iam";

/**
 * The most clients one construct makes. Each fixed instance is its own set of resources; a bound
 * keeps a typo (`1000000`) from running the synth until it is killed.
 */
export const CLIENT_COUNT_MAX = 100;

/** Bounds on the wait for a mount target: long enough for a new one, short enough to notice a broken one. */
export const MOUNT_TARGET_WAIT_SECONDS = { min: 10, max: 3600 } as const;

/**
 * SSH from a block wider than this counts as SSH from anywhere: 0.0.0.0/1 plus 128.0.0.0/1 is
 * 0.0.0.0/0 by another name. A /8 (10.0.0.0/8, a corporate range) is still explicit.
 */
const WIDEST_EXPLICIT_PREFIX = { ipv4: 8, ipv6: 16 } as const;

/** Directories the share must never hide: the system would stop working, or stop booting. */
const SYSTEM_DIRECTORIES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib64",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var",
];
/** Directories whose subdirectories are off limits too. */
const SYSTEM_TREES = ["/boot", "/dev", "/etc", "/proc", "/run", "/sys", "/usr"];
const MOUNT_PATH_PATTERN = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;
const INSTANCE_TYPE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AMI_PATTERN = /^(ami-[0-9a-f]{8,17}|resolve:ssm:\/?[A-Za-z0-9_.\-/:]+)$/;
const NAME_PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]{0,27}$/;
const DEVICE_NAME_PATTERN = /^\/dev\/(sd[a-z]\d*|xvd[a-z]\d*|nvme\d+n\d+)$/;

/** Checks every prop of the clients construct; throws once, listing every problem. */
export function validateClientsProps(path: string, props: EfsClientsProps, settings: MountSettings): void {
  const errors = new ValidationErrors(path);

  if (props.count !== undefined && isKnown(props.count)) {
    errors.check(
      Number.isInteger(props.count) && props.count >= 1 && props.count <= CLIENT_COUNT_MAX,
      "count",
      `${show(props.count)} is not allowed; use an integer from 1 to ${CLIENT_COUNT_MAX}`,
    );
  }
  oneOf(errors, "placement", props.placement, PLACEMENTS);
  oneOf(errors, "mountMethod", props.mountMethod, MOUNT_METHODS);
  oneOf(errors, "access", props.access, CLIENT_ACCESS_LEVELS);
  errors.check(
    props.access !== "read-as-root" || typeof props.fileSystem.grantReadAsRoot === "function",
    "access",
    '"read-as-root" needs a fileSystem with grantReadAsRoot (SharedFileSystem and fromAttributes have it)',
  );

  validateSubnets(errors, props);
  validateMachine(errors, props);
  validateMount(errors, props);
  validateSsh(errors, props);
  validateFleetProps(errors, props);
  validateRoleOptions(errors, props);

  if (props.additionalUserData !== undefined) {
    const conflicts = heredocConflicts(props.additionalUserData);
    errors.check(
      conflicts.length === 0,
      "additionalUserData",
      `must not contain a line ${show(conflicts)}: the user data uses it to end an embedded file`,
    );
  }
  const userDataBytes = estimatedUserDataBytes(
    settings,
    props.additionalUserData,
    props.codeSync && syncSettings(props.codeSync, props.region, settings.mountPath),
  );
  errors.check(
    userDataBytes <= USER_DATA_MAX_BYTES,
    "additionalUserData",
    `makes the user data about ${userDataBytes} bytes gzip-compressed; EC2 allows ${USER_DATA_MAX_BYTES}. Install a larger script another way (a package, S3)`,
  );
  errors.throwIfAny();
}

function oneOf(
  errors: ValidationErrors,
  prop: string,
  value: string | undefined,
  allowed: readonly string[],
) {
  if (value === undefined || !isKnown(value)) return;
  errors.check(allowed.includes(value), prop, `${show(value)} is not allowed; use one of ${show(allowed)}`);
}

function validateSubnets(errors: ValidationErrors, props: EfsClientsProps): void {
  errors.checkFormat("vpcId", props.vpcId, VPC_ID_PATTERN, NOT_A_VPC_ID);
  errors.checkSubnets("subnets", props.subnets);
  errors.check(
    props.subnets.length >= 1,
    "subnets",
    "is empty; give at least one subnet to place clients in",
  );
  const zones = props.subnets.map((subnet) => subnet.availabilityZone).filter((zone) => isKnown(zone));
  const duplicates = zones.filter((zone, i) => zones.indexOf(zone) !== i);
  errors.check(
    duplicates.length === 0,
    "subnets",
    `has more than one subnet in ${show([...new Set(duplicates)])}; give one subnet per AZ so clients spread over AZs`,
  );
  checkSubnetsHaveMountTarget(errors, props);
}

/**
 * A client can mount only in an AZ with a mount target: the file system's DNS name resolves to the
 * mount target of the client's own AZ, and to nothing where there is none (EFS User Guide,
 * "Mounting with DNS names"). One Zone file systems have a single mount target.
 */
function checkSubnetsHaveMountTarget(errors: ValidationErrors, props: EfsClientsProps): void {
  const mountTargets = props.fileSystem.mountTargets;
  if (mountTargets === undefined) return;
  const zones = mountTargets.map((m) => m.availabilityZone);
  if (!zones.every((zone) => isKnown(zone))) return;
  props.subnets.forEach((subnet, i) => {
    if (!isKnown(subnet.availabilityZone)) return;
    errors.check(
      zones.includes(subnet.availabilityZone),
      `subnets[${i}]`,
      `is in ${show(subnet.availabilityZone)}, where the file system has no mount target (it has them in ${show(zones)}); a client there cannot resolve the file system's name and never mounts. Use subnets in those AZs`,
    );
  });
}

function validateMachine(errors: ValidationErrors, props: EfsClientsProps): void {
  const root = props.rootVolume ?? {};
  const formats: [string, string | undefined, RegExp, string][] = [
    ["instanceType", props.instanceType, INSTANCE_TYPE_PATTERN, 'is not an instance type such as "t3.micro"'],
    [
      "amiId",
      props.amiId,
      AMI_PATTERN,
      'is neither an AMI id ("ami-0123456789abcdef0") nor an SSM parameter reference ("resolve:ssm:/aws/service/...")',
    ],
    [
      "namePrefix",
      props.namePrefix,
      NAME_PREFIX_PATTERN,
      "must be 1 to 28 letters, digits and dashes, starting with a letter or digit (IAM name prefixes are short)",
    ],
    [
      "rootVolume.deviceName",
      root.deviceName,
      DEVICE_NAME_PATTERN,
      'is not a device name such as "/dev/xvda"',
    ],
    ["rootVolume.kmsKeyArn", root.kmsKeyArn, KMS_KEY_ARN_PATTERN, NOT_A_KMS_KEY_ARN],
  ];
  for (const [prop, value, pattern, problem] of formats) errors.checkFormat(prop, value, pattern, problem);
  if (root.sizeGib !== undefined && isKnown(root.sizeGib)) {
    errors.check(
      Number.isInteger(root.sizeGib) && root.sizeGib >= 1 && root.sizeGib <= 16384,
      "rootVolume.sizeGib",
      `${show(root.sizeGib)} is out of range; a gp3 volume has 1 to 16384 GiB`,
    );
  }
}

function validateMount(errors: ValidationErrors, props: EfsClientsProps): void {
  const mountPath = props.mountPath;
  if (mountPath !== undefined && isKnown(mountPath)) {
    if (!MOUNT_PATH_PATTERN.test(mountPath)) {
      errors.add(
        "mountPath",
        `${show(mountPath)} must be an absolute path other than "/", whose parts are letters, digits, ".", "_", "-" and do not start with "."`,
      );
    } else {
      const systemTree = SYSTEM_TREES.find((tree) => mountPath.startsWith(`${tree}/`));
      errors.check(
        !SYSTEM_DIRECTORIES.includes(mountPath) && systemTree === undefined,
        "mountPath",
        `${show(mountPath)} would hide a system directory; use e.g. "/home", "/srv/share" or "/mnt/shared-home" (not ${SYSTEM_DIRECTORIES.join(", ")}, nor under ${SYSTEM_TREES.join(", ")})`,
      );
    }
  }
  const wait = props.mountTargetWaitSeconds;
  if (wait !== undefined && isKnown(wait)) {
    const { min, max } = MOUNT_TARGET_WAIT_SECONDS;
    errors.check(
      Number.isInteger(wait) && wait >= min && wait <= max,
      "mountTargetWaitSeconds",
      `${show(wait)} is out of range; allowed ${min} to ${max} seconds`,
    );
  }
  const access = props.access ?? "root";
  if ((props.seedShareFromLocal ?? true) && access !== "root") {
    errors.add(
      "seedShareFromLocal",
      `is true but access is ${show(access)}; seeding copies every user's files with their owners, which needs access "root" (or set seedShareFromLocal: false)`,
    );
  }
}

function validateSsh(errors: ValidationErrors, props: EfsClientsProps): void {
  const allowAnywhere = props.allowSshFromAnywhere ?? false;
  (props.sshIngressCidrs ?? []).forEach((cidr, i) => {
    if (!isKnown(cidr)) return;
    const field = `sshIngressCidrs[${i}]`;
    const prefix = prefixLengthOf(cidr);
    if (prefix === undefined) {
      errors.add(
        field,
        `${show(cidr)} is not a CIDR block such as "203.0.113.0/24" or "2001:db8::/48" (no host bits set)`,
      );
      return;
    }
    const widest = cidr.includes(":") ? WIDEST_EXPLICIT_PREFIX.ipv6 : WIDEST_EXPLICIT_PREFIX.ipv4;
    errors.check(
      allowAnywhere || prefix.length >= widest,
      field,
      `${show(cidr)} opens SSH to ${prefix.length === 0 ? "the whole internet" : `a block wider than /${widest}, i.e. to anyone`}; list the networks admins connect from, use SSM Session Manager instead, or set allowSshFromAnywhere: true if you really mean it`,
    );
  });
}

/** The prefix length of a well-formed IPv4 or IPv6 CIDR block without host bits; undefined otherwise. */
function prefixLengthOf(cidr: string): { length: number } | undefined {
  if (!cidr.includes(":")) {
    const block = parseCidr(cidr);
    return block && { length: block.prefixLength };
  }
  const match = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  if (!match || !isIPv6(match[1])) return undefined;
  const length = Number(match[2]);
  if (length > 128) return undefined;
  const address = ipv6ToBigInt(match[1]);
  const hostBits = (1n << BigInt(128 - length)) - 1n;
  return (address & hostBits) === 0n ? { length } : undefined;
}

function ipv6ToBigInt(address: string): bigint {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
