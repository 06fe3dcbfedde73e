import { Fn } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { jsonDocument } from "../../modules/shared/json";
import { parsePolicy } from "./policy";
import { resourcesOf, synth, testStack } from "./synth";

describe("parsePolicy", () => {
  test("reads JSON text, turning the quotes inside interpolations into single quotes", () => {
    // GIVEN a JSON.stringify document whose interpolation holds unescaped quotes
    const document =
      '{"Version":"2012-10-17","Statement":[{"Resource":"${aws_vpc.v.arn}",' +
      '"Condition":{"StringEquals":{"aws:SourceAccount":"${element(split(":", aws_vpc.v.arn), 4)}"}}}]}';
    // WHEN / THEN
    expect(parsePolicy(document)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Resource: "${aws_vpc.v.arn}",
          Condition: { StringEquals: { "aws:SourceAccount": "${element(split(':', aws_vpc.v.arn), 4)}" } },
        },
      ],
    });
  });

  test("reads a jsonencode expression: bare expressions become interpolations", () => {
    // GIVEN the form cdktf writes for Fn.jsonencode
    const document =
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Effect" = "Allow", ' +
      '"Resource" = [aws_vpc.v.arn, "${aws_vpc.v.arn}:*"], ' +
      '"Condition" = {"StringEquals" = {"aws:SourceAccount" = element(split(":", aws_vpc.v.arn), 4)}}}]})}';
    // WHEN / THEN
    expect(parsePolicy(document)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Resource: ["${aws_vpc.v.arn}", "${aws_vpc.v.arn}:*"],
          Condition: { StringEquals: { "aws:SourceAccount": "${element(split(':', aws_vpc.v.arn), 4)}" } },
        },
      ],
    });
  });

  test("keeps nested quotes and braces of interpolations inside string literals", () => {
    const document =
      '${jsonencode({"AWS" = "arn:${element(split(":", aws_kms_key.k.arn), 1)}:iam::' +
      '${lookup({"a" = "}"}, "a", "")}:root"})}';
    expect(parsePolicy(document)).toEqual({
      AWS: "arn:${element(split(':', aws_kms_key.k.arn), 1)}:iam::${lookup({'a' = '}'}, 'a', '')}:root",
    });
  });

  test("ends a bare expression at ',' ']' or '}' outside brackets and strings", () => {
    const document =
      '${jsonencode({"a" = [aws_x.y.arn, f(g("]", 1), [2, 3])], "b" = {"c" = aws_x.y.id}, "d" = x ? "}" : "]"})}';
    expect(parsePolicy(document)).toEqual({
      a: ["${aws_x.y.arn}", "${f(g(']', 1), [2, 3])}"],
      b: { c: "${aws_x.y.id}" },
      d: "${x ? '}' : ']'}",
    });
  });

  test("reads numbers, booleans, null, empty collections and escapes as JSON would", () => {
    const document =
      '${jsonencode({"n" = 5, "f" = -1.5e3, "t" = true, "no" = false, "z" = null, "o" = {}, "l" = [], ' +
      '"s" = "say \\"hi\\"\\n\\\\ \\u00e9 $${literal} %%{directive}"})}';
    expect(parsePolicy(document)).toEqual({
      n: 5,
      f: -1500,
      t: true,
      no: false,
      z: null,
      o: {},
      l: [],
      s: 'say "hi"\n\\ é ${literal} %{directive}',
    });
  });

  test("reads what a module synthesizes with jsonDocument() for HCL as it reads the JSON.stringify twin", () => {
    // GIVEN the same document, with references, written both ways, in an app that synthesizes HCL
    const stack = testStack("test", { hclOutput: true });
    const vpc = new Vpc(stack, "v", { cidrBlock: "10.0.0.0/16" });
    const document = () => ({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Logs",
          Effect: "Allow",
          Action: ["logs:PutLogEvents"],
          Resource: [vpc.arn, `${vpc.arn}:*`],
          Condition: { StringEquals: { "aws:SourceAccount": Fn.element(Fn.split(":", vpc.arn), 4) } },
          Count: 2,
          Enabled: false,
        },
      ],
    });
    new IamRolePolicy(stack, "as-text", { role: "r", policy: JSON.stringify(document()) });
    new IamRolePolicy(stack, "as-expression", { role: "r", policy: jsonDocument(document()) });
    // WHEN
    const policies = resourcesOf(synth(stack), "aws_iam_role_policy");
    // THEN
    expect(policies["as-expression"].policy).toMatch(/^\$\{jsonencode\(\{/);
    expect(parsePolicy(policies["as-expression"].policy)).toEqual(parsePolicy(policies["as-text"].policy));
  });

  test("names the offset of malformed input", () => {
    expect(() => parsePolicy('${jsonencode({"a" = [1, 2})}')).toThrow(/expected ',' or '\]' at offset/);
    expect(() => parsePolicy('${jsonencode({"a" = "open})}')).toThrow(/expected a closing '"'/);
  });
});
