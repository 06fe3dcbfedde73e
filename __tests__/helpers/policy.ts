/**
 * Reads a policy document or dashboard body from a synthesized attribute, in either form the modules
 * write:
 *
 * - JSON text (`JSON.stringify`), which may hold Terraform interpolations such as
 *   `${element(split(":", aws_vpc.x.arn), 4)}` whose inner quotes are not JSON-escaped;
 * - a `${jsonencode({...})}` expression (`jsonDocument()` in `modules/shared/json.ts`), whose object
 *   is written in HCL: `{"Version" = "2012-10-17", "Resource" = [aws_vpc.x.arn, "${aws_vpc.x.arn}:*"]}`.
 *
 * Both give the same shape: object keys as keys, string literals as strings and every Terraform
 * expression, bare or interpolated, as the string `${<expression>}` with its inner double quotes
 * turned into single quotes, so tests can match references with a regular expression.
 */
export function parsePolicy(document: string): any {
  const encoded = /^\s*\$\{jsonencode\(([\s\S]*)\)\}\s*$/.exec(document);
  if (encoded) return new HclValueParser(encoded[1]).parseDocument();
  return JSON.parse(
    document.replace(/\$\{([^}]*)\}/g, (_, expr: string) => "${" + expr.replace(/"/g, "'") + "}"),
  );
}

/** An interpolation as tests read it: `${expr}` with the expression's double quotes made single. */
function interpolation(expression: string): string {
  return "${" + expression.trim().replace(/"/g, "'") + "}";
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
const CLOSING: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

/**
 * A small reader for the HCL subset cdktf writes inside `jsonencode(...)`: objects (`{"k" = v, ...}`),
 * tuples, quoted templates (which may hold `${...}` with nested quotes and braces), numbers, `true`,
 * `false`, `null`, and bare expressions (references, function calls), which end at a `,`, `]` or `}`
 * outside any bracket or string.
 */
class HclValueParser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.src.length) this.fail("end of the document");
    return value;
  }

  private parseValue(): unknown {
    this.skipSpace();
    switch (this.src[this.pos]) {
      case "{":
        return this.parseObject();
      case "[":
        return this.parseTuple();
      case '"':
        return this.parseTemplate();
      default:
        return this.parseBareExpression();
    }
  }

  private parseObject(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.expect("{");
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "}") break;
      const key = this.src[this.pos] === '"' ? this.parseTemplate() : this.readUntil(/[=:\s]/).trim();
      this.skipSpace();
      if (this.src[this.pos] !== "=" && this.src[this.pos] !== ":") this.fail("'=' after an object key");
      this.pos++;
      result[key] = this.parseValue();
      if (!this.separator("}")) break;
    }
    this.expect("}");
    return result;
  }

  private parseTuple(): unknown[] {
    const result: unknown[] = [];
    this.expect("[");
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] === "]") break;
      result.push(this.parseValue());
      if (!this.separator("]")) break;
    }
    this.expect("]");
    return result;
  }

  /** After an element: consumes a `,` and returns true, or returns false before `close`. */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.src[this.pos] === ",") {
      this.pos++;
      return true;
    }
    if (this.src[this.pos] !== close) this.fail(`',' or '${close}'`);
    return false;
  }

  /** A quoted template, decoded; each `${...}` inside is kept as an interpolation. */
  private parseTemplate(): string {
    this.expect('"');
    let result = "";
    for (;;) {
      const char = this.src[this.pos];
      if (char === undefined) this.fail("a closing '\"'");
      if (char === '"') {
        this.pos++;
        return result;
      }
      if (char === "\\") {
        const escaped = this.src[this.pos + 1];
        if (escaped === "u") {
          result += String.fromCharCode(parseInt(this.src.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else if (escaped !== undefined && escaped in ESCAPES) {
          result += ESCAPES[escaped];
          this.pos += 2;
        } else {
          this.fail("a known escape sequence");
        }
      } else if (this.src.startsWith("$${", this.pos) || this.src.startsWith("%%{", this.pos)) {
        result += this.src[this.pos] + "{";
        this.pos += 3;
      } else if (this.src.startsWith("${", this.pos)) {
        const start = this.pos + 2;
        this.pos = this.skipBracketed(start, "{");
        result += interpolation(this.src.slice(start, this.pos - 1));
      } else {
        result += char;
        this.pos++;
      }
    }
  }

  /** Literals `true`, `false`, `null` and numbers as themselves; anything else as `${expr}`. */
  private parseBareExpression(): unknown {
    const start = this.pos;
    while (this.pos < this.src.length && !",]}".includes(this.src[this.pos])) {
      const char = this.src[this.pos];
      if (char === '"') this.pos = this.skipString(this.pos);
      else if (char in CLOSING) this.pos = this.skipBracketed(this.pos + 1, char);
      else this.pos++;
    }
    const text = this.src.slice(start, this.pos).trim();
    if (text === "") this.fail("a value");
    if (text === "true" || text === "false") return text === "true";
    if (text === "null") return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return Number(text);
    return interpolation(text);
  }

  /** From just inside an `open` bracket, returns the index just past its matching close. */
  private skipBracketed(from: number, open: string): number {
    const stack = [CLOSING[open]];
    let i = from;
    while (stack.length > 0) {
      const char = this.src[i];
      if (char === undefined) {
        this.pos = i;
        this.fail(`a closing '${stack[stack.length - 1]}'`);
      }
      if (char === '"') {
        i = this.skipString(i);
        continue;
      }
      if (char in CLOSING) stack.push(CLOSING[char]);
      else if (char === stack[stack.length - 1]) stack.pop();
      i++;
    }
    return i;
  }

  /** From an opening quote, returns the index just past the closing one; skips nested `${...}`. */
  private skipString(from: number): number {
    let i = from + 1;
    for (;;) {
      const char = this.src[i];
      if (char === undefined) {
        this.pos = i;
        this.fail("a closing '\"'");
      }
      if (char === '"') return i + 1;
      if (char === "\\" || this.src.startsWith("$${", i) || this.src.startsWith("%%{", i)) {
        i += char === "\\" ? 2 : 3;
      } else if (this.src.startsWith("${", i) || this.src.startsWith("%{", i)) {
        i = this.skipBracketed(i + 2, "{");
      } else {
        i++;
      }
    }
  }

  private readUntil(stop: RegExp): string {
    const start = this.pos;
    while (this.pos < this.src.length && !stop.test(this.src[this.pos])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private expect(char: string): void {
    if (this.src[this.pos] !== char) this.fail(`'${char}'`);
    this.pos++;
  }

  private fail(expected: string): never {
    throw new Error(
      `parsePolicy: expected ${expected} at offset ${this.pos} of jsonencode(${this.src.slice(0, 200)}...)`,
    );
  }
}
