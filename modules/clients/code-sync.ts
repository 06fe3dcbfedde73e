import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { accountIdOfArn, partitionOfArn, regionOfArn } from "../shared/arn";
import {
  NOT_AN_S3_BUCKET_NAME,
  partitionOfRegion,
  regionOfArnText,
  S3_BUCKET_NAME_PATTERN,
} from "../shared/patterns";
import { CLIENT_DEFAULTS } from "./types";
import { jsonDocument } from "../shared/json";
import { isKnown, show, ValidationErrors } from "../shared/validation";

/** Where the code of a web fleet comes from, and where it goes on each machine. */
export interface CodeSyncOptions {
  /** The S3 bucket that holds the code. The instance role may read only this bucket (and `prefix`). */
  readonly bucketName: string;
  /**
   * The account that owns the bucket: the role reads only from a bucket of this account
   * (`s3:ResourceAccount`), so a deleted bucket whose name someone else registers serves nothing.
   * @default - the instance role's own account
   */
  readonly bucketAccountId?: string;
  /**
   * Key prefix of the releases in the bucket, without a leading or trailing "/": the role may list
   * and read only under `<prefix>/`. The layout under it (`releases/<id>/`, `manifests/<id>.json`,
   * `CURRENT`) is what `npm run release-upload` writes (docs/web-fleet.md).
   * @default - the whole bucket
   */
  readonly prefix?: string;
  /**
   * ARN of the KMS key the objects are encrypted with (SSE-KMS); the role may decrypt with it
   * through S3 only.
   * @default - none: SSE-S3 objects need no key permission
   */
  readonly kmsKeyArn?: string;
  /**
   * Where the web server reads the code: a symlink to the live release, switched atomically.
   * Local disk: it may neither be, hold, nor lie inside `mountPath`, nor a system directory.
   * @default "/var/www/html"
   */
  readonly targetPath?: string;
  /**
   * Bound on one copy from S3, in seconds; the SSM command is given two minutes more.
   * @default 600
   */
  readonly timeoutSeconds?: number;
  /**
   * Previous releases kept on each machine for a rollback, besides the live one.
   * @default 3
   */
  readonly keepReleases?: number;
}

/** The sync script, as shipped in this folder; the instance runs exactly these bytes. */
export const SYNC_SCRIPT = readFileSync(join(__dirname, "scripts", "sync-code.sh"), "utf8");
export const SYNC_SCRIPT_PATH = "/usr/local/sbin/sync-code";
export const SYNC_SETTINGS_PATH = "/etc/sync-code.env";
/** The tag Run Command targets: every machine of one client group carries it, with the group's name prefix. */
export const CODE_SYNC_TAG_KEY = "CodeSyncGroup";
export const DEFAULT_SYNC_TARGET_PATH = "/var/www/html";
export const DEFAULT_SYNC_TIMEOUT_SECONDS = 600;
export const DEFAULT_KEEP_RELEASES = 3;
/** The script exits 75 (EX_TEMPFAIL) when another sync holds the lock. */
export const SYNC_BUSY_EXIT_CODE = 75;
/** The SSM step outlives the script's own bound by this much, so the script reports its timeout itself. */
const SSM_STEP_MARGIN_SECONDS = 120;
export const SYNC_TIMEOUT_SECONDS = { min: 10, max: 28_800 } as const;
export const KEEP_RELEASES = { min: 0, max: 20 } as const;

/** S3 general-purpose bucket names, reserved forms refused (one rule with the state bucket's). */
export { S3_BUCKET_NAME_PATTERN };
/** Key segments of safe characters; no `*` or `?`, which an IAM resource would read as wildcards. */
export const S3_KEY_PREFIX_PATTERN = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/;
/** An Application or Network Load Balancer target group. */
export const TARGET_GROUP_ARN_PATTERN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
/** IAM grants key use on key ARNs; an alias ARN in a policy's Resource grants nothing. */
const KMS_KEY_ONLY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const LOCAL_PATH_PATTERN = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;
/**
 * S3 keys are at most 1,024 bytes. The layout appends at most "/manifests/" + a 100-character
 * release id + ".json" (116) to the prefix, and the build's own paths need room too: half the key.
 */
