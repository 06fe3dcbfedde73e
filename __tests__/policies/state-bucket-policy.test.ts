import { Testing } from "cdktf";
import { StateStack, type StateStackProps } from "../../stacks/state-stack";
import { PropsValidationError } from "../../modules/shared/validation";
import {
  fakeValueOf,
  intentMismatches,
  resolveReferences,
  TEST_ACCOUNT,
  type IntentRow,
  type PolicyDocument,
} from "../helpers/iam-simulator";
import { onlyResource, parsePolicy, synth } from "../helpers/synth";

// What the state bucket's policy decides for the deploy identity and a break-glass role (issue #19).

const KEY = `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
const OTHER_KEY = `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/ffffffff-4e5f-4a6b-8c7d-8e9f0a1b2c3d`;
const DEPLOYER = `arn:aws:iam::${TEST_ACCOUNT}:role/deployer`;
const BREAK_GLASS = `arn:aws:iam::${TEST_ACCOUNT}:role/state-break-glass`;
/** An administrator: every S3 action on every bucket. */
const S3_ADMIN: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
};

function bucketPolicy(props: Partial<StateStackProps>): { policy: PolicyDocument; object: string } {
  const stack = new StateStack(Testing.app(), "state", {
    region: "eu-west-1",
    bucketName: "my-state",
    ...props,
  });
  const json = synth(stack);
  const bucketName = Object.keys(json.resource.aws_s3_bucket)[0];
  const policy = resolveReferences(
    parsePolicy(onlyResource(json, "aws_s3_bucket_policy").policy),
    fakeValueOf,
  );
  return { policy, object: `${fakeValueOf(`aws_s3_bucket.${bucketName}.arn`)}/efs/efs.tfstate` };
}

const tls = { "aws:SecureTransport": "true" };

test("with a KMS key: uploads must use it, version deletion is the break-glass role's alone", async () => {
  const { policy, object } = bucketPolicy({ kmsKeyArn: KEY, breakGlassRoleArn: BREAK_GLASS });
  const row = (r: Omit<IntentRow, "resource" | "identityPolicies" | "resourceAccount">): IntentRow => ({
    resource: object,
    resourceAccount: TEST_ACCOUNT,
    identityPolicies: [S3_ADMIN],
    ...r,
  });
  const rows: IntentRow[] = [
    row({
      why: "the backend writes state with the key",
      principal: DEPLOYER,
      action: "s3:PutObject",
      context: {
        ...tls,
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY,
      },
      expected: "Allowed",
    }),
    row({
      why: "no headers: the bucket default (this key) applies",
      principal: DEPLOYER,
      action: "s3:PutObject",
      context: tls,
      expected: "Allowed",
    }),
    row({
      why: "not with another key",
      principal: DEPLOYER,
      action: "s3:PutObject",
      context: {
        ...tls,
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": OTHER_KEY,
      },
      expected: "ExplicitlyDenied",
    }),
    row({
      why: "not with SSE-S3",
      principal: DEPLOYER,
      action: "s3:PutObject",
      context: { ...tls, "s3:x-amz-server-side-encryption": "AES256" },
      expected: "ExplicitlyDenied",
    }),
    row({
      why: "an administrator cannot delete a state version",
      principal: DEPLOYER,
      action: "s3:DeleteObjectVersion",
      context: tls,
      expected: "ExplicitlyDenied",
    }),
    row({
      why: "the break-glass role can",
      principal: BREAK_GLASS,
      action: "s3:DeleteObjectVersion",
      context: tls,
      expected: "Allowed",
    }),
    row({
      why: "the lock file is deleted (a delete marker, no version lost)",
      principal: DEPLOYER,
      action: "s3:DeleteObject",
      context: tls,
      expected: "Allowed",
    }),
    row({
      why: "nothing without TLS",
      principal: DEPLOYER,
      action: "s3:GetObject",
      context: { "aws:SecureTransport": "false" },
      expected: "ExplicitlyDenied",
    }),
  ];
  expect(await intentMismatches({ resourcePolicy: policy }, rows)).toEqual([]);
});

test("without a break-glass role nobody deletes a state version; without a key, SSE-S3 uploads pass", async () => {
  const { policy, object } = bucketPolicy({});
  const rows: IntentRow[] = [
    {
      why: "nobody deletes versions",
      principal: BREAK_GLASS,
      identityPolicies: [S3_ADMIN],
      resource: object,
      resourceAccount: TEST_ACCOUNT,
      action: "s3:DeleteObjectVersion",
      context: tls,
      expected: "ExplicitlyDenied",
    },
    {
      why: "SSE-S3 state is written",
      principal: DEPLOYER,
      identityPolicies: [S3_ADMIN],
      resource: object,
      resourceAccount: TEST_ACCOUNT,
      action: "s3:PutObject",
      context: { ...tls, "s3:x-amz-server-side-encryption": "AES256" },
      expected: "Allowed",
    },
  ];
  expect(await intentMismatches({ resourcePolicy: policy }, rows)).toEqual([]);
});

test("breakGlassRoleArn must be a role ARN", () => {
  expect(() => bucketPolicy({ breakGlassRoleArn: "arn:aws:iam::111122223333:user/alice" })).toThrow(
    PropsValidationError,
  );
  expect(() => bucketPolicy({ breakGlassRoleArn: "arn:aws:iam::111122223333:user/alice" })).toThrow(
    /breakGlassRoleArn: "arn:aws:iam::111122223333:user\/alice" is not an IAM role ARN/,
  );
});
