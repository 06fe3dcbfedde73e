import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { jsonDocument } from "../../../modules/shared/json";
import { onlyResource, parsePolicy, synth, testStack } from "../../helpers/synth";

describe("jsonDocument", () => {
  test("writes a jsonencode expression with references as expressions, in JSON and in HCL", () => {
    // GIVEN a policy that refers to a resource
    const stack = testStack();
    const vpc = new Vpc(stack, "v", { cidrBlock: "10.0.0.0/16" });
    new IamRolePolicy(stack, "p", {
      role: "r",
      policy: jsonDocument({ Version: "2012-10-17", Statement: [{ Resource: [vpc.arn, `${vpc.arn}:*`] }] }),
    });
    // WHEN
    const json = synth(stack);
    const hcl: string = stack.toHclTerraform().hcl;
    // THEN
    expect(onlyResource(json, "aws_iam_role_policy").policy).toBe(
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Resource" = [aws_vpc.v.arn, "${aws_vpc.v.arn}:*"]}]})}',
    );
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
