import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SharedFileSystem } from "../../modules/efs";
import { decide, IamRequest } from "../helpers/iam-decision";
import {
  configsOf,
  onlyResource,
  parsePolicy,
  resourcesOf,
  synth,
  testStack,
  TerraformJson,
} from "../helpers/synth";

// Grants judged by what the policies decide, not by how their statements are laid out (issue #23):
// the same answers must hold whether each grant is a statement or statements are merged per level.

const SUBNETS = [
  { id: "subnet-a", availabilityZone: "eu-west-1a" },
  { id: "subnet-b", availabilityZone: "eu-west-1b" },
];
const ROLE_ARN = "arn:aws:iam::111122223333:role/teams/web/app";
const OTHER_AP_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0fffffffffffffff0";

type Level = "read" | "read-write" | "root";
const GRANT: Record<Level, "grantRead" | "grantReadWrite" | "grantRootAccess"> = {
  read: "grantRead",
  "read-write": "grantReadWrite",
  root: "grantRootAccess",
};
const ACTIONS = [
  "elasticfilesystem:ClientMount",
  "elasticfilesystem:ClientWrite",
  "elasticfilesystem:ClientRootAccess",
] as const;
const ALLOWED_ACTIONS: Record<Level, readonly string[]> = {
  read: ACTIONS.slice(0, 1),
  "read-write": ACTIONS.slice(0, 2),
  root: ACTIONS,
};

function build(grants: readonly { level: Level; accessPoint: "app" | "web" | undefined }[], byArn = false) {
  const stack = testStack();
  const fs = new SharedFileSystem(stack, "shared", {
    vpcId: "vpc-1",
    subnets: SUBNETS,
    accessPoints: { app: { path: "/app" }, web: { path: "/web" } },
  });
  const role = byArn ? { roleArn: ROLE_ARN } : new IamRole(stack, "task-role", { assumeRolePolicy: "{}" });
  for (const { level, accessPoint } of grants) {
    fs[GRANT[level]](role, accessPoint ? { accessPoint: fs.accessPoints[accessPoint] } : {});
  }
  return synth(stack);
}

function accessPointArn(json: TerraformJson, name: string): string {
  const [address] = Object.keys(resourcesOf(json, "aws_efs_access_point")).filter((key) =>
    key.startsWith(`shared_access-point-${name}_`),
  );
  return `\${aws_efs_access_point.${address}.arn}`;
}

/** Who may do what, and through which access point, by each policy. */
function decisions(json: TerraformJson, principal: string) {
  const fileSystemArn = `\${aws_efs_file_system.${Object.keys(resourcesOf(json, "aws_efs_file_system"))[0]}.arn}`;
  const fileSystemPolicy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy).Statement;
  const identityPolicy = configsOf(json, "aws_iam_role_policy").flatMap(
    (p) => parsePolicy(p.policy).Statement,
  );
  const through: Record<string, string | undefined> = {
    app: accessPointArn(json, "app"),
    web: accessPointArn(json, "web"),
    other: OTHER_AP_ARN,
    none: undefined,
  };
  const table = (policy: "fileSystem" | "identity") =>
    Object.fromEntries(
      Object.entries(through).map(([name, arn]) => [
        name,
        ACTIONS.filter((action) => {
          const request: IamRequest = {
            principal: policy === "fileSystem" ? principal : undefined,
            action,
            resource: fileSystemArn,
            context: {
              "aws:SecureTransport": "true",
              "elasticfilesystem:AccessedViaMountTarget": "true",
              "elasticfilesystem:AccessPointArn": arn,
            },
          };
          return decide(policy === "fileSystem" ? fileSystemPolicy : identityPolicy, request) === "allow";
        }),
      ]),
    );
  return { fileSystem: table("fileSystem"), identity: table("identity") };
}

describe("grants through two access points", () => {
  test.each<[string, Level, Level]>([
    ["read-write through both", "read-write", "read-write"],
    ["read through both", "read", "read"],
    ["root through both", "root", "root"],
    ["read through one, read-write through the other", "read", "read-write"],
  ])("one role, %s: each access point allows its own level, and nothing else", (_, appLevel, webLevel) => {
    // GIVEN / WHEN
    const json = build([
      { level: appLevel, accessPoint: "app" },
      { level: webLevel, accessPoint: "web" },
    ]);
    // THEN: in the file-system policy and in the role's identity policy alike
    const expected = { app: ALLOWED_ACTIONS[appLevel], web: ALLOWED_ACTIONS[webLevel], other: [], none: [] };
    const { fileSystem, identity } = decisions(json, "${aws_iam_role.task-role.arn}");
    expect(fileSystem).toEqual(expected);
    expect(identity).toEqual(expected);
  });

  test("a role given by ARN, read-write through both access points, may write through each", () => {
    const json = build(
      [
        { level: "read-write", accessPoint: "app" },
        { level: "read-write", accessPoint: "web" },
      ],
      true,
    );
    const expected = {
      app: ALLOWED_ACTIONS["read-write"],
      web: ALLOWED_ACTIONS["read-write"],
      other: [],
      none: [],
    };
    const { fileSystem, identity } = decisions(json, ROLE_ARN);
    expect(fileSystem).toEqual(expected);
    expect(identity).toEqual(expected);
  });

  test("a grant without an access point next to one through an access point allows both ways in", () => {
    const json = build([
      { level: "read", accessPoint: undefined },
      { level: "read-write", accessPoint: "web" },
    ]);
    const { fileSystem, identity } = decisions(json, "${aws_iam_role.task-role.arn}");
    const expected = {
      app: ALLOWED_ACTIONS.read,
      web: ALLOWED_ACTIONS["read-write"],
      other: ALLOWED_ACTIONS.read,
      none: ALLOWED_ACTIONS.read,
    };
    expect(fileSystem).toEqual(expected);
    expect(identity).toEqual(expected);
  });

  test("nobody else is allowed, and nothing without TLS", () => {
    const json = build([{ level: "root", accessPoint: "app" }]);
    const fileSystemArn = `\${aws_efs_file_system.${Object.keys(resourcesOf(json, "aws_efs_file_system"))[0]}.arn}`;
    const policy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy).Statement;
    const context = {
      "aws:SecureTransport": "true",
      "elasticfilesystem:AccessedViaMountTarget": "true",
      "elasticfilesystem:AccessPointArn": accessPointArn(json, "app"),
    };
    const request = { action: "elasticfilesystem:ClientMount", resource: fileSystemArn, context };
    expect(decide(policy, { ...request, principal: "arn:aws:iam::444455556666:role/other" })).toBe(
      "implicit-deny",
    );
    expect(
      decide(policy, {
        ...request,
        principal: "${aws_iam_role.task-role.arn}",
        context: { ...context, "aws:SecureTransport": "false" },
      }),
    ).toBe("deny");
  });
});
