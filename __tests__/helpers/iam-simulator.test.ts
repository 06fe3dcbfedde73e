import { ANONYMOUS, decide, intentMismatches, resolveReferences, type IntentRow } from "./iam-simulator";

const ACCOUNT = "111122223333";
const FS = `arn:aws:elasticfilesystem:eu-west-1:${ACCOUNT}:file-system/fs-12345678`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;

const fileSystemPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { AWS: ROLE },
      Action: ["elasticfilesystem:ClientMount"],
      Resource: FS,
      Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
    },
    {
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: "*",
      Resource: FS,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ],
};

describe("decide", () => {
  test("evaluates a resource policy with EFS and global context keys", async () => {
    const base = {
      principal: ROLE,
      action: "elasticfilesystem:ClientMount",
      resource: FS,
      resourcePolicy: fileSystemPolicy,
    };
    expect(
      await decide({
        ...base,
        context: { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" },
      }),
    ).toBe("Allowed");
    expect(
      await decide({
        ...base,
        context: { "aws:SecureTransport": "false", "elasticfilesystem:AccessedViaMountTarget": "true" },
      }),
    ).toBe("ExplicitlyDenied");
    expect(
      await decide({
        ...base,
        context: { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "false" },
      }),
    ).toBe("ImplicitlyDenied");
    expect(
      await decide({
        ...base,
        action: "elasticfilesystem:ClientWrite",
        context: { "aws:SecureTransport": "true" },
      }),
    ).toBe("ImplicitlyDenied");
    expect(await decide({ ...base, principal: ANONYMOUS, context: { "aws:SecureTransport": "true" } })).toBe(
      "ImplicitlyDenied",
    );
  });
  test("throws on an action that does not exist", async () => {
    await expect(
      decide({ principal: ROLE, action: "elasticfilesystem:ClientMounts", resource: FS }),
    ).rejects.toThrow(/rejected/);
  });
});

describe("intentMismatches", () => {
  test("lists every row whose decision differs, and none when all match", async () => {
    const rows: IntentRow[] = [
      {
        why: "mounts over TLS",
        principal: ROLE,
        action: "elasticfilesystem:ClientMount",
        resource: FS,
        context: { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" },
        expected: "Allowed" as const,
      },
      {
        why: "wrong on purpose",
        principal: ROLE,
        action: "elasticfilesystem:ClientWrite",
        resource: FS,
        context: { "aws:SecureTransport": "true" },
        expected: "Allowed" as const,
      },
    ];
    expect(await intentMismatches({ resourcePolicy: fileSystemPolicy }, rows)).toEqual([
      expect.stringMatching(/^wrong on purpose: .* -> ImplicitlyDenied, expected Allowed$/),
    ]);
  });
  test("evaluates identity policies of another account against the resource policy", async () => {
    const other = "arn:aws:iam::444455556666:role/other";
    const allowAll = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "elasticfilesystem:*", Resource: "*" }],
    };
    const policy = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { AWS: other }, Action: "elasticfilesystem:ClientMount", Resource: FS },
      ],
    };
    expect(
      await decide({
        identityPolicies: [allowAll],
        resourcePolicy: policy,
        principal: other,
        action: "elasticfilesystem:ClientMount",
        resource: FS,
      }),
    ).toBe("Allowed");
    // Cross-account: the resource policy alone is not enough.
    expect(
      await decide({
        resourcePolicy: policy,
        principal: other,
        action: "elasticfilesystem:ClientMount",
        resource: FS,
      }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("resolveReferences", () => {
  test("replaces references, including ones with nested braces, and throws on an unknown one", () => {
    const policy = {
      Resource: ["${aws_efs_file_system.fs.arn}", "${aws_efs_file_system.fs.arn}/x"],
      A: "${lookup({'a' = 'b'}, 'a')}",
    };
    expect(
      resolveReferences(policy, { "aws_efs_file_system.fs.arn": FS, "lookup({'a' = 'b'}, 'a')": "b" }),
    ).toEqual({ Resource: [FS, `${FS}/x`], A: "b" });
    expect(() => resolveReferences(policy, {})).toThrow(/no value for \$\{aws_efs_file_system.fs.arn\}/);
  });
});
