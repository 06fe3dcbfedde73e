/**
 * Compares two synthesized Terraform JSON documents of one stack, attribute by attribute, and reports
 * each difference the allow-list does not explain.
 */

/** One synthesized stack: `cdk.tf.json` as parsed. */
export type TerraformJson = Record<string, unknown>;

/** One attribute that differs: `<stack> <address> <attribute>: cdktf=<v> cdktn=<v>`. */
export interface Difference {
  readonly stack: string;
  /** `aws_efs_file_system.x`, `data.aws_x.y`, `output.x`, `provider.aws[0]`, `terraform` or `//`. */
  readonly address: string;
  /** Dotted path inside the block, with `[i]` for list items; `*` when the whole block is missing. */
  readonly attribute: string;
  readonly cdktf: string;
  readonly cdktn: string;
}

/** A difference that is expected, with the reason. Patterns take `*` for any run of characters. */
export interface AllowedDifference {
  /** Stack pattern, as `<source>/<stack>` (`config/dev/efs`, `examples/two-fs/two-fs`). @default "*" */
  readonly stack?: string;
  readonly address: string;
  readonly attribute: string;
  /** The cdktf side's value must be exactly this (as printed). @default - any value */
  readonly cdktf?: string;
  /** The cdktn side's value must be exactly this (as printed). @default - any value */
  readonly cdktn?: string;
  /** Why this difference is harmless. Required: an entry nobody can explain must not exist. */
  readonly why: string;
}

export const ABSENT = "<absent>";

/** The blocks whose children are keyed by type and then by name. */
const TYPED_BLOCKS: Readonly<Record<string, string>> = { resource: "", data: "data." };

/** Splits a stack document into addressable blocks: address → the block's value. */
export function blocksOf(document: TerraformJson): Map<string, unknown> {
  const blocks = new Map<string, unknown>();
  for (const [key, value] of Object.entries(document)) {
    const prefix = TYPED_BLOCKS[key];
    if (prefix !== undefined && isObject(value)) {
      for (const [type, byName] of Object.entries(value)) {
        for (const [name, block] of Object.entries(isObject(byName) ? byName : {})) {
          blocks.set(`${prefix}${type}.${name}`, block);
        }
      }
    } else if (key === "provider" && isObject(value)) {
      // cdktf writes each provider as a list, one item per alias.
      for (const [name, configurations] of Object.entries(value)) {
        const list = Array.isArray(configurations) ? configurations : [configurations];
        list.forEach((configuration, index) => blocks.set(`provider.${name}[${index}]`, configuration));
      }
    } else if (
      (key === "output" || key === "variable" || key === "module" || key === "locals") &&
      isObject(value)
    ) {
      for (const [name, block] of Object.entries(value)) blocks.set(`${key}.${name}`, block);
    } else {
      blocks.set(key, value); // `terraform`, `//` and anything a later cdktn adds
    }
  }
  return blocks;
}

/** Leaf attributes of a block: dotted path → the value as JSON. */
export function flatten(value: unknown, path = "", into = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    if (value.length === 0) into.set(path, "[]");
    value.forEach((item, index) => flatten(item, `${path}[${index}]`, into));
  } else if (isObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) into.set(path, "{}");
    for (const [key, item] of entries) flatten(item, path === "" ? key : `${path}.${key}`, into);
  } else {
    into.set(path, JSON.stringify(value));
  }
  return into;
}

/** Every attribute that differs between the two synths of one stack, in address order. */
export function diffStack(stack: string, cdktf: TerraformJson, cdktn: TerraformJson): Difference[] {
  const before = blocksOf(cdktf);
  const after = blocksOf(cdktn);
  const differences: Difference[] = [];
  for (const address of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    if (!before.has(address) || !after.has(address)) {
      differences.push({
        stack,
        address,
        attribute: "*",
        cdktf: before.has(address) ? "<present>" : ABSENT,
        cdktn: after.has(address) ? "<present>" : ABSENT,
      });
      continue;
    }
    const left = flatten(before.get(address));
    const right = flatten(after.get(address));
    for (const attribute of [...new Set([...left.keys(), ...right.keys()])].sort()) {
      const cdktfValue = left.get(attribute) ?? ABSENT;
      const cdktnValue = right.get(attribute) ?? ABSENT;
      if (cdktfValue !== cdktnValue) {
        differences.push({ stack, address, attribute, cdktf: cdktfValue, cdktn: cdktnValue });
      }
    }
  }
  return differences;
}

/** Stacks present on one side only, as differences of the whole stack. */
export function diffStackSets(
  source: string,
  cdktfStacks: readonly string[],
  cdktnStacks: readonly string[],
): Difference[] {
  const all = [...new Set([...cdktfStacks, ...cdktnStacks])].sort();
  return all
    .filter((name) => !cdktfStacks.includes(name) || !cdktnStacks.includes(name))
    .map((name) => ({
      stack: `${source}/${name}`,
      address: "(stack)",
      attribute: "*",
      cdktf: cdktfStacks.includes(name) ? "<present>" : ABSENT,
      cdktn: cdktnStacks.includes(name) ? "<present>" : ABSENT,
    }));
}

export function formatDifference(difference: Difference): string {
  const { stack, address, attribute, cdktf, cdktn } = difference;
  return `${stack} ${address} ${attribute}: cdktf=${cdktf} cdktn=${cdktn}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

export function isAllowed(difference: Difference, entry: AllowedDifference): boolean {
  return (
    globToRegExp(entry.stack ?? "*").test(difference.stack) &&
    globToRegExp(entry.address).test(difference.address) &&
    globToRegExp(entry.attribute).test(difference.attribute) &&
    (entry.cdktf === undefined || entry.cdktf === difference.cdktf) &&
    (entry.cdktn === undefined || entry.cdktn === difference.cdktn)
  );
}

export interface Classified {
  readonly unexplained: readonly Difference[];
  readonly explained: readonly { readonly difference: Difference; readonly entry: AllowedDifference }[];
  /** Allow-list entries that matched nothing: stale, or hiding nothing yet. */
  readonly unused: readonly AllowedDifference[];
}

/** Splits differences into those an allow-list entry explains and the rest. */
export function classify(
  differences: readonly Difference[],
  allowList: readonly AllowedDifference[],
): Classified {
  const used = new Set<AllowedDifference>();
  const unexplained: Difference[] = [];
  const explained: { difference: Difference; entry: AllowedDifference }[] = [];
  for (const difference of differences) {
    const entry = allowList.find((candidate) => isAllowed(difference, candidate));
    if (entry) {
      used.add(entry);
      explained.push({ difference, entry });
    } else {
      unexplained.push(difference);
    }
  }
  return { unexplained, explained, unused: allowList.filter((entry) => !used.has(entry)) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
