import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SharedFileSystem } from "../../modules/efs";
import { configsOf, parsePolicy, resourcesOf, synth, testStack } from "../helpers/synth";

// Tests of using the efs module many times, and with what exists already (issue #11).

const SUBNETS = [
  { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
  { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
];
const FS_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const ROLE_ARN = "arn:aws:iam::111122223333:role/teams/ci/deployer";

function fileSystem(scope: Construct, id: string): SharedFileSystem {
  return new SharedFileSystem(scope, id, { vpcId: "vpc-11111111", subnets: SUBNETS });
}

function policyStatements(json: ReturnType<typeof synth>, fsConstructId: string) {
  const [config] = Object.entries(resourcesOf(json, "aws_efs_file_system_policy"))
    .filter(([name]) => name.startsWith(`${fsConstructId}_`))
    .map(([, c]) => c);
  return parsePolicy(config.policy).Statement as { Sid: string; Effect: string; Principal: unknown }[];
}

describe("SharedFileSystem used many times", () => {
  test("two file systems with the default name granting one role and allowing one group do not collide", () => {
    // GIVEN
    const stack = testStack();
    const role = new IamRole(stack, "app-role", { assumeRolePolicy: "{}" });
    const group = new SecurityGroup(stack, "app-sg", { vpcId: "vpc-11111111" });
    const home = fileSystem(stack, "home");
    const media = fileSystem(stack, "media");
    // WHEN
    for (const fs of [home, media]) {
      fs.grantReadWrite(role);
      fs.allowNfsFrom(group);
    }
    const json = synth(stack);
    // THEN: one inline policy per file system, each named after its own file system's id
    const names = configsOf(json, "aws_iam_role_policy").map((p) => p.name);
    expect(names.sort()).toEqual([
      expect.stringMatching(
        /^shared-home-efs-read-write-\$\{aws_efs_file_system\.home_file-system_[0-9A-F]+\.id\}$/,
      ),
      expect.stringMatching(
        /^shared-home-efs-read-write-\$\{aws_efs_file_system\.media_file-system_[0-9A-F]+\.id\}$/,
      ),
    ]);
    const ingressTargets = configsOf(json, "aws_vpc_security_group_ingress_rule")
      .filter((r) => String(r.referenced_security_group_id).includes("app-sg"))
      .map((r) => r.security_group_id);
    expect(ingressTargets.sort()).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.home_mount-target-security-group_/),
      expect.stringMatching(/^\$\{aws_security_group\.media_mount-target-security-group_/),
    ]);
  });

  test("two security groups both called 'sg' in different scopes are both allowed on one file system", () => {
    // GIVEN
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    const web = new SecurityGroup(new Construct(stack, "web"), "sg", { vpcId: "vpc-11111111" });
    const batch = new SecurityGroup(new Construct(stack, "batch"), "sg", { vpcId: "vpc-11111111" });
    // WHEN
    fs.allowNfsFrom(web);
    fs.allowNfsFrom(batch);
    // THEN
    const sources = configsOf(synth(stack), "aws_vpc_security_group_ingress_rule").map(
      (r) => r.referenced_security_group_id,
    );
    expect(sources.sort()).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.batch_sg_/),
      expect.stringMatching(/^\$\{aws_security_group\.shared_client-security-group_/),
      expect.stringMatching(/^\$\{aws_security_group\.web_sg_/),
    ]);
  });

  test("two roles both called 'role' in different scopes get distinct grants, in one merged statement", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    const web = new IamRole(new Construct(stack, "web"), "role", { assumeRolePolicy: "{}" });
    const batch = new IamRole(new Construct(stack, "batch"), "role", { assumeRolePolicy: "{}" });
    fs.grantRead(web);
    fs.grantRead(batch);
    const json = synth(stack);
    expect(
      configsOf(json, "aws_iam_role_policy")
        .map((p) => p.role)
        .sort(),
    ).toEqual([
      expect.stringMatching(/aws_iam_role\.batch_role_/),
      expect.stringMatching(/aws_iam_role\.web_role_/),
    ]);
    const statements = policyStatements(json, "shared");
    expect(statements.map((s) => s.Sid)).toEqual(["DenyWithoutTls", "AllowRead"]);
    expect(statements[1].Principal).toEqual({
      AWS: [
        expect.stringMatching(/aws_iam_role\.web_role_/),
        expect.stringMatching(/aws_iam_role\.batch_role_/),
      ],
    });
  });

  test("the module in two stacks of one app, both granting a role from a third stack", () => {
    // GIVEN
    const app = Testing.app();
    const roles = new TerraformStack(app, "roles");
    new AwsProvider(roles, "aws", { region: "eu-west-1" });
    const role = new IamRole(roles, "app-role", { assumeRolePolicy: "{}" });
    const stacks = ["team-a", "team-b"].map((name) => {
      const stack = new TerraformStack(app, name);
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      fileSystem(stack, "shared").grantReadWrite(role);
      return stack;
    });
    // WHEN
    const jsons = stacks.map((stack) => synth(stack));
    // THEN: each stack's inline policy on the shared role carries its own file system's id, so the
    // two never overwrite each other in AWS (they did when both were "shared-home-efs-read-write").
    for (const json of jsons) {
      const [fsName] = Object.keys(resourcesOf(json, "aws_efs_file_system"));
      const [policy] = configsOf(json, "aws_iam_role_policy");
      expect(policy.name).toBe(`shared-home-efs-read-write-\${aws_efs_file_system.${fsName}.id}`);
      expect(policy.role).toMatch(/data\.terraform_remote_state\.cross-stack-reference-input-roles/);
    }
  });
});