export const CODE_PREFIX_MAX_LENGTH = 512;
/** The code may be neither one of these, nor inside one, nor hold one (as in sync-code.sh). */
export const CODE_SYSTEM_TREES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var/cache",
  "/var/lib",
  "/var/lock",
  "/var/log",
  "/var/run",
  "/var/spool",
  "/var/tmp",
] as const;
/** Directories that hold other data: refused themselves, their subdirectories are fine (as in sync-code.sh). */
export const CODE_SHARED_ROOTS = ["/home", "/media", "/mnt", "/opt", "/srv", "/var", "/var/www"] as const;
const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** SSM document names: 3 to 128 letters, digits, "_", "-" and ".". */
const DOCUMENT_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,128}$/;
/** "You can't use ... aws, amazon, amzn as document name prefixes" (SSM CreateDocument API reference). */
const RESERVED_DOCUMENT_PREFIX = /^(aws|amazon|amzn)/i;

/** What the fleet-related props are checked against. */
export interface FleetPropsToValidate {
  readonly placement?: string;
  readonly namePrefix?: string;
  readonly mountPath?: string;
  readonly targetGroupArns?: readonly string[];
  readonly codeSync?: CodeSyncOptions;
  readonly codeSyncGroup?: string;
  readonly region?: string;
}

