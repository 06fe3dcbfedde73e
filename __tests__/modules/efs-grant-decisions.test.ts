import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SharedFileSystem } from "../../modules/efs";
import { decide, Decision, PolicyDocument, resolveReferences } from "../helpers/iam-simulator";
import {
  configsOf,
  onlyResource,
  parsePolicy,
  resourcesOf,
  synth,
  testStack,
  TerraformJson,
} from "../helpers/synth";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// Grants judged by what the policies decide, not by how their statements are laid out (issue #23):
// the same answers must hold whether each grant is a statement or statements are merged per level.

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
    vpcId: TEST_VPC_ID,
    subnets: TEST_SUBNETS,
    accessPoints: { app: { path: "/app" }, web: { path: "/web" } },
  });
  const role = byArn ? { roleArn: ROLE_ARN } : new IamRole(stack, "task-role", { assumeRolePolicy: "{}" });
  for (const { level, accessPoint } of grants) {
    fs[GRANT[level]](role, accessPoint ? { accessPoint: fs.accessPoints[accessPoint] } : {});
  }
  return synth(stack);
}

const FILE_SYSTEM_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const ACCESS_POINT_ARNS = {
  app: "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0aaaaaaaaaaaaaaa1",
  web: "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0aaaaaaaaaaaaaaa2",
};
const TASK_ROLE_ARN = "arn:aws:iam::111122223333:role/task-role";

/** The synthesized policies with concrete ARNs where Terraform would put them. */
function policiesOf(json: TerraformJson) {
  const address = (type: string, prefix: string) =>
    `${type}.${Object.keys(resourcesOf(json, type)).find((name) => name.startsWith(prefix))}`;
  const values = {
    [`${address("aws_efs_file_system", "shared_file-system_")}.arn`]: FILE_SYSTEM_ARN,
    [`${address("aws_efs_access_point", "shared_access-point-app_")}.arn`]: ACCESS_POINT_ARNS.app,
    [`${address("aws_efs_access_point", "shared_access-point-web_")}.arn`]: ACCESS_POINT_ARNS.web,
    "aws_iam_role.task-role.arn": TASK_ROLE_ARN,
  };
  const resolve = (policy: string) => resolveReferences(parsePolicy(policy), values) as PolicyDocument;
  return {
    fileSystem: resolve(onlyResource(json, "aws_efs_file_system_policy").policy),
    identity: configsOf(json, "aws_iam_role_policy").map((p) => resolve(p.policy)),
  };
}

/** Who may do what, and through which access point, by each policy on its own. */
async function decisions(json: TerraformJson, principal: string) {
  const { fileSystem, identity } = policiesOf(json);
  const through: Record<string, string | undefined> = {
    ...ACCESS_POINT_ARNS,
    other: OTHER_AP_ARN,
    none: undefined,
  };
  const table = async (policies: {
    resourcePolicy?: PolicyDocument;
    identityPolicies?: readonly PolicyDocument[];
  }) => {
    const result: Record<string, string[]> = {};
    for (const [name, accessPoint] of Object.entries(through)) {
      result[name] = [];
      for (const action of ACTIONS) {
        const decision: Decision = await decide({
          ...policies,
          principal,
          action,
          resource: FILE_SYSTEM_ARN,
          context: {
            "aws:SecureTransport": "true",
            "elasticfilesystem:AccessedViaMountTarget": "true",
            ...(accessPoint && { "elasticfilesystem:AccessPointArn": accessPoint }),
          },
        });
        if (decision === "Allowed") result[name].push(action);
      }
    }
    return result;
  };
  return {
    fileSystem: await table({ resourcePolicy: fileSystem }),
    identity: await table({ identityPolicies: identity }),
  };
}

describe("grants through two access points", () => {
  test.each<[string, Level, Level]>([
    ["read-write through both", "read-write", "read-write"],
    ["read through both", "read", "read"],
    ["root through both", "root", "root"],
    ["read through one, read-write through the other", "read", "read-write"],
  ])(
    "one role, %s: each access point allows its own level, and nothing else",
    async (_, appLevel, webLevel) => {
      // GIVEN / WHEN
      const json = build([
        { level: appLevel, accessPoint: "app" },
        { level: webLevel, accessPoint: "web" },
      ]);
      // THEN: in the file-system policy and in the role's identity policy alike
      const expected = {
        app: ALLOWED_ACTIONS[appLevel],
        web: ALLOWED_ACTIONS[webLevel],
        other: [],
        none: [],
      };
      const { fileSystem, identity } = await decisions(json, TASK_ROLE_ARN);
      expect(fileSystem).toEqual(expected);
      expect(identity).toEqual(expected);
    },
  );

  test("a role given by ARN, read-write through both access points, may write through each", async () => {
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
    const { fileSystem, identity } = await decisions(json, ROLE_ARN);
    expect(fileSystem).toEqual(expected);
    expect(identity).toEqual(expected);
  });

  test("a grant without an access point next to one through an access point allows both ways in", async () => {
    const json = build([
      { level: "read", accessPoint: undefined },
      { level: "read-write", accessPoint: "web" },
    ]);
    const { fileSystem, identity } = await decisions(json, TASK_ROLE_ARN);
    const expected = {
      app: ALLOWED_ACTIONS.read,
      web: ALLOWED_ACTIONS["read-write"],
      other: ALLOWED_ACTIONS.read,
      none: ALLOWED_ACTIONS.read,
    };
    expect(fileSystem).toEqual(expected);
    expect(identity).toEqual(expected);
  });

  test("nobody else is allowed, and nothing without TLS", async () => {
    const { fileSystem } = policiesOf(build([{ level: "root", accessPoint: "app" }]));
    const request = {
      resourcePolicy: fileSystem,
      action: "elasticfilesystem:ClientMount",
      resource: FILE_SYSTEM_ARN,
      context: {
        "aws:SecureTransport": "true",
        "elasticfilesystem:AccessedViaMountTarget": "true",
        "elasticfilesystem:AccessPointArn": ACCESS_POINT_ARNS.app,
      },
    };
    expect(await decide({ ...request, principal: "arn:aws:iam::444455556666:role/other" })).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await decide({
        ...request,
        principal: TASK_ROLE_ARN,
        context: { ...request.context, "aws:SecureTransport": "false" },
      }),
    ).toBe("ExplicitlyDenied");
  });
});
