import { TerraformStack, TerraformVariable } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import {
  FILE_SYSTEM_POLICY_MAX_CHARACTERS,
  SharedFileSystem,
  type SharedFileSystemProps,
} from "../../modules/efs";
import { PropsValidationError } from "../../modules/shared/validation";
import {
  ANONYMOUS,
  fakeValueOf,
  intentMismatches,
  OTHER_ACCOUNT,
  resolveReferences,
  TEST_ACCOUNT,
  type IntentRow,
  type PolicyDocument,
} from "../helpers/iam-simulator";
import { configsOf, onlyResource, parsePolicy, synth, testStack, type TerraformJson } from "../helpers/synth";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// What the file-system policy and the grants' inline policies decide, evaluated together by an IAM
// policy simulator (issue #19). Every ARN is the fake one `fakeValueOf` gives the Terraform reference.

const OTHER_ACCOUNT_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/partner`;
const roleArn = (terraformName: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${terraformName}`;

/** An identity policy that allows every EFS action: an administrator, or a role a partner account wrote for itself. */
const EFS_ADMIN: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "elasticfilesystem:*", Resource: "*" }],
};

/** TLS through a mount target, as the EFS mount helper with `tls` connects; `accessPoint` when mounted through one. */
function mountContext(accessPoint?: string, { tls = true } = {}): Record<string, string> {
  return {
    "aws:SecureTransport": String(tls),
    "elasticfilesystem:AccessedViaMountTarget": "true",
    ...(accessPoint && { "elasticfilesystem:AccessPointArn": accessPoint }),
  };
}

interface Built {
  readonly stack: TerraformStack;
  readonly fileSystem: SharedFileSystem;
  readonly roles: Record<string, IamRole>;
}

function build(props: Partial<SharedFileSystemProps> = {}, roleNames: string[] = []): Built {
  const stack = testStack();
  const fileSystem = new SharedFileSystem(stack, "shared", {
    vpcId: TEST_VPC_ID,
    subnets: TEST_SUBNETS,
    accessPoints: { web: { path: "/web" }, media: { path: "/media" } },
    ...props,
  });
  const roles = Object.fromEntries(
    roleNames.map((name) => [name, new IamRole(stack, name, { name, assumeRolePolicy: "{}" })]),
  );
  return { stack, fileSystem, roles };
}

interface Synthesized {
  readonly json: TerraformJson;
  readonly fileSystemArn: string;
  readonly accessPointArn: (name: string) => string;
  readonly fileSystemPolicy: PolicyDocument;
  /** The inline policies on the role with this Terraform name. */
  identityPoliciesOf(roleTerraformName: string): PolicyDocument[];
  /** The Terraform name of the role construct `id`. */
  roleName(id: string): string;
}

function synthesize(built: Built): Synthesized {
  const json = synth(built.stack);
  // Testing.synth writes no construct paths; a Terraform name is the path joined by "_" and a hash.
  const terraformNameOf = (type: string, path: string) => {
    const names = Object.keys(json.resource[type] ?? {}).filter((name) =>
      new RegExp(`^${path}(_[0-9A-F]{8})?$`).test(name),
    );
    if (names.length !== 1) throw new Error(`expected one ${type} at ${path}, found ${names.length}`);
    return names[0];
  };
  const fileSystemArn = fakeValueOf(
    `aws_efs_file_system.${terraformNameOf("aws_efs_file_system", "shared_file-system")}.arn`,
  )!;
  return {
    json,
    fileSystemArn,
    accessPointArn: (name) =>
      fakeValueOf(
        `aws_efs_access_point.${terraformNameOf("aws_efs_access_point", `shared_access-point-${name}`)}.arn`,
      )!,
    fileSystemPolicy: resolveReferences(
      parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy),
      fakeValueOf,
    ),
    identityPoliciesOf: (roleTerraformName) =>
      configsOf(json, "aws_iam_role_policy")
        .filter((p) => p.role === `\${aws_iam_role.${roleTerraformName}.id}` || p.role === roleTerraformName)
        .map((p) => resolveReferences(parsePolicy(p.policy), fakeValueOf)),
    roleName: (id) => terraformNameOf("aws_iam_role", id),
  };
}

