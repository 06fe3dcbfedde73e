import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SsmDocument } from "@cdktf/provider-aws/lib/ssm-document";
import { partitionOfArn, regionOfArn } from "../shared/arn";
import { regionOfArnText } from "../shared/patterns";
import { CLIENT_DEFAULTS } from "./types";
import { jsonDocument } from "../shared/json";
import { isKnown, show, ValidationErrors } from "../shared/validation";

/** Where the code of a web fleet comes from, and where it goes on each machine. */
export interface CodeSyncOptions {
  /** The S3 bucket that holds the code. The instance role may read only this bucket (and `prefix`). */
  readonly bucketName: string;
  /**
   * Key prefix of the code in the bucket, without a leading or trailing "/": the role may list and
   * read only under `<prefix>/`.
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
   * Local disk, never on the share.
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

/**
 * S3 general-purpose bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
 * ending with a letter or digit, no "..", not an IP address.
 */
export const S3_BUCKET_NAME_PATTERN =
  /^(?!\d{1,3}(\.\d{1,3}){3}$)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Key segments of safe characters; no `*` or `?`, which an IAM resource would read as wildcards. */
export const S3_KEY_PREFIX_PATTERN = /^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/;
/** An Application or Network Load Balancer target group. */
export const TARGET_GROUP_ARN_PATTERN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
/** IAM grants key use on key ARNs; an alias ARN in a policy's Resource grants nothing. */
const KMS_KEY_ONLY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const LOCAL_PATH_PATTERN = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;
/** "You can't use ... aws, amazon, amzn as document name prefixes" (SSM CreateDocument API reference). */
const RESERVED_DOCUMENT_PREFIX = /^(aws|amazon|amzn)/i;

/** What the fleet-related props are checked against. */
export interface FleetPropsToValidate {
  readonly placement?: string;
  readonly namePrefix?: string;
  readonly mountPath?: string;
  readonly targetGroupArns?: readonly string[];
  readonly codeSync?: CodeSyncOptions;
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
  const known = targetGroups.filter((arn) => isKnown(arn));
  const repeated = known.filter((arn, i) => known.indexOf(arn) !== i);
  errors.check(repeated.length === 0, "targetGroupArns", `lists ${show([...new Set(repeated)])} twice`);