describe("grants to plain role references", () => {
  test("a role ARN with a path gets an inline policy on the role's name, and a file-system statement", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    fs.grantReadWrite({ roleArn: ROLE_ARN });
    const json = synth(stack);
    const [policy] = configsOf(json, "aws_iam_role_policy");
    expect(policy.role).toBe("deployer");
    expect(policy.lifecycle.precondition).toEqual([
      {
        condition: expect.stringContaining(
          `element(split(":", "${ROLE_ARN}"), 4) == element(split(":", aws_efs_file_system.`,
        ),
        error_message: `${ROLE_ARN} is in another account than the file system: grant it with fileSystemPolicyOnly.`,
      },
    ]);
    const allow = policyStatements(json, "shared").find((s) => s.Effect === "Allow");
    expect(allow?.Principal).toEqual({ AWS: ROLE_ARN });
  });

  test("fileSystemPolicyOnly writes the file-system statement and no inline policy", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    const crossAccount = "arn:aws:iam::444455556666:role/analytics";
    fs.grantRead({ roleArn: crossAccount }, { fileSystemPolicyOnly: true });
    const json = synth(stack);
    expect(configsOf(json, "aws_iam_role_policy")).toEqual([]);
    expect(policyStatements(json, "shared").filter((s) => s.Effect === "Allow")).toEqual([
      expect.objectContaining({
        Principal: { AWS: crossAccount },
        Action: ["elasticfilesystem:ClientMount"],
      }),
    ]);
  });

  test("a role ARN known only at apply time needs roleName for its inline policy", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    const arn = new TerraformVariable(stack, "role_arn", { type: "string" }).stringValue;
    expect(() => fs.grantRead({ roleArn: arn })).toThrow(
      /Invalid props for test\/shared\.grantRead:\n {2}- roleName: is required when roleArn is known only at apply time/,
    );
    fs.grantRead({ roleArn: arn, roleName: "app" });
    fs.grantRead({ roleArn: arn }, { fileSystemPolicyOnly: true });
    expect(configsOf(synth(stack), "aws_iam_role_policy").map((p) => p.role)).toEqual(["app"]);
  });

  test("refuses a malformed role ARN and a roleName that contradicts it", () => {
    const fs = fileSystem(testStack(), "shared");
    expect(() => fs.grantRead({ roleArn: "arn:aws:iam::111122223333:user/alice" })).toThrow(
      /roleArn: "arn:aws:iam::111122223333:user\/alice" is not an IAM role ARN/,
    );
    expect(() => fs.grantRead({ roleArn: ROLE_ARN, roleName: "other" })).toThrow(
      /roleName: "other" is not the name in roleArn "arn:aws:iam::111122223333:role\/teams\/ci\/deployer" \("deployer"\)/,
    );
  });

  test("security-group ids as strings, validated when literal", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    fs.allowNfsFrom("sg-0123456789abcdef0");
    fs.allowNfsFrom(new TerraformVariable(stack, "sg_id", { type: "string" }).stringValue);
    expect(() => fs.allowNfsFrom("web-servers")).toThrow(
      /shared\.allowNfsFrom:\n {2}- source: "web-servers" is not a security-group id such as "sg-0123456789abcdef0"/,
    );
    const json = synth(stack);
    expect(
      configsOf(json, "aws_vpc_security_group_ingress_rule").map((r) => r.referenced_security_group_id),
    ).toEqual(expect.arrayContaining(["sg-0123456789abcdef0", "${var.sg_id}"]));
    expect(Object.keys(resourcesOf(json, "aws_vpc_security_group_ingress_rule"))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^shared_nfs-from-sg-0123456789abcdef0_/)]),
    );
  });
});

