import { Fn, Tokenization } from "cdktf";

/**
 * A JSON document (an IAM, KMS, S3 or SNS policy, a dashboard body) that holds Terraform references,
 * as Terraform's `jsonencode({...})` expression.
 *
 * Why not `JSON.stringify`: that puts each reference as `"${...}"` inside one JSON string. Terraform
 * JSON interpolates it, but `cdktf synth --hcl` splits such a string at its quotes and writes invalid
 * HCL (hashicorp/terraform-cdk#3911). `jsonencode` is an expression in both syntaxes. Terraform sorts
 * the keys of the objects it encodes; AWS and the provider compare policies as JSON, not as text.
 *
 * A document without any reference may stay `JSON.stringify`: the HCL writer escapes it correctly.
 */
export function jsonDocument(document: object): string {
  return Fn.jsonencode(withoutUndefined(document, "$"));
}

/**
 * `JSON.stringify` drops undefined properties; cdktf's expression writer would print them as
 * `undefined`. It also writes literal strings between quotes without escaping `"` or `\`, and leaves
 * `%{` (a template directive) alone, so such strings are refused here rather than written as a
 * broken expression.
 */
function withoutUndefined(value: unknown, path: string): unknown {
  if (typeof value === "string") {
    const literals = Tokenization.reverseString(value).literals.join("");
    if (/["\\]|%\{/.test(literals)) {
      throw new Error(`${path}: a JSON document's strings cannot hold '"', '\\' or '%{' (got ${value})`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => withoutUndefined(item, `${path}[${i}]`));
  if (value !== null && typeof value === "object" && !Tokenization.isResolvable(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, withoutUndefined(item, `${path}.${key}`)]),
    );
  }
  return value;
}