  const sync = props.codeSync;
  if (sync === undefined) return;
  errors.checkFormat(
    "codeSync.bucketName",
    sync.bucketName,
    S3_BUCKET_NAME_PATTERN,
    "is not an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
  );
  errors.checkFormat(
    "codeSync.prefix",
    sync.prefix,
    S3_KEY_PREFIX_PATTERN,
    'must be key segments of letters, digits and !_.\'()- separated by "/", without a leading or trailing "/", e.g. "releases/web"',
  );
  errors.checkFormat(
    "codeSync.kmsKeyArn",
    sync.kmsKeyArn,
    KMS_KEY_ONLY_ARN_PATTERN,
    'is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..." (an alias ARN grants nothing in an IAM policy)',
  );
  validateTargetPath(errors, sync.targetPath, props.mountPath ?? CLIENT_DEFAULTS.mountPath);
  checkWholeNumber(errors, "codeSync.timeoutSeconds", sync.timeoutSeconds, SYNC_TIMEOUT_SECONDS, "seconds");
  checkWholeNumber(errors, "codeSync.keepReleases", sync.keepReleases, KEEP_RELEASES, "releases");
  const namePrefix = props.namePrefix;
  if (namePrefix !== undefined && isKnown(namePrefix)) {
    errors.check(
      !RESERVED_DOCUMENT_PREFIX.test(namePrefix),
      "namePrefix",
      `${show(namePrefix)} would name the SSM document "${namePrefix}-sync-code"; SSM reserves names starting with aws, amazon or amzn`,
    );
  }
}

function validateTargetPath(errors: ValidationErrors, targetPath: string | undefined, mountPath: string) {
  if (targetPath === undefined || !isKnown(targetPath)) return;
  if (!LOCAL_PATH_PATTERN.test(targetPath)) {
    errors.add(
      "codeSync.targetPath",
      `${show(targetPath)} must be an absolute path whose parts are letters, digits, ".", "_", "-" and do not start with "."`,
    );
    return;
  }
  if (!isKnown(mountPath)) return;
  const onShare = targetPath === mountPath || targetPath.startsWith(`${mountPath}/`);
  errors.check(
    !onShare,
    "codeSync.targetPath",
    `${show(targetPath)} is on the share (mountPath ${show(mountPath)}); the code belongs on local disk, which is why it is synced from S3 (code served from EFS pays a network round trip per file it opens)`,
  );
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
export function syncSettings(options: CodeSyncOptions, region: string): Record<string, string | number> {
  return {
    SOURCE_BUCKET: options.bucketName,
    SOURCE_PREFIX: options.prefix ?? "",
    TARGET_PATH: options.targetPath ?? DEFAULT_SYNC_TARGET_PATH,
    SYNC_TIMEOUT_SECONDS: options.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS,
    KEEP_RELEASES: options.keepReleases ?? DEFAULT_KEEP_RELEASES,
    AWS_REGION: region,
  };
}

/** The shell commands that run the installed script with its settings, as the SSM document and the boot do. */
export const RUN_SYNC_COMMANDS: readonly string[] = [
  `set -a; . ${SYNC_SETTINGS_PATH}; set +a`,
  `exec ${SYNC_SCRIPT_PATH}`,
];

export interface CodeSyncProps {
  /** The instance role that gets read access to the code. */
  readonly role: IamRole;
  readonly options: CodeSyncOptions;
  /** Prefix of the document and policy names; also the value of the target tag. */
  readonly namePrefix: string;
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
    const timeout = options.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS;
    this.documentName = `${namePrefix}-sync-code`;
    this.targetTag = { key: CODE_SYNC_TAG_KEY, value: namePrefix };

    this.document = new SsmDocument(this, "document", {
      name: this.documentName,
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      content: JSON.stringify(
        {
          schemaVersion: "2.2",
          description: `Syncs the code from ${sourceUri(options)} into ${options.targetPath ?? DEFAULT_SYNC_TARGET_PATH} and switches to it atomically. Exits ${SYNC_BUSY_EXIT_CODE} at once when a sync is already running.`,
          mainSteps: [
            {
              action: "aws:runShellScript",
              name: "syncCode",
              precondition: { StringEquals: ["platformType", "Linux"] },
              inputs: {
                timeoutSeconds: String(timeout + SSM_STEP_MARGIN_SECONDS),
                runCommand: RUN_SYNC_COMMANDS,
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
      policy: jsonDocument(readCodePolicy(options, partitionOfArn(props.role.arn))),
    });

    this.sendCommand = [
      `aws ssm send-command --region ${props.region}`,
      `--document-name ${this.documentName}`,
      `--targets Key=tag:${this.targetTag.key},Values=${this.targetTag.value}`,
      "--max-concurrency 100% --max-errors 100%",
      "--query Command.CommandId --output text",
    ].join(" ");
  }
}

function sourceUri(options: CodeSyncOptions): string {
  return `s3://${options.bucketName}/${options.prefix ? `${options.prefix}/` : ""}`;
}

/**
 * List only under the prefix (`s3:prefix` condition), read only objects under it, and decrypt only
 * through S3 in the key's Region.
 */
function readCodePolicy(options: CodeSyncOptions, partition: string): object {
  const bucketArn = `arn:${partition}:s3:::${options.bucketName}`;
  const prefix = options.prefix;
  const statements: object[] = [
    {
      Sid: "ListCode",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: prefix ? { StringLike: { "s3:prefix": [`${prefix}/*`] } } : undefined,
    },
    {
      Sid: "ReadCode",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: prefix ? `${bucketArn}/${prefix}/*` : `${bucketArn}/*`,
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
