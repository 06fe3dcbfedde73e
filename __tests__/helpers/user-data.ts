/**
 * The literal text of a synthesized `user_data` expression,
 * `base64gzip(join("", [base64decode("..."), <reference>, ...]))`, with the Terraform values left out:
 * what the instance receives, minus the values only known at apply.
 */
export function userDataLiterals(expression: string): string {
  return [...expression.matchAll(/base64decode\("([A-Za-z0-9+/=]*)"\)/g)]
    .map((match) => Buffer.from(match[1], "base64").toString("utf8"))
    .join("");
}
