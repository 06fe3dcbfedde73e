/**
 * Checks on the raw text of a settings file that `JSON.parse` cannot make: it keeps only the last of
 * two equal keys, turns `1e999` into Infinity, and hands back `__proto__` as a key that zod and
 * object spreads then drop. A small tokenizer walks the text once, tracking the path of each value.
 */

/** A path into the settings: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

/** One problem found in the text: where, and what (in our wording). */
export interface TextProblem {
  readonly path: JsonPath;
  readonly message: string;
  /**
   * The value at `path` is not what the file says (a reserved key, Infinity), so the schema's own
   * complaints about it would only confuse: this problem replaces them.
   */
  readonly replacesSchemaIssues: boolean;
}

/** Key names JavaScript gives a meaning of its own; a value under them can vanish or be misread. */
export const RESERVED_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Every duplicate key, reserved key name and number too large for a double in `text`, which must
 * already be valid JSON (`JSON.parse` succeeded). Problems come in text order.
 */
export function scanJsonText(text: string): TextProblem[] {
  const problems: TextProblem[] = [];
  let at = 0;

  // Keys come in text order, so line numbers are counted on from the previous key.
  let counted = 0;
  let line = 1;
  const lineOf = (offset: number): number => {
    for (; counted < offset; counted++) if (text.charCodeAt(counted) === 10) line++;
    return line;
  };
  const skipWhitespace = () => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(text);
    at = WHITESPACE.lastIndex;
  };
  const expect = (char: string) => {
    skipWhitespace();
    if (text[at] !== char) throw new SyntaxError(`expected ${char} at offset ${at}`);
    at++;
  };
  const readString = (): string => {
    const start = at;
    at++; // the opening quote
    while (text[at] !== '"') {
      if (at >= text.length) throw new SyntaxError("unterminated string");
      at += text[at] === "\\" ? 2 : 1;
    }
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };

  const readValue = (path: JsonPath): void => {
    skipWhitespace();
    const char = text[at];
    if (char === "{") return readObject(path);
    if (char === "[") return readArray(path);
    if (char === '"') {
      readString();
      return;
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text);
    if (number) {
      at = NUMBER.lastIndex;
      if (!Number.isFinite(Number(number[0]))) {
        problems.push({
          path,
          message: `must be a finite number (got ${number[0]})`,
          replacesSchemaIssues: true,
        });
      }
      return;
    }
    const literal = /true|false|null/y;
    literal.lastIndex = at;
    if (!literal.exec(text)) throw new SyntaxError(`unexpected ${JSON.stringify(char)} at offset ${at}`);
    at = literal.lastIndex;
  };

  const readObject = (path: JsonPath): void => {
    at++; // {
    const firstLine = new Map<string, number>();
    skipWhitespace();
    if (text[at] === "}") {
      at++;
      return;
    }
    for (;;) {
      skipWhitespace();
      const keyOffset = at;
      const key = readString();
      const keyPath = [...path, key];
      if (RESERVED_KEYS.includes(key)) {
        problems.push({
          path: keyPath,
          replacesSchemaIssues: true,
          message: `is a reserved key name: "__proto__", "constructor" and "prototype" are refused anywhere, because JavaScript gives them a meaning of their own and their values can be lost silently`,
        });
      }
      const keyLine = lineOf(keyOffset);
      const earlier = firstLine.get(key);
      if (earlier === undefined) {
        firstLine.set(key, keyLine);
      } else {
        problems.push({
          path: keyPath,
          replacesSchemaIssues: false,
          message: `is given twice (lines ${earlier} and ${keyLine}); JSON keeps only the last one and silently drops the other: merge them into one`,
        });
      }
      expect(":");
      readValue(keyPath);
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      expect("}");
      return;
    }
  };

  const readArray = (path: JsonPath): void => {
    at++; // [
    skipWhitespace();
    if (text[at] === "]") {
      at++;
      return;
    }
    for (let index = 0; ; index++) {
      readValue([...path, index]);
      skipWhitespace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      expect("]");
      return;
    }
  };

  // A byte-order mark is not JSON, and JSON.parse has already refused one.
  readValue([]);
  return problems;
}