describe("SharedFileSystem.fromAttributes", () => {
  test("derives id and DNS name from a literal ARN; grants write the identity policy only", () => {
    // GIVEN
    const stack = testStack();
    const imported = SharedFileSystem.fromAttributes(stack, "team-fs", {
      fileSystemArn: FS_ARN,
      mountTargetSecurityGroupId: "sg-0123456789abcdef0",
    });
    const role = new IamRole(stack, "app-role", { assumeRolePolicy: "{}" });
    // WHEN
    imported.grantReadWrite(role);
    imported.allowNfsFrom(new SecurityGroup(stack, "app-sg", { vpcId: "vpc-11111111" }));
    const json = synth(stack);
    // THEN
    expect(imported.fileSystemId).toBe("fs-0123456789abcdef0");
    expect(imported.dnsName).toBe("fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com");
    expect(imported.mountTargetResources).toEqual([]);
    const [policy] = configsOf(json, "aws_iam_role_policy");
    expect(policy.name).toBe("efs-read-write-fs-0123456789abcdef0");
    expect(parsePolicy(policy.policy).Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        Resource: FS_ARN,
        Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
      },
    ]);
    expect(configsOf(json, "aws_efs_file_system_policy")).toEqual([]);
    const [ingress] = configsOf(json, "aws_vpc_security_group_ingress_rule");
    expect(ingress).toMatchObject({
      security_group_id: "sg-0123456789abcdef0",
      from_port: 2049,
      to_port: 2049,
    });
  });

  test("accepts an ARN known only at apply time and derives the id as an expression", () => {
    const stack = testStack();
    const arn = new TerraformVariable(stack, "fs_arn", { type: "string" }).stringValue;
    const imported = SharedFileSystem.fromAttributes(stack, "team-fs", { fileSystemArn: arn });
    imported.grantRead({ roleArn: ROLE_ARN });
    const [policy] = configsOf(synth(stack), "aws_iam_role_policy");
    expect(policy.name).toBe('efs-read-${element(split("/", var.fs_arn), 1)}');
  });

  test.each<[string, () => void, RegExp]>([
    [
      "a malformed ARN and group id",
      () =>
        SharedFileSystem.fromAttributes(testStack(), "team-fs", {
          fileSystemArn: "fs-0123456789abcdef0",
          mountTargetSecurityGroupId: "default",
        }),
      /Invalid props for test\/team-fs:\n {2}- fileSystemArn: "fs-0123456789abcdef0" is not an EFS file-system ARN[^\n]*\n {2}- mountTargetSecurityGroupId: "default" is not a security-group id/,
    ],
    [
      "allowNfsFrom without the mount-target group",
      () =>
        SharedFileSystem.fromAttributes(testStack(), "team-fs", { fileSystemArn: FS_ARN }).allowNfsFrom(
          "sg-0123456789abcdef0",
        ),
      /team-fs\.allowNfsFrom:\n {2}- mountTargetSecurityGroupId: is not set on this imported file system; give it to fromAttributes\(\)/,
    ],
    [
      "fileSystemPolicyOnly",
      () =>
        SharedFileSystem.fromAttributes(testStack(), "team-fs", { fileSystemArn: FS_ARN }).grantRead(
          { roleArn: ROLE_ARN },
          { fileSystemPolicyOnly: true },
        ),
      /team-fs\.grantRead:\n {2}- fileSystemPolicyOnly: cannot be used on an imported file system: its file-system policy belongs to its owner/,
    ],
    [
      "a role of another account without fileSystemPolicyOnly",
      () =>
        SharedFileSystem.fromAttributes(testStack(), "team-fs", { fileSystemArn: FS_ARN }).grantRead({
          roleArn: "arn:aws:iam::444455556666:role/analytics",
        }),
      /fileSystemPolicyOnly: is required for "arn:aws:iam::444455556666:role\/analytics": the role is in account 444455556666, the file system in 111122223333, and an inline policy cannot be written onto another account's role/,
    ],
  ])("refuses %s", (_, act, message) => {
    expect(act).toThrow(message);
  });
});

