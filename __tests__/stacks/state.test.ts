import { App } from "cdktf";
import { StateStack, StateStackProps } from "../../stacks/state-stack";
import {
  configsOf,
  fullSynth,
  onlyResource,
  parsePolicy,
  readStackJson,
  TerraformJson,
} from "../helpers/synth";

const BUCKET = "example-efs-tfstate";
const KMS_KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function synthState(props: Partial<StateStackProps> = {}): { outdir: string; json: TerraformJson } {
  const outdir = fullSynth((app: App) => {
    new StateStack(app, "state", { region: "eu-west-1", bucketName: BUCKET, ...props });
  });
  return { outdir, json: readStackJson(outdir, "state") };
}

const { json } = synthState();

describe("the state bucket", () => {
  test("is named from settings and protected by prevent_destroy", () => {
    expect(onlyResource(json, "aws_s3_bucket")).toMatchObject({
      bucket: BUCKET,
      lifecycle: { prevent_destroy: true },
    });
    expect(onlyResource(json, "aws_s3_bucket").bucket_prefix).toBeUndefined();
  });

  test("without a name, gets a generated one so the stack still synthesizes", () => {
    const unnamed = synthState({ bucketName: undefined }).json;
    expect(onlyResource(unnamed, "aws_s3_bucket")).toMatchObject({
      bucket_prefix: "efs-tfstate-",
      lifecycle: { prevent_destroy: true },
    });
    expect(unnamed.terraform.backend).toEqual({ local: { path: "../../../terraform.state.tfstate" } });
  });

  test("is versioned", () => {
    expect(onlyResource(json, "aws_s3_bucket_versioning").versioning_configuration).toEqual({
      status: "Enabled",
    });
  });

  test("is encrypted with SSE-S3 by default", () => {
    expect(onlyResource(json, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } },
    ]);
  });

  test("is encrypted with SSE-KMS and a bucket key when a KMS key is given", () => {
    const withKms = synthState({ kmsKeyArn: KMS_KEY }).json;
    expect(onlyResource(withKms, "aws_s3_bucket_server_side_encryption_configuration").rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KMS_KEY },
        bucket_key_enabled: true,
      },
    ]);
  });

  test("blocks public access with all four flags and disables ACLs", () => {
    expect(onlyResource(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, "aws_s3_bucket_ownership_controls").rule).toEqual({
      object_ownership: "BucketOwnerEnforced",
    });
  });

  test("denies every request that does not use TLS, on the bucket and its objects", () => {
    const policy = onlyResource(json, "aws_s3_bucket_policy");
    const document = parsePolicy(policy.policy);
    // (The other statements' decisions: __tests__/policies/state-bucket-policy.test.ts.)
    expect(document.Statement[0]).toEqual({
      Sid: "DenyWithoutTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["${aws_s3_bucket.state-bucket.arn}", "${aws_s3_bucket.state-bucket.arn}/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    // Applied after the public-access block: S3 rejects concurrent changes to the two.
    expect(policy.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\./)]);
  });

  test("expires noncurrent state versions, then the delete markers left alone, and aborts stale multipart uploads", () => {
    const lifecycle = onlyResource(json, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule).toEqual([
      {
        id: "expire-noncurrent-state-versions",
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
      {
        id: "expire-delete-markers",
        status: "Enabled",
        filter: [{}],
        // alone in its expiration block: S3 refuses it together with days or date
        expiration: [{ expired_object_delete_marker: true }],
      },
    ]);
    expect(lifecycle.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    const custom = synthState({ noncurrentVersionExpirationDays: 30 }).json;
    expect(
      configsOf(custom, "aws_s3_bucket_lifecycle_configuration")[0].rule[0].noncurrent_version_expiration,
    ).toEqual([{ noncurrent_days: 30 }]);
  });
});

describe("the state stack's own state", () => {
  test("is local, at a relative path named after the bucket, and needs Terraform 1.11", () => {
    expect(json.terraform.backend).toEqual({ local: { path: `../../../terraform.state.${BUCKET}.tfstate` } });
    expect(json.terraform.required_version).toBe(">= 1.11");
  });
});

// The offline plan of the state stack is in __tests__/stacks/plan.test.ts, planned with the other stacks.
