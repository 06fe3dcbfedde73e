import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";
import { MINIMAL_SETTINGS, problemsOf } from "./fixtures";

const BOUNDARY = "arn:aws:iam::111122223333:policy/efs-shared-home-boundary";

test("iam.permissionsBoundaryArn reaches the stacks", () => {
  const settings = parseSettings(
    { ...MINIMAL_SETTINGS, iam: { permissionsBoundaryArn: BOUNDARY } },
    "test.json",
  );
  expect(toStackProps(settings).permissionsBoundaryArn).toBe(BOUNDARY);
});

test.each([
  ["a role, not a policy", "arn:aws:iam::111122223333:role/boundary", "must be an IAM managed policy ARN"],
  ["a bare name", "efs-shared-home-boundary", "must be an IAM managed policy ARN"],
  ["with white space", ` ${BOUNDARY}`, "must be an IAM managed policy ARN"],
  [
    "another partition than the Region's",
    "arn:aws-cn:iam::111122223333:policy/boundary",
    'is in partition "aws-cn", but region "eu-west-1" is in "aws"',
  ],
  [
    "an AWS-managed policy",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "is an AWS-managed policy; a boundary of ours must be a policy of your account",
  ],
])("iam.permissionsBoundaryArn refuses %s", (_, arn, message) => {
  expect(problemsOf({ ...MINIMAL_SETTINGS, iam: { permissionsBoundaryArn: arn } })).toEqual([
    expect.stringMatching(
      new RegExp(`^iam\\.permissionsBoundaryArn.*${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
    ),
  ]);
});

test("a GovCloud Region takes a GovCloud boundary", () => {
  const settings = parseSettings(
    {
      region: "us-gov-west-1",
      availabilityZones: ["us-gov-west-1a", "us-gov-west-1b"],
      iam: { permissionsBoundaryArn: "arn:aws-us-gov:iam::111122223333:policy/boundary" },
    },
    "test.json",
  );
  expect(settings.iam?.permissionsBoundaryArn).toBe("arn:aws-us-gov:iam::111122223333:policy/boundary");
});

test("the ownership tag cannot be set from the settings, in any tag map", () => {
  const problems = problemsOf({
    ...MINIMAL_SETTINGS,
    tags: { Project: "mine" },
    fileSystem: { tags: { Project: "mine" } },
    monitoring: { tags: { Project: "mine" } },
  });
  for (const path of ["tags.Project", "fileSystem.tags.Project", "monitoring.tags.Project"]) {
    expect(problems).toContainEqual(
      expect.stringMatching(new RegExp(`^${path.replace(/\./g, "\\.")}.*ownership tag`)),
    );
  }
});