describe("access-point-scoped grants", () => {
  const AP_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0";

  function withAccessPoint() {
    const stack = testStack();
    const fs = new SharedFileSystem(stack, "shared", {
      vpcId: "vpc-11111111",
      subnets: SUBNETS,
      accessPoints: { app: { path: "/app", posixUser: { uid: 1000, gid: 1000 } } },
    });
    const role = new IamRole(stack, "task-role", { assumeRolePolicy: "{}" });
    return { stack, fs, role, accessPoint: fs.accessPoints.app! };
  }

  test("both the identity and the file-system statement carry the access point condition", () => {
    // GIVEN
    const { stack, fs, role, accessPoint } = withAccessPoint();
    // WHEN
    fs.grantReadWrite(role, { accessPoint });
    const json = synth(stack);
    // THEN
    const expected = {
      Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
      StringEquals: {
        "elasticfilesystem:AccessPointArn": expect.stringMatching(
          /^\$\{aws_efs_access_point\.shared_access-point-app_[0-9A-F]+\.arn\}$/,
        ),
      },
    };
    const allow = policyStatements(json, "shared").find((s) => s.Effect === "Allow") as Record<
      string,
      unknown
    >;
    expect(allow.Condition).toEqual(expected);
    const [identity] = configsOf(json, "aws_iam_role_policy");
    expect(parsePolicy(identity.policy).Statement[0].Condition).toEqual(expected);
    expect(identity.name).toMatch(
      /^shared-home-efs-read-write-\$\{aws_efs_file_system\.[^}]+\.id\}-\$\{aws_efs_access_point\.shared_access-point-app_[0-9A-F]+\.id\}$/,
    );
    expect(policyStatements(json, "shared").filter((s) => s.Effect === "Deny")).toHaveLength(1);
  });

  test("accessPointsOnly denies the role's client actions outside its own access points", () => {
    const { stack, fs, role, accessPoint } = withAccessPoint();
    fs.grantRead(role, { accessPoint, accessPointsOnly: true });
    fs.grantReadWrite(role, { accessPoint, accessPointsOnly: true });
    const denies = policyStatements(synth(stack), "shared").filter((s) => s.Effect === "Deny");
    expect(denies).toEqual([
      expect.objectContaining({ Sid: "DenyWithoutTls" }),
      {
        Sid: "DenyOutsideOwnAccessPointsTaskRole",
        Effect: "Deny",
        Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.task-role\.arn\}$/) },
        Action: "elasticfilesystem:Client*",
        Resource: expect.stringMatching(/^\$\{aws_efs_file_system\.shared_file-system_[0-9A-F]+\.arn\}$/),
        Condition: {
          StringNotEquals: {
            "elasticfilesystem:AccessPointArn": expect.stringMatching(
              /^\$\{aws_efs_access_point\.shared_access-point-app_[0-9A-F]+\.arn\}$/,
            ),
          },
        },
      },
    ]);
  });

  test("an access point given by ARN, to a role given by ARN, through the file-system policy only", () => {
    const stack = testStack();
    const fs = fileSystem(stack, "shared");
    fs.grantRead({ roleArn: ROLE_ARN }, { accessPoint: AP_ARN, fileSystemPolicyOnly: true });
    const allow = policyStatements(synth(stack), "shared").find((s) => s.Effect === "Allow") as Record<
      string,
      unknown
    >;
    expect(allow.Condition).toEqual({
      Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
      StringEquals: { "elasticfilesystem:AccessPointArn": AP_ARN },
    });
  });

  test.each<[string, (f: ReturnType<typeof withAccessPoint>) => void, RegExp]>([
    [
      "accessPointsOnly without an access point",
      ({ fs, role }) => fs.grantRead(role, { accessPointsOnly: true }),
      /shared\.grantRead:\n {2}- accessPointsOnly: is set without accessPoint; give the access point this role must use/,
    ],
    [
      "a grant without an access point after accessPointsOnly",
      ({ fs, role, accessPoint }) => {
        fs.grantRead(role, { accessPoint, accessPointsOnly: true });
        fs.grantRootAccess(role);
      },
      /shared\.grantRootAccess:\n {2}- accessPoint: is required: role test\/task-role was granted with accessPointsOnly/,
    ],
    [
      "accessPointsOnly after a grant without an access point",
      ({ fs, role, accessPoint }) => {
        fs.grantRootAccess(role);
        fs.grantRead(role, { accessPoint, accessPointsOnly: true });
      },
      /accessPointsOnly: role test\/task-role also has a grant without an access point on this file system/,
    ],
    [
      "a malformed access point ARN",
      ({ fs, role }) => fs.grantRead(role, { accessPoint: "fsap-0123456789abcdef0" }),
      /accessPoint: "fsap-0123456789abcdef0" is not an access point ARN/,
    ],
    [
      "accessPointsOnly on an imported file system",
      ({ stack, role }) =>
        SharedFileSystem.fromAttributes(stack, "team-fs", { fileSystemArn: FS_ARN }).grantRead(role, {
          accessPoint: AP_ARN,
          accessPointsOnly: true,
        }),
      /accessPointsOnly: needs a Deny in the file-system policy, which an imported file system's owner controls/,
    ],
  ])("refuses %s", (_, act, message) => {
    expect(() => act(withAccessPoint())).toThrow(message);
  });
});

test("granting or allowing the same thing twice writes it once", () => {
  // GIVEN
  const stack = testStack();
  const fs = fileSystem(stack, "shared");
  const role = new IamRole(stack, "app-role", { assumeRolePolicy: "{}" });
  // WHEN
  fs.grantRead(role);
  fs.grantRead(role);
  fs.allowNfsFrom(fs.clientSecurityGroup);
  fs.allowNfsFrom("sg-0123456789abcdef0");
  fs.allowNfsFrom("sg-0123456789abcdef0");
  const json = synth(stack);
  // THEN: EC2 refuses a duplicate rule at apply time; the role gets one policy and one statement
  expect(
    configsOf(json, "aws_vpc_security_group_ingress_rule").map((r) => r.referenced_security_group_id),
  ).toEqual([expect.stringMatching(/client-security-group/), "sg-0123456789abcdef0"]);
  expect(configsOf(json, "aws_iam_role_policy")).toHaveLength(1);
  expect(policyStatements(json, "shared").map((s) => s.Sid)).toEqual(["DenyWithoutTls", "AllowRead"]);
  expect(policyStatements(json, "shared")[1].Principal).toEqual({ AWS: expect.stringMatching(/app-role/) });
});
