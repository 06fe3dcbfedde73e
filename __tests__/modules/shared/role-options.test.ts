import { Testing } from "cdktf";
import { SharedFileSystem } from "../../../modules/efs";
import { EfsClients } from "../../../modules/clients";
import { AwsBackupPlan } from "../../../modules/backup";
import { Network } from "../../../modules/network";
import { EfsWithBackupStack } from "../../../stacks/efs-with-backup-stack";
import { OWNERSHIP_TAG, STACK_IAM_PATH } from "../../../stacks/ownership";
import { configsOf, synth, testStack } from "../../helpers/synth";

const BOUNDARY = "arn:aws:iam::111122223333:policy/efs-shared-home-boundary";
const SUBNETS = [
  { id: "subnet-0123456789abcdef0", availabilityZone: "eu-west-1a" },
  { id: "subnet-0123456789abcdef1", availabilityZone: "eu-west-1b" },
];
const OPTIONS = { permissionsBoundaryArn: BOUNDARY, iamPath: "/efs-shared-home/" };

/** Every construct that creates a role, in one stack, with `options`. */
function buildAll(options: object) {
  const stack = testStack();
  new Network(stack, "network", { availabilityZones: ["eu-west-1a", "eu-west-1b"], ...options });
  const fileSystem = new SharedFileSystem(stack, "shared", {
    vpcId: "vpc-0123456789abcdef0",
    subnets: SUBNETS,
  });
  new EfsClients(stack, "clients", {
    vpcId: "vpc-0123456789abcdef0",
    subnets: SUBNETS,
    fileSystem,
    region: "eu-west-1",
    ...options,
  });
  new AwsBackupPlan(stack, "aws-backup", { resourceArns: [fileSystem.fileSystemArn], ...options });
  return synth(stack);
}

test("every role the modules create carries the boundary and the path, and the instance profile the path", () => {
  // GIVEN the network, clients and AWS Backup with a boundary and a path
  const json = buildAll(OPTIONS);
  // THEN each of their roles has both, and the instance profile the path
  const roles = configsOf(json, "aws_iam_role");
  expect(roles).toHaveLength(3);
  for (const role of roles) {
    expect(role).toMatchObject({ permissions_boundary: BOUNDARY, path: "/efs-shared-home/" });
  }
  expect(configsOf(json, "aws_iam_instance_profile")).toEqual([
    expect.objectContaining({ path: "/efs-shared-home/" }),
  ]);
});

test("without the options no role changes: no boundary, no path", () => {
  const json = buildAll({});
  for (const config of [...configsOf(json, "aws_iam_role"), ...configsOf(json, "aws_iam_instance_profile")]) {
    expect(config.permissions_boundary).toBeUndefined();
    expect(config.path).toBeUndefined();
  }
});

test.each([
  ["permissionsBoundaryArn", "arn:aws:iam::111122223333:role/boundary", "is not an IAM managed policy ARN"],
  ["permissionsBoundaryArn", "efs-shared-home-boundary", "is not an IAM managed policy ARN"],
  ["iamPath", "efs-shared-home", "is not an IAM path"],
  ["iamPath", "/efs shared/", "is not an IAM path"],
])("%s %j is refused by every construct that creates a role", (prop, value, message) => {
  const build = [
    (stack: ReturnType<typeof testStack>) =>
      new Network(stack, "network", { availabilityZones: ["eu-west-1a", "eu-west-1b"], [prop]: value }),
    (stack: ReturnType<typeof testStack>) =>
      new EfsClients(stack, "clients", {
        vpcId: "vpc-0123456789abcdef0",
        subnets: SUBNETS,
        fileSystem: new SharedFileSystem(stack, "shared", {
          vpcId: "vpc-0123456789abcdef0",
          subnets: SUBNETS,
        }),
        region: "eu-west-1",
        [prop]: value,
      }),
    (stack: ReturnType<typeof testStack>) =>
      new AwsBackupPlan(stack, "aws-backup", { resourceArns: ["arn:aws:x"], [prop]: value }),
  ];
  for (const make of build) {
    expect(() => make(testStack())).toThrow(`${prop}: ${JSON.stringify(value)} ${message}`);
  }
});

test("the stacks put every role under their path with the boundary, and the ownership tag wins over settings tags", () => {
  // GIVEN the stack with backups, a boundary, and tags that try to set Project
  const app = Testing.app();
  const stack = new EfsWithBackupStack(app, "efs-with-backup", {
    region: "eu-west-1",
    network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
    permissionsBoundaryArn: BOUNDARY,
    tags: { Project: "something-else", Team: "storage" },
  });
  const json = synth(stack);
  // THEN the flow-log, clients, backup-host and AWS Backup roles all carry both
  const roles = configsOf(json, "aws_iam_role");
  expect(roles).toHaveLength(4);
  for (const role of roles) {
    expect(role).toMatchObject({ permissions_boundary: BOUNDARY, path: STACK_IAM_PATH });
  }
  for (const profile of configsOf(json, "aws_iam_instance_profile")) {
    expect(profile.path).toBe(STACK_IAM_PATH);
  }
  // AND the provider's default tags keep the ownership tag the deployer policy scopes by
  const provider = (json as any).provider.aws[0];
  expect(provider.default_tags[0].tags).toMatchObject({
    [OWNERSHIP_TAG.key]: OWNERSHIP_TAG.value,
    Team: "storage",
  });
});

test("a stack refuses a boundary that is not a policy ARN", () => {
  expect(
    () =>
      new EfsWithBackupStack(Testing.app(), "efs-with-backup", {
        region: "eu-west-1",
        network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
        permissionsBoundaryArn: "arn:aws:iam::111122223333:role/x",
      }),
  ).toThrow('permissionsBoundaryArn: "arn:aws:iam::111122223333:role/x" is not an IAM managed policy ARN');
});