/** Rows for one principal with its own synthesized identity policies. */
function rowsFor(
  s: Synthesized,
  principalArn: string,
  identityPolicies: readonly PolicyDocument[],
  rows: Omit<IntentRow, "principal" | "resource">[],
): IntentRow[] {
  return rows.map((row) => ({
    resource: s.fileSystemArn,
    principal: principalArn,
    identityPolicies,
    ...row,
  }));
}

describe("the file-system policy, decided", () => {
  test("each grant level allows exactly its actions, through a mount target, over TLS only", async () => {
    // GIVEN one role per level
    const built = build({}, ["reader", "writer", "admin"]);
    built.fileSystem.grantRead(built.roles.reader);
    built.fileSystem.grantReadWrite(built.roles.writer);
    built.fileSystem.grantRootAccess(built.roles.admin);
    // WHEN
    const s = synthesize(built);
    const policiesOf = (id: string) => s.identityPoliciesOf(s.roleName(id));
    const reader = roleArn(s.roleName("reader"));
    const writer = roleArn(s.roleName("writer"));
    const admin = roleArn(s.roleName("admin"));
    // THEN
    const rows: IntentRow[] = [
      ...rowsFor(s, reader, policiesOf("reader"), [
        {
          why: "read grant mounts",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(),
          expected: "Allowed",
        },
        {
          why: "read grant cannot write",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
        {
          why: "read grant is root-squashed",
          action: "elasticfilesystem:ClientRootAccess",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
        {
          why: "no mount without TLS",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(undefined, { tls: false }),
          expected: "ExplicitlyDenied",
        },
        {
          why: "no mount except through a mount target",
          action: "elasticfilesystem:ClientMount",
          context: { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "false" },
          expected: "ImplicitlyDenied",
        },
      ]),
      ...rowsFor(s, writer, policiesOf("writer"), [
        {
          why: "read-write grant writes",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(),
          expected: "Allowed",
        },
        {
          why: "read-write grant is root-squashed",
          action: "elasticfilesystem:ClientRootAccess",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
        {
          why: "no write without TLS",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(undefined, { tls: false }),
          expected: "ExplicitlyDenied",
        },
      ]),
      ...rowsFor(s, admin, policiesOf("admin"), [
        {
          why: "root grant writes as root",
          action: "elasticfilesystem:ClientRootAccess",
          context: mountContext(),
          expected: "Allowed",
        },
        {
          why: "root grant writes",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(),
          expected: "Allowed",
        },
        {
          why: "a grant is no management right",
          action: "elasticfilesystem:PutFileSystemPolicy",
          context: { "aws:SecureTransport": "true" },
          expected: "ImplicitlyDenied",
        },
      ]),
      ...rowsFor(
        s,
        OTHER_ACCOUNT_ROLE,
        [EFS_ADMIN],
        [
          {
            why: "another account is not granted",
            action: "elasticfilesystem:ClientMount",
            context: mountContext(),
            expected: "ImplicitlyDenied",
          },
        ],
      ),
      {
        why: "anonymous is off by default",
        principal: ANONYMOUS,
        resource: s.fileSystemArn,
        action: "elasticfilesystem:ClientMount",
        context: mountContext(),
        expected: "ImplicitlyDenied",
      },
    ];
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("an access-point grant works through that access point only", async () => {
    const built = build({}, ["web"]);
    built.fileSystem.grantReadWrite(built.roles.web, { accessPoint: built.fileSystem.accessPoints.web });
    const s = synthesize(built);
    const web = roleArn(s.roleName("web"));
    const rows = rowsFor(s, web, s.identityPoliciesOf(s.roleName("web")), [
      {
        why: "writes through its access point",
        action: "elasticfilesystem:ClientWrite",
        context: mountContext(s.accessPointArn("web")),
        expected: "Allowed",
      },
      {
        why: "not through another access point",
        action: "elasticfilesystem:ClientMount",
        context: mountContext(s.accessPointArn("media")),
        expected: "ImplicitlyDenied",
      },
      {
        why: "not at the file-system root",
        action: "elasticfilesystem:ClientMount",
        context: mountContext(),
        expected: "ImplicitlyDenied",
      },
    ]);
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("accessPointsOnly denies client access outside the role's own access points, and nothing else", async () => {
    // GIVEN a role that is also an EFS administrator through another policy
    const built = build({}, ["app"]);
    built.fileSystem.grantReadWrite(built.roles.app, {
      accessPoint: built.fileSystem.accessPoints.web,
      accessPointsOnly: true,
    });
    const s = synthesize(built);
    const app = roleArn(s.roleName("app"));
    const rows = rowsFor(
      s,
      app,
      [...s.identityPoliciesOf(s.roleName("app")), EFS_ADMIN],
      [
        {
          why: "its own access point",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(s.accessPointArn("web")),
          expected: "Allowed",
        },
        {
          why: "no mount without an access point",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(),
          expected: "ExplicitlyDenied",
        },
        {
          why: "no mount through an access point that is not its own",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(s.accessPointArn("media")),
          expected: "ExplicitlyDenied",
        },
        {
          why: "management calls are not locked out",
          action: "elasticfilesystem:PutFileSystemPolicy",
          context: { "aws:SecureTransport": "true" },
          expected: "Allowed",
        },
        {
          why: "nor is reading the policy",
          action: "elasticfilesystem:DescribeFileSystemPolicy",
          context: { "aws:SecureTransport": "true" },
          expected: "Allowed",
        },
      ],
    );
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("fileSystemPolicyOnly grants another account's role through the file-system policy alone", async () => {
    const built = build();
    built.fileSystem.grantRead({ roleArn: OTHER_ACCOUNT_ROLE }, { fileSystemPolicyOnly: true });
    const s = synthesize(built);
    expect(configsOf(s.json, "aws_iam_role_policy")).toEqual([]);
    const rows = rowsFor(
      s,
      OTHER_ACCOUNT_ROLE,
      [EFS_ADMIN],
      [
        {
          why: "the partner mounts, with its own account's identity policy",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(),
          expected: "Allowed",
        },
        {
          why: "a read grant stays read-only across accounts",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
        {
          why: "nothing without its own identity policy",
          action: "elasticfilesystem:ClientMount",
          context: mountContext(),
          expected: "ImplicitlyDenied",
          identityPolicies: [],
        },
      ],
    );
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("with anonymous access on, read grants stay read-only and no other account can write", async () => {
    const built = build({ allowAnonymousAccess: true }, ["reader"]);
    built.fileSystem.grantRead(built.roles.reader);
    const s = synthesize(built);
    const reader = roleArn(s.roleName("reader"));
    const rows: IntentRow[] = [
      {
        why: "anonymous clients mount",
        principal: ANONYMOUS,
        resource: s.fileSystemArn,
        action: "elasticfilesystem:ClientMount",
        context: mountContext(),
        expected: "Allowed",
      },
      {
        why: "anonymous clients need TLS",
        principal: ANONYMOUS,
        resource: s.fileSystemArn,
        action: "elasticfilesystem:ClientMount",
        context: mountContext(undefined, { tls: false }),
        expected: "ExplicitlyDenied",
      },
      ...rowsFor(s, reader, s.identityPoliciesOf(s.roleName("reader")), [
        {
          why: "a read grant stays read-only",
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
        {
          why: "and root-squashed",
          action: "elasticfilesystem:ClientRootAccess",
          context: mountContext(),
          expected: "ImplicitlyDenied",
        },
      ]),
      ...rowsFor(
        s,
        OTHER_ACCOUNT_ROLE,
        [EFS_ADMIN],
        [
          {
            why: "another account cannot write",
            action: "elasticfilesystem:ClientWrite",
            context: mountContext(),
            expected: "ImplicitlyDenied",
          },
          {
            why: "nor be root",
            action: "elasticfilesystem:ClientRootAccess",
            context: mountContext(),
            expected: "ImplicitlyDenied",
          },
        ],
      ),
    ];
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("grantReadAsRoot reads every file as root and writes nothing", async () => {
    const built = build({}, ["backup"]);
    built.fileSystem.grantReadAsRoot(built.roles.backup);
    const s = synthesize(built);
    const rows = rowsFor(s, roleArn(s.roleName("backup")), s.identityPoliciesOf(s.roleName("backup")), [
      {
        why: "mounts",
        action: "elasticfilesystem:ClientMount",
        context: mountContext(),
        expected: "Allowed",
      },
      {
        why: "as root",
        action: "elasticfilesystem:ClientRootAccess",
        context: mountContext(),
        expected: "Allowed",
      },
      {
        why: "and cannot write",
        action: "elasticfilesystem:ClientWrite",
        context: mountContext(),
        expected: "ImplicitlyDenied",
      },
    ]);
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("grants of one level and access point share one statement, and every grantee keeps its decision", async () => {
    // GIVEN many roles, two levels, one access point
    const names = Array.from({ length: 30 }, (_, i) => `app${i}`);
    const built = build({}, names);
    for (const [i, name] of names.entries()) {
      const accessPoint = built.fileSystem.accessPoints.web;
      if (i % 2 === 0)
        built.fileSystem.grantReadWrite(built.roles[name], { accessPoint, accessPointsOnly: true });
      else built.fileSystem.grantRead(built.roles[name], { accessPoint });
    }
    const s = synthesize(built);
    // THEN: the TLS Deny, one Allow per level, one Deny for the confined roles
    expect(s.fileSystemPolicy.Statement).toHaveLength(4);
    const rows = names.flatMap((name, i) =>
      rowsFor(s, roleArn(s.roleName(name)), s.identityPoliciesOf(s.roleName(name)), [
        {
          why: `${name} writes only if read-write`,
          action: "elasticfilesystem:ClientWrite",
          context: mountContext(s.accessPointArn("web")),
          expected: i % 2 === 0 ? "Allowed" : "ImplicitlyDenied",
        },
        {
          why: `${name} is confined only if so granted`,
          action: "elasticfilesystem:ClientMount",
          context: mountContext(),
          expected: i % 2 === 0 ? "ExplicitlyDenied" : "ImplicitlyDenied",
        },
      ]),
    );
    expect(await intentMismatches({ resourcePolicy: s.fileSystemPolicy }, rows)).toEqual([]);
  });

  test("synth refuses a policy over EFS's 20,000-character limit and says how many grants it holds", () => {
    // GIVEN grants that each need their own statement: one role per access point, confined to it
    const grow = (count: number) => {
      const points = Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`ap${i}`, { path: `/ap${i}` }]),
      );
      const built = build(
        { accessPoints: points },
        Array.from({ length: count }, (_, i) => `role${i}`),
      );
      for (let i = 0; i < count; i++) {
        built.fileSystem.grantReadWrite(built.roles[`role${i}`], {
          accessPoint: built.fileSystem.accessPoints[`ap${i}`],
          accessPointsOnly: true,
        });
      }
      return () => synth(built.stack);
    };
    // WHEN / THEN: 10 fit, 40 do not
    expect(grow(10)).not.toThrow();
    expect(grow(40)).toThrow(PropsValidationError);
    expect(grow(40)).toThrow(
      new RegExp(
        `about \\d+ characters, over EFS's limit of ${FILE_SYSTEM_POLICY_MAX_CHARACTERS}: it holds 40 grants to 40 roles through 40 access points`,
      ),
    );
  });

  test("roles named by Terraform under a long path of their own count at their real length", () => {
    // Found by an attack: each such role counted as 95 characters, so 60 roles under a 417-character
    // path (a policy of about 29,600 characters) passed synth and would have failed at apply.
    const built = build();
    const path = `/${"team/".repeat(83)}`;
    for (let i = 0; i < 60; i++) {
      const role = new IamRole(built.stack, `pathed${i}`, {
        namePrefix: "app-",
        path,
        assumeRolePolicy: "{}",
      });
      built.fileSystem.grantReadWrite(role, { accessPoint: built.fileSystem.accessPoints.web });
    }
    expect(() => synth(built.stack)).toThrow(/over EFS's limit of 20000: it holds 60 grants to 60 roles/);
  });

  test("a token roleArn is tied to roleName by a precondition on the inline policy", () => {
    const built = build();
    const arn = new TerraformVariable(built.stack, "role_arn", { type: "string" });
    built.fileSystem.grantRead({ roleArn: arn.stringValue, roleName: "app" });
    const json = synth(built.stack);
    const [inline] = configsOf(json, "aws_iam_role_policy");
    expect(inline.role).toBe("app");
    expect(inline.lifecycle.precondition).toContainEqual({
      condition: '${(element(reverse(split("/", var.role_arn)), 0) == "app")}',
      error_message: expect.stringMatching(/roleName is not the name at the end of roleArn/),
    });
  });
});