/** Checks `targetGroupArns` and `codeSync`, adding each problem to `errors`. */
export function validateFleetProps(errors: ValidationErrors, props: FleetPropsToValidate): void {
  const targetGroups = props.targetGroupArns ?? [];
  const placement = props.placement ?? CLIENT_DEFAULTS.placement;
  if (targetGroups.length > 0 && isKnown(placement)) {
    errors.check(
      placement === "fleet",
      "targetGroupArns",
      `is set but placement is ${show(placement)}; only an Auto Scaling group (placement: "fleet") registers its machines with target groups`,
    );
  }
  targetGroups.forEach((arn, i) =>
    errors.checkFormat(
      `targetGroupArns[${i}]`,
      arn,
      TARGET_GROUP_ARN_PATTERN,
      'is not a target group ARN such as "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"',
    ),
  );
  const region = props.region;
  targetGroups.forEach((arn, i) => {
    if (!isKnown(arn) || region === undefined || !isKnown(region) || !TARGET_GROUP_ARN_PATTERN.test(arn))
      return;
    const arnRegion = arn.split(":")[3];
    errors.check(
      arnRegion === region,
      `targetGroupArns[${i}]`,
      `${show(arn)} is in ${show(arnRegion)}, but the machines are in ${show(region)}; an Auto Scaling group registers only with target groups of its own Region`,
    );
  });
  const known = targetGroups.filter((arn) => isKnown(arn));
  const repeated = known.filter((arn, i) => known.indexOf(arn) !== i);
  errors.check(repeated.length === 0, "targetGroupArns", `lists ${show([...new Set(repeated)])} twice`);

  const sync = props.codeSync;
  if (sync === undefined) return;
  errors.checkFormat("codeSync.bucketName", sync.bucketName, S3_BUCKET_NAME_PATTERN, NOT_AN_S3_BUCKET_NAME);
  errors.checkFormat(
    "codeSync.bucketAccountId",
    sync.bucketAccountId,
    ACCOUNT_ID_PATTERN,
    "is not an AWS account id (12 digits)",
  );
  errors.checkFormat(
    "codeSync.prefix",
    sync.prefix,
    S3_KEY_PREFIX_PATTERN,
    'must be key segments of letters, digits and !_.\'()- separated by "/", without a leading or trailing "/", e.g. "releases/web"',
  );
  if (sync.prefix !== undefined && isKnown(sync.prefix)) {
    errors.check(
      !sync.prefix.split("/").some((segment) => segment === "." || segment === ".."),
      "codeSync.prefix",
      `${show(sync.prefix)} holds a "." or ".." segment; S3 keeps them as written but the CLI and consoles resolve them, so the role and the uploader would disagree on the keys`,
    );
    errors.check(
      sync.prefix.length <= CODE_PREFIX_MAX_LENGTH,
      "codeSync.prefix",
      `is ${sync.prefix.length} characters; at most ${CODE_PREFIX_MAX_LENGTH}, so that releases/<id>/<file> under it stays within S3's 1,024-byte key`,
    );
  }
  errors.checkFormat(
    "codeSync.kmsKeyArn",
    sync.kmsKeyArn,
    KMS_KEY_ONLY_ARN_PATTERN,
    'is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..." (an alias ARN grants nothing in an IAM policy)',
  );
  const key = sync.kmsKeyArn;
  if (
    key !== undefined &&
    isKnown(key) &&
    KMS_KEY_ONLY_ARN_PATTERN.test(key) &&
    region !== undefined &&
    isKnown(region)
  ) {
    const keyPartition = key.split(":")[1];
    errors.check(
      keyPartition === partitionOfRegion(region),
      "codeSync.kmsKeyArn",
      `${show(key)} is a key in the partition ${show(keyPartition)}, but the machines are in ${show(region)} (partition ${show(partitionOfRegion(region))}); a role cannot use a key of another partition`,
    );
  }
  validateTargetPath(
    errors,
    sync.targetPath ?? DEFAULT_SYNC_TARGET_PATH,
    props.mountPath ?? CLIENT_DEFAULTS.mountPath,
  );
  checkWholeNumber(errors, "codeSync.timeoutSeconds", sync.timeoutSeconds, SYNC_TIMEOUT_SECONDS, "seconds");
  checkWholeNumber(errors, "codeSync.keepReleases", sync.keepReleases, KEEP_RELEASES, "releases");
  const [groupProp, group] =
    props.codeSyncGroup !== undefined
      ? ["codeSyncGroup", props.codeSyncGroup]
      : ["namePrefix", props.namePrefix];
  if (group !== undefined && isKnown(group)) {
    errors.check(
      !RESERVED_DOCUMENT_PREFIX.test(group),
      groupProp,
      `${show(group)} would name the SSM document "${group}-sync-code"; SSM reserves names starting with aws, amazon or amzn`,
    );
    errors.check(
      DOCUMENT_NAME_PATTERN.test(`${group}-sync-code`) && /^[A-Za-z0-9_.-]+$/.test(group),
      groupProp,
      `${show(group)} would name the SSM document "${group}-sync-code"; names are 3 to 128 letters, digits, "_", "-" and "."`,
    );
  }
}

function validateTargetPath(errors: ValidationErrors, targetPath: string, mountPath: string) {
  if (!isKnown(targetPath)) return;
  if (!LOCAL_PATH_PATTERN.test(targetPath)) {
    errors.add(
      "codeSync.targetPath",
      `${show(targetPath)} must be an absolute path whose parts are letters, digits, ".", "_", "-" and do not start with "."`,
    );
    return;
  }
  const problem = codeTargetProblem(targetPath, isKnown(mountPath) ? mountPath : undefined);
  if (problem !== undefined) errors.add("codeSync.targetPath", `${show(targetPath)} ${problem}`);
}

const isWithin = (path: string, dir: string) => dir === "/" || path === dir || path.startsWith(`${dir}/`);

/**
 * Why `targetPath` (or the releases beside it, `<targetPath>.releases`) may not hold the code, or
 * undefined. The sync replaces the target with a link and deletes old releases: near the share, that
 * deletes every machine's files; on a system directory, it breaks the machine.
 */
