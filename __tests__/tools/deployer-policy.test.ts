import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ACTIONS_BY_RESOURCE_TYPE } from "../../tools/deployer-policy/actions";
import {
  deployerPolicy,
  POLICY_FILE,
  REGENERATE_COMMAND,
  synthesizedResourceTypes,
} from "../../tools/deployer-policy/index";

const ROOT = join(__dirname, "..", "..");
// One synth of every stack of every settings file, shared by the tests below.
const resourceTypes = synthesizedResourceTypes(join(ROOT, "config"));

test("every resource type the stacks synthesize has its IAM actions in the map", () => {
  // GIVEN the resource types of every stack of every settings file in config/
  // THEN the action map covers each one (a new type fails here until its actions are added)
  expect(resourceTypes.filter((type) => !(type in ACTIONS_BY_RESOURCE_TYPE))).toEqual([]);
  expect(resourceTypes).toEqual(
    expect.arrayContaining(["aws_efs_file_system", "aws_backup_vault", "aws_s3_bucket"]),
  );
});

test("a resource type missing from the map fails the generation, naming it", () => {
  expect(() => deployerPolicy(["aws_efs_file_system", "aws_nat_gateway"])).toThrow(
    "no IAM actions for resource type(s) aws_nat_gateway: add them to ACTIONS_BY_RESOURCE_TYPE in tools/deployer-policy/actions.ts",
  );
});

test(`${POLICY_FILE} is the policy generated from the current stacks`, () => {
  const committed = JSON.parse(readFileSync(join(ROOT, POLICY_FILE), "utf8"));
  // On failure: run `npx tsx tools/deployer-policy/cli.ts` and commit the file.
  expect({ file: POLICY_FILE, regenerate: REGENERATE_COMMAND, policy: committed }).toEqual({
    file: POLICY_FILE,
    regenerate: REGENERATE_COMMAND,
    policy: deployerPolicy(resourceTypes),
  });
});

test("the deployer can pass roles only to the services the stacks' roles are for", () => {
  const policy = deployerPolicy(resourceTypes) as { Statement: Record<string, any>[] };
  const passRole = policy.Statement.filter((statement) => [statement.Action].flat().includes("iam:PassRole"));
  expect(passRole).toEqual([
    {
      Sid: "PassRoleToStackServices",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: {
        StringEquals: {
          "iam:PassedToService": ["backup.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"],
        },
      },
    },
  ]);
  // No wildcard action anywhere.
  const actions = policy.Statement.flatMap((statement) => [statement.Action].flat() as string[]);
  expect(actions.filter((action) => action.includes("*"))).toEqual([]);
});
