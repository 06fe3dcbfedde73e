import { Testing } from "cdktf";
import { Network } from "../../modules/network";
import { EfsStack } from "../../stacks/efs-stack";
import { TEST_STACK_PROPS } from "../helpers/app";
import {
  fakeValueOf,
  intentMismatches,
  resolveReferences,
  TEST_ACCOUNT,
  type IntentRow,
  type PolicyDocument,
} from "../helpers/iam-simulator";
import { configsOf, parsePolicy, synth, testStack } from "../helpers/synth";

// What the private subnets' VPC endpoints let through (#19). An endpoint policy only limits: the
// callers below have every permission in their own account, so the endpoint alone decides.

const HOST_ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/host`;
const STRANGER = "arn:aws:iam::444455556666:role/exfiltration";
const EVERYTHING: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
};

const EVERYTHING_FOR_EVERYONE: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }],
};

function endpointPolicies(codeBucket?: string) {
  const stack = testStack();
  const network = new Network(stack, "network", {
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    vpcEndpoints: { region: "eu-west-1", interfaceServices: ["ssm", "sns"] },
  });
  if (codeBucket) network.endpoints!.allowS3BucketRead(codeBucket);
  const json = synth(stack);
  const policyOf = (service: string) => {
    const endpoint = configsOf(json, "aws_vpc_endpoint").find(
      (e) => e.service_name === `com.amazonaws.eu-west-1.${service}`,
    );
    // Without a policy, AWS attaches its default: everything, for everyone.
    if (endpoint!.policy === undefined) return EVERYTHING_FOR_EVERYONE;
    return resolveReferences(parsePolicy(endpoint!.policy), fakeValueOf) as PolicyDocument;
  };
  return { s3: policyOf("s3"), sns: policyOf("sns") };
}

/** A bucket policy of another account that lets anyone read (the AL2023 repositories) or do anything. */
const bucketPolicy = (action: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: action, Resource: "*" }],
});

const s3Row = (r: Omit<IntentRow, "resourceAccount"> & { resourceAccount?: string }): IntentRow => ({
  identityPolicies: [EVERYTHING],
  resourceAccount: TEST_ACCOUNT,
  ...r,
});

test("the S3 gateway lets hosts reach the Amazon Linux repositories, the code bucket and our account's buckets, nothing else", async () => {
  const { s3 } = endpointPolicies("partner-code-bucket");
  const rows: IntentRow[] = [
    s3Row({
      why: "dnf reads the AL2023 repository",
      principal: HOST_ROLE,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/core/mirrors/latest/x86_64/mirror.list",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "Allowed",
    }),
    s3Row({
      why: "even without credentials (dnf signs nothing)",
      principal: "anonymous",
      identityPolicies: undefined,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/core/mirrors/latest/x86_64/mirror.list",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "Allowed",
    }),
    s3Row({
      why: "but cannot write there",
      principal: HOST_ROLE,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::al2023-repos-eu-west-1-de612dc2/x",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "ImplicitlyDenied",
    }),
    s3Row({
      why: "code sync reads the code bucket, in another account",
      principal: HOST_ROLE,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::partner-code-bucket/releases/app.tgz",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "Allowed",
    }),
    s3Row({
      why: "and lists it",
      principal: HOST_ROLE,
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::partner-code-bucket",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "Allowed",
    }),
    s3Row({
      why: "but does not write it",
      principal: HOST_ROLE,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::partner-code-bucket/x",
      resourceAccount: "999988887777",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "ImplicitlyDenied",
    }),
    s3Row({
      why: "our role, our account's bucket",
      principal: HOST_ROLE,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::our-bucket/x",
      expected: "Allowed",
    }),
    s3Row({
      why: "no upload to a bucket elsewhere",
      principal: HOST_ROLE,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::attacker-bucket/loot",
      resourceAccount: "444455556666",
      resourcePolicy: bucketPolicy("s3:*"),
      expected: "ImplicitlyDenied",
    }),
    s3Row({
      why: "no foreign credentials on our buckets either",
      principal: STRANGER,
      action: "s3:GetObject",
      resource: "arn:aws:s3:::our-bucket/x",
      expected: "ImplicitlyDenied",
    }),
  ];
  expect(await intentMismatches({ vpcEndpointPolicies: [s3] }, rows)).toEqual([]);
});

test("interface endpoints take only our account's principals", async () => {
  const { sns } = endpointPolicies();
  const topic = `arn:aws:sns:eu-west-1:${TEST_ACCOUNT}:alarms`;
  const rows: IntentRow[] = [
    {
      why: "the backup host publishes",
      principal: HOST_ROLE,
      identityPolicies: [EVERYTHING],
      action: "sns:Publish",
      resource: topic,
      expected: "Allowed",
    },
    {
      why: "foreign credentials do not pass",
      principal: STRANGER,
      identityPolicies: [EVERYTHING],
      action: "sns:Publish",
      resource: "arn:aws:sns:eu-west-1:444455556666:t",
      expected: "ImplicitlyDenied",
    },
  ];
  expect(await intentMismatches({ vpcEndpointPolicies: [sns] }, rows)).toEqual([]);
});

test("the efs stack lets the code-sync bucket through its S3 gateway", () => {
  const stack = new EfsStack(Testing.app(), "efs", {
    ...TEST_STACK_PROPS,
    hostSubnets: "private",
    clients: { codeSync: { bucketName: "partner-code" } },
  });
  const gateway = configsOf(synth(stack), "aws_vpc_endpoint").find((e) => e.vpc_endpoint_type === "Gateway");
  const readable = parsePolicy(gateway!.policy).Statement.find(
    (s: { Sid: string }) => s.Sid === "ReadableBuckets",
  );
  expect(readable.Resource).toEqual([
    expect.stringMatching(/^arn:\$\{.*\}:s3:::partner-code$/),
    expect.stringMatching(/^arn:\$\{.*\}:s3:::partner-code\/\*$/),
  ]);
});
