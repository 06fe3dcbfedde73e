import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { useLocalBackend } from "./backend";
import { stackDefaultTags } from "./ownership";
import { jsonDocument } from "../modules/shared/json";
import { ValidationErrors } from "../modules/shared/validation";
import { ROLE_ARN_PATTERN } from "../modules/shared/patterns";

/** Days after which a state version that is no longer current is deleted, unless settings say otherwise. */
export const DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS = 90;
/** Multipart uploads left behind by an interrupted `terraform apply` are cleaned up after this many days. */
const ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS = 7;
/** Used when no bucket name is set, so the stack still synthesizes and plans; S3 appends a unique suffix. */
const BUCKET_NAME_PREFIX = "efs-tfstate-";

export interface StateStackProps {
  /** Region of the state bucket. */
  readonly region: string;
  /**
   * Name of the state bucket (`state.bucket` in settings). Set it before the first deploy: the
   * stack's own local state file is named after it, so each bucket has its own record.
   * @default - a generated name starting with "efs-tfstate-" (fine for a plan, awkward to deploy)
   */
  readonly bucketName?: string;
  /**
   * KMS key for default bucket encryption (SSE-KMS with an S3 bucket key, which cuts KMS requests).
   * @default - SSE-S3 (AES-256), which is what the S3 backend's `encrypt` uses without a KMS key
   */
  readonly kmsKeyArn?: string;
  /**
   * Days after which an old (noncurrent) state version is deleted.
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * The only role that may delete a state object's versions (`s3:DeleteObjectVersion`), for a
   * break-glass cleanup; the bucket policy denies it to every other principal, administrators too.
   * Lifecycle expiry of old versions is not a request and is not affected.
   * @default - nobody: versions go only by lifecycle expiry
   */
  readonly breakGlassRoleArn?: string;
  /**
   * Tags on every resource, through the provider's default tags.
   * @default - Project, Stack and ManagedBy tags only
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The bootstrap stack: the S3 bucket that holds every other stack's Terraform state. Its own state
 * is always local (it cannot live in the bucket it creates). The bucket is versioned, encrypted,
 * private (all four public-access-block flags, ACLs disabled), reachable over TLS only, and protected
 * by `prevent_destroy`; old state versions expire, and so do the delete markers left alone after them.
 */
export class StateStack extends TerraformStack {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, name: string, props: StateStackProps) {
    super(scope, name);
    const errors = new ValidationErrors(this.node.path);
    errors.checkFormat(
      "breakGlassRoleArn",
      props.breakGlassRoleArn,
      ROLE_ARN_PATTERN,
      'is not an IAM role ARN such as "arn:aws:iam::111122223333:role/state-break-glass"',
    );
    errors.throwIfAny();
    useLocalBackend(
      this,
      name,
      props.bucketName ? `terraform.${name}.${props.bucketName}.tfstate` : `terraform.${name}.tfstate`,
    );
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: stackDefaultTags(name, props.tags) }],
    });

    this.bucket = new S3Bucket(this, "state-bucket", {
      bucket: props.bucketName,
      bucketPrefix: props.bucketName ? undefined : BUCKET_NAME_PREFIX,
      // Losing this bucket loses the record of every deployed resource.
      lifecycle: { preventDestroy: true },
    });
    const bucket = this.bucket.id;

    const versioning = new S3BucketVersioningA(this, "state-bucket-versioning", {
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });

    new S3BucketServerSideEncryptionConfigurationA(this, "state-bucket-encryption", {
      bucket,
      rule: [
        props.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: props.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "state-bucket-public-access-block", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketOwnershipControls(this, "state-bucket-ownership", {
      bucket,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    // S3 rejects concurrent changes to one bucket's policy and public-access block, so order them.
    new S3BucketPolicy(this, "state-bucket-policy", {
      bucket,
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyWithoutTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          // A state version is the way back from a bad apply; only the break-glass role deletes one.
          {
            Sid: "DenyVersionDeletion",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:DeleteObjectVersion",
            Resource: `${this.bucket.arn}/*`,
            ...(props.breakGlassRoleArn && {
              Condition: { ArnNotEquals: { "aws:PrincipalArn": props.breakGlassRoleArn } },
            }),
          },
          // Uploads that ask for another key, or for SSE-S3, would be readable without our key.
          // Without the headers S3 encrypts with the bucket default, which is this key.
          ...(props.kmsKeyArn
            ? [
                {
                  Sid: "DenyUploadsWithoutTheStateKey",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:PutObject",
                  Resource: `${this.bucket.arn}/*`,
                  // Null false: only when the header is there (a negated operator matches a missing key).
                  Condition: {
                    Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
                    StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": props.kmsKeyArn },
                  },
                },
                {
                  Sid: "DenyUploadsWithAnotherEncryption",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "s3:PutObject",
                  Resource: `${this.bucket.arn}/*`,
                  Condition: {
                    Null: { "s3:x-amz-server-side-encryption": "false" },
                    StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
                  },
                },
              ]
            : []),
        ],
      }),
      dependsOn: [publicAccessBlock],
    });

    // The provider's docs ask for the versioning resource to exist before noncurrent-version rules.
    new S3BucketLifecycleConfiguration(this, "state-bucket-lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-noncurrent-state-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [
            {
              noncurrentDays:
                props.noncurrentVersionExpirationDays ?? DEFAULT_NONCURRENT_VERSION_EXPIRATION_DAYS,
            },
          ],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_MULTIPART_UPLOAD_DAYS }],
        },
        {
          // Every run with `use_lockfile` deletes its `.tflock`, which leaves a delete marker; once the
          // versions behind it have expired, the marker is alone and S3 removes it. A rule of its own:
          // S3 refuses `ExpiredObjectDeleteMarker` together with `Days` or `Date` in one Expiration
          // (S3 API Reference, "LifecycleExpiration").
          id: "expire-delete-markers",
          status: "Enabled",
          filter: [{}],
          expiration: [{ expiredObjectDeleteMarker: true }],
        },
      ],
      dependsOn: [versioning],
    });

    new TerraformOutput(this, "state_bucket_name", {
      value: this.bucket.bucket,
      description: "Put this in state.bucket of each environment's settings",
    });
    new TerraformOutput(this, "state_bucket_arn", {
      value: this.bucket.arn,
      description: "State bucket ARN",
    });
  }
}