export function codeTargetProblem(targetPath: string, mountPath: string | undefined): string | undefined {
  const releases = `${targetPath}.releases`;
  for (const path of [targetPath, releases]) {
    const tree = CODE_SYSTEM_TREES.find((dir) => isWithin(path, dir) || isWithin(dir, path));
    if (tree !== undefined) {
      return `is, holds or lies inside the system directory ${show(tree)} (or its releases ${show(releases)} do); use a directory of its own such as "/var/www/html" (not ${CODE_SYSTEM_TREES.join(", ")}, above or below them)`;
    }
  }
  if ((CODE_SHARED_ROOTS as readonly string[]).includes(targetPath)) {
    return `is a directory other data lives in, which the sync would replace with a link; use a directory of its own such as "/var/www/html"`;
  }
  if (
    mountPath !== undefined &&
    [targetPath, releases].some((p) => isWithin(p, mountPath) || isWithin(mountPath, p))
  ) {
    return `is, holds or lies inside the share (mountPath ${show(mountPath)}), or its releases ${show(releases)} do; the sync replaces the target and deletes old releases, which would delete the share's files for every machine. Keep the code on local disk, apart from the share (link media/ to the share instead)`;
  }
  return undefined;
}

function checkWholeNumber(
  errors: ValidationErrors,
  prop: string,
  value: number | undefined,
  range: { readonly min: number; readonly max: number },
  unit: string,
) {
  if (value === undefined || !isKnown(value)) return;
  errors.check(
    Number.isInteger(value) && value >= range.min && value <= range.max,
    prop,
    `${show(value)} is out of range; allowed ${range.min} to ${range.max} ${unit}`,
  );
}

/** The settings the sync script reads, as `/etc/sync-code.env` holds them. */
export function syncSettings(
  options: CodeSyncOptions,
  region: string,
  mountPath: string,
): Record<string, string | number> {
  return {
    SOURCE_BUCKET: options.bucketName,
    SOURCE_PREFIX: options.prefix ?? "",
    TARGET_PATH: options.targetPath ?? DEFAULT_SYNC_TARGET_PATH,
    SHARE_MOUNT_PATH: mountPath,
    SYNC_TIMEOUT_SECONDS: options.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS,
    KEEP_RELEASES: options.keepReleases ?? DEFAULT_KEEP_RELEASES,
    AWS_REGION: region,
  };
}

/** The shell commands that run the installed script with its settings, as the boot does (a sync). */
export const RUN_SYNC_COMMANDS: readonly string[] = [
  `set -a; . ${SYNC_SETTINGS_PATH}; set +a`,
  `exec ${SYNC_SCRIPT_PATH}`,
];
/** The actions the document's `action` parameter allows; SSM refuses any other value before it runs. */
export const SYNC_ACTIONS = ["sync", "rollback"] as const;
/**
 * The send-command line's rollout: one machine in ten at a time (at least one), and no new machine
 * after the first failure (`--max-errors 0`), so a broken release stops at the canary.
 */
export const SYNC_ROLLOUT = { maxConcurrency: "10%", maxErrors: "0" } as const;

export interface CodeSyncProps {
  /** The instance role that gets read access to the code. */
  readonly role: IamRole;
  readonly options: CodeSyncOptions;
  /** Prefix of the policy name. */
  readonly namePrefix: string;
  /**
   * Names the document (`<group>-sync-code`) and is the value of the target tag: unique per account
   * and Region, so it carries the environment's prefix.
   * @default - namePrefix
   */
  readonly group?: string;
  /** Where the share is mounted, which the code is kept apart from. */
  readonly mountPath?: string;
  /** The Region of the machines, for the send-command line. */
  readonly region: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/**
 * On-demand code sync for a client group: an SSM Command document that runs the installed
 * `sync-code` on every machine tagged `CodeSyncGroup=<namePrefix>`, and the instance role's
 * read-only access to the code's bucket and prefix. The script itself is installed by the user data.
 *
 * DEVIATION from the case study: Run Command instead of a bastion that SSHs into each machine in
 * turn with a PEM key; no SSH port, no key to hand around, every machine at once, a result per machine.
 */
export class CodeSync extends Construct {
  readonly document: SsmDocument;
  /** Literal: known at synth, so tools can read it from the synthesized stack. */
  readonly documentName: string;
  readonly targetTag: { readonly key: string; readonly value: string };
  /** The one-line `aws ssm send-command` that syncs every machine of the group. */
  readonly sendCommand: string;

