import { App, Fn, Lazy, Tokenization } from "cdktf";

/**
 * A JSON document (an IAM, KMS, S3 or SNS policy, a dashboard body) that holds Terraform references.
 *
 * The JSON synth gets `JSON.stringify` text with each reference as `"${...}"` inside it: Terraform
 * JSON interpolates those, reviewers read the document as written, and cdktf resolves it cheaply.
 * That form breaks `cdktf synth --hcl`, whose writer splits such a string at its quotes and writes
 * invalid HCL (hashicorp/terraform-cdk#3911), so the HCL synth gets Terraform's `jsonencode({...})`
 * expression instead. The choice is made when the document is resolved, from the app's `hclOutput`
 * (which `cdktf synth --hcl` turns on). `jsonencode` everywhere would be correct too, but cdktf
 * resolves its nested arguments about ten times slower: +14 ms per file system in `npm run bench`.
 */
export function jsonDocument(document: object): string {
  const clean = withoutUndefined(document, "$") as object;
  return Lazy.stringValue({
    produce: (context) => (App.of(context.scope).hclOutput ? Fn.jsonencode(clean) : JSON.stringify(clean)),
  });
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
