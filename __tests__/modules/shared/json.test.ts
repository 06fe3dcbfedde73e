import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { jsonDocument } from "../../../modules/shared/json";
import { onlyResource, parsePolicy, synth, testStack } from "../../helpers/synth";

describe("jsonDocument", () => {
  const policyOf = (stack: ReturnType<typeof testStack>) => {
    const vpc = new Vpc(stack, "v", { cidrBlock: "10.0.0.0/16" });
    new IamRolePolicy(stack, "p", {
      role: "r",
      policy: jsonDocument({ Version: "2012-10-17", Statement: [{ Resource: [vpc.arn, `${vpc.arn}:*`] }] }),
    });
    return stack;
  };

  test("writes JSON text with interpolated references in the JSON synth", () => {
    // GIVEN a policy that refers to a resource, in an ordinary app
    const stack = policyOf(testStack());
    // WHEN / THEN
    expect(onlyResource(synth(stack), "aws_iam_role_policy").policy).toBe(
      '{"Version":"2012-10-17","Statement":[{"Resource":["${aws_vpc.v.arn}","${aws_vpc.v.arn}:*"]}]}',
    );
  });

  test("writes a jsonencode expression with references as expressions when the app synthesizes HCL", () => {
    // GIVEN the same policy in an app that writes HCL, as `cdktf synth --hcl` runs it
    const stack = policyOf(testStack("test", { hclOutput: true }));
    // WHEN
    const hcl: string = stack.toHclTerraform().hcl;
    // THEN
    expect(hcl).toContain(
      'policy = "${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Resource" = [aws_vpc.v.arn, "${aws_vpc.v.arn}:*"]}]})}"',
    );
  });

  test("leaves out undefined properties, as JSON.stringify does", () => {
    const stack = testStack();
    new IamRolePolicy(stack, "p", { role: "r", policy: jsonDocument({ Sid: undefined, Effect: "Allow" }) });
    expect(parsePolicy(onlyResource(synth(stack), "aws_iam_role_policy").policy)).toEqual({
      Effect: "Allow",
    });
  });

  test.each(['say "hi"', "back\\slash", "%{ if x }"])(
    "refuses a string the expression writer cannot escape: %s",
    (text) => {
      expect(() => jsonDocument({ Statement: [{ Sid: text }] })).toThrow(
        /^\$\.Statement\[0\]\.Sid: a JSON document's strings cannot hold/,
      );
    },
  );
});