  constructor(scope: Construct, id: string, props: CodeSyncProps) {
    super(scope, id);
    const { options, namePrefix } = props;
    const group = props.group ?? namePrefix;
    const timeout = options.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS;
    this.documentName = `${group}-sync-code`;
    this.targetTag = { key: CODE_SYNC_TAG_KEY, value: group };

    this.document = new SsmDocument(this, "document", {
      name: this.documentName,
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: JSON.stringify(
        {
          schemaVersion: "2.2",
          description: `Serves the release ${sourceUri(options)}CURRENT names at ${options.targetPath ?? DEFAULT_SYNC_TARGET_PATH} (action sync: downloaded, checked against its manifest, switched atomically), or the previous one (action rollback). Exits ${SYNC_BUSY_EXIT_CODE} at once when a sync is already running. Send it with --max-errors 0 and a small --max-concurrency (npm run fleet-sync does canary first), so a broken release stops at the first machine.`,
          parameters: {
            action: {
              type: "String",
              description:
                "sync: serve the release CURRENT names; rollback: switch back to the previous release",
              allowedValues: [...SYNC_ACTIONS],
              default: "sync",
            },
          },
          mainSteps: [
            {
              action: "aws:runShellScript",
              name: "syncCode",
              precondition: { StringEquals: ["platformType", "Linux"] },
              inputs: {
                timeoutSeconds: String(timeout + SSM_STEP_MARGIN_SECONDS),
                runCommand: [RUN_SYNC_COMMANDS[0], `${RUN_SYNC_COMMANDS[1]} {{ action }}`],
              },
            },
          ],
        },
        null,
        2,
      ),
      ...(props.tags ? { tags: { ...props.tags } } : {}),
    });

    new IamRolePolicy(this, "read-code-policy", {
      role: props.role.id,
      name: `${namePrefix}-code-sync-read`,
      policy: jsonDocument(
        readCodePolicy(
          options,
          partitionOfArn(props.role.arn),
          options.bucketAccountId ?? accountIdOfArn(props.role.arn),
        ),
      ),
    });

    this.sendCommand = [
      `aws ssm send-command --region ${props.region}`,
      `--document-name ${this.documentName}`,
      `--targets Key=tag:${this.targetTag.key},Values=${this.targetTag.value}`,
      `--max-concurrency ${SYNC_ROLLOUT.maxConcurrency} --max-errors ${SYNC_ROLLOUT.maxErrors}`,
      "--query Command.CommandId --output text",
    ].join(" ");
  }
}

function sourceUri(options: CodeSyncOptions): string {
  return `s3://${options.bucketName}/${options.prefix ? `${options.prefix}/` : ""}`;
}

/**
 * List only under the prefix (`s3:prefix` condition), read only objects under it, only from a bucket
 * of the expected account (`s3:ResourceAccount`), and decrypt only through S3 in the key's Region.
 */
function readCodePolicy(options: CodeSyncOptions, partition: string, bucketAccount: string): object {
  const bucketArn = `arn:${partition}:s3:::${options.bucketName}`;
  const prefix = options.prefix;
  const owner = { "s3:ResourceAccount": bucketAccount };
  const statements: object[] = [
    {
      Sid: "ListCode",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: prefix
        ? { StringLike: { "s3:prefix": [`${prefix}/*`] }, StringEquals: owner }
        : { StringEquals: owner },
    },
    {
      Sid: "ReadCode",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: prefix ? `${bucketArn}/${prefix}/*` : `${bucketArn}/*`,
      Condition: { StringEquals: owner },
    },
  ];
  const key = options.kmsKeyArn;
  if (key !== undefined) {
    // A literal key (validated above) gives its Region as text; a token, as a Terraform expression.
    const keyRegion = (isKnown(key) && regionOfArnText(key)) || regionOfArn(key);
    statements.push({
      Sid: "DecryptCode",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: key,
      Condition: { StringEquals: { "kms:ViaService": `s3.${keyRegion}.amazonaws.com` } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
