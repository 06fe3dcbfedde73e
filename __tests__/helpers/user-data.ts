/**
 * User data as the instance receives it, read back from a synthesized launch-template expression
 * `${base64gzip(join("", [base64decode("..."), <reference>, ...]))}`: the base64 literals decoded.
 */

const LAUNCH_TEMPLATE_USER_DATA = /^\$\{base64gzip\(join\("", \[(.*)\]\)\)\}$/s;
const BASE64_LITERAL = /^base64decode\("([A-Za-z0-9+/=]*)"\)$/;

/** The whole text, with each Terraform value shown as `<its expression>`. */
export function userDataText(expression: string): string {
  const match = LAUNCH_TEMPLATE_USER_DATA.exec(expression);
  if (!match) throw new Error(`unexpected user_data expression: ${expression.slice(0, 200)}`);
  return match[1]
    .split(", ")
    .map((element) => {
      const literal = BASE64_LITERAL.exec(element);
      return literal ? Buffer.from(literal[1], "base64").toString("utf8") : `<${element}>`;
    })
    .join("");
}

/** Only the literal text, with the values known only at apply left out. */
export function userDataLiterals(expression: string): string {
  return [...expression.matchAll(/base64decode\("([A-Za-z0-9+/=]*)"\)/g)]
    .map((match) => Buffer.from(match[1], "base64").toString("utf8"))
    .join("");
}
