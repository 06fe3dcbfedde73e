/**
 * Several stacks applied as ONE Terraform configuration: a root module that calls each applied copy
 * as a child module. `init`, `apply`, the second `plan` and `destroy` then run once for all of them
 * instead of once per stack, and each terraform command decodes the provider's schema (about 2 s of
 * CPU) once. Every check stays per stack: the results are read back per module from terraform's
 * machine-readable output (`-json`) and from the combined plan.
 *
 * Each stack keeps its own provider configuration (its endpoint and default tags). When the harness
 * runs one provider process per stack, each stack's `aws` provider gets a source address of its own,
 * which `TF_REATTACH_PROVIDERS` maps to that process: terraform attaches to it instead of starting a
 * provider process per configuration, per walk and per command.
 */

// Terraform JSON (synth output, plans, machine-readable UI) is untyped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Hostname of the per-stack provider addresses: `.test` is reserved, so nothing is ever fetched from it. */
const STACK_PROVIDER_HOST = "efs-apply.test";

/** A stack's child module name in the combined configuration, e.g. `dev__efs-with-backup`. */
export function moduleNameOf(configuration: string, stack: string): string {
  return `${configuration}__${stack}`.replace(/[^A-Za-z0-9_-]/g, "-");
}

/**
 * The source address of a stack's own provider process, e.g. `efs-apply.test/dev-efs-with-backup/aws`.
 * A namespace takes letters, digits and single dashes only.
 */
export function stackProviderSource(moduleName: string): string {
  const namespace = moduleName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${STACK_PROVIDER_HOST}/${namespace}/aws`;
}

/** A member of a combined configuration: its module name and its `source` in the root. */
export interface Member {
  readonly moduleName: string;
  readonly source: string;
}

/** The root module: one `module` block per stack, and the one local state of the configuration. */
export function rootModule(members: readonly Member[]): Json {
  return {
    terraform: { backend: { local: { path: "apply.tfstate" } } },
    module: Object.fromEntries(members.map(({ moduleName, source }) => [moduleName, { source }])),
  };
}

/** `module.<name>.<rest>` split into the module name and the address within the stack. */
export function splitAddress(address: string): { moduleName?: string; address: string } {
  const match = /^module\.([^.[]+)\.(.+)$/.exec(address);
  return match ? { moduleName: match[1], address: match[2] } : { address };
}

/**
 * One stack's part of the combined plan (`terraform show -json`), with the addresses a plan of that
 * stack alone would show.
 */
export function memberPlan(plan: Json, moduleName: string): Json {
  return {
    resource_changes: (plan.resource_changes ?? [])
      .filter((change: Json) => change.module_address === `module.${moduleName}`)
      .map((change: Json) => {
        const own: Json = { ...change, address: splitAddress(change.address).address };
        delete own.module_address;
        return own;
      }),
  };
}

/** What one terraform command did to one stack, read from its `-json` output. */
export interface ModuleReport {
  /** Error diagnostics, one line each, with the address inside the stack. */
  readonly errors: string[];
  /** Seconds from `started` to the module's last finished resource, if one finished. */
  readonly seconds?: number;
}

/** A diagnostic's own lines: summary, where (address within the stack), detail. */
function describeDiagnostic(diagnostic: Json): string {
  const where = diagnostic.address ? ` (${splitAddress(diagnostic.address).address})` : "";
  const detail = diagnostic.detail ? `: ${String(diagnostic.detail).split("\n")[0]}` : "";
  return `${diagnostic.summary}${where}${detail}`;
}

/** The module a diagnostic is about: by its resource address, else by the file it points into. */
function moduleOf(diagnostic: Json, members: readonly Member[]): string | undefined {
  const byAddress = splitAddress(diagnostic.address ?? "").moduleName;
  if (byAddress !== undefined) return byAddress;
  const file = String(diagnostic.range?.filename ?? "").replace(/^\.\//, "");
  return members.find(({ source }) => file.startsWith(`${source.replace(/^\.\//, "")}/`))?.moduleName;
}

/**
 * Reads a `terraform apply -json` or `destroy -json` stream: per module, its error diagnostics and
 * when its last resource finished. An error that names no module (a broken root, a provider that
 * will not start) is in `unattributed`: it fails every stack of the command.
 */
export function reportsByModule(
  jsonLines: string,
  members: readonly Member[],
  started: number,
): { reports: Record<string, ModuleReport>; unattributed: string[] } {
  const reports: Record<string, { errors: string[]; seconds?: number }> = Object.fromEntries(
    members.map(({ moduleName }) => [moduleName, { errors: [] }]),
  );
  const unattributed: string[] = [];
  for (const line of jsonLines.split("\n")) {
    if (!line.startsWith("{")) continue;
    let message: Json;
    try {
      message = JSON.parse(line);
    } catch {
      continue;
    }
    if (message.type === "diagnostic" && message.diagnostic?.severity === "error") {
      const moduleName = moduleOf(message.diagnostic, members);
      const report = moduleName === undefined ? undefined : reports[moduleName];
      if (report) report.errors.push(describeDiagnostic(message.diagnostic));
      else unattributed.push(describeDiagnostic(message.diagnostic));
    }
    if (message.type === "apply_complete" || message.type === "apply_errored") {
      const moduleName = splitAddress(message.hook?.resource?.addr ?? "").moduleName;
      const report = moduleName === undefined ? undefined : reports[moduleName];
      const at = Date.parse(message["@timestamp"]);
      if (report && !Number.isNaN(at)) report.seconds = Math.max(report.seconds ?? 0, (at - started) / 1000);
    }
  }
  return { reports, unattributed };
}

/** The `@message` of each line of a `-json` stream: what terraform would have printed, for the logs. */
export function messages(jsonLines: string): string {
  return jsonLines
    .split("\n")
    .map((line) => {
      try {
        return (JSON.parse(line) as Json)["@message"] ?? line;
      } catch {
        return line;
      }
    })
    .join("\n");
}
