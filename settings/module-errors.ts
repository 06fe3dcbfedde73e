import { App } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PropsValidationError } from "../modules/shared/validation";
import { AZ_NAME_PATTERN, regionOfAz, REGION_PATTERN } from "../modules/shared/patterns";
import { formatPath, gotValue, parsePath, SettingsError, valueAt } from "./errors";
import type { JsonPath } from "./json-text";

type PathSegment = string | number;
import { checkSchema, SettingsSource } from "./load";
import { Settings, SettingsSchema } from "./schema";

interface SettingsSection {
  /** The settings section a construct's props come from. */
  readonly section: string;
  /** Props that come from elsewhere in the settings, by prop name: the settings path to blame instead. */
  readonly renamedProps?: Readonly<Record<string, string>>;
}

/**
 * Which settings section feeds which construct, by the construct's id inside its stack. A module
 * reports `<prop>: <message>` against its construct path (e.g. `efs/shared-file-system`); the user
 * only knows the settings file, so each problem is re-reported at the settings path that caused it.
 */
const SETTINGS_SECTION_OF_CONSTRUCT: Readonly<Record<string, SettingsSection>> = {
  network: { section: "network", renamedProps: { availabilityZones: "availabilityZones" } },
  // `Network.fromExisting` is not a construct: its "path" is its name.
  "Network.fromExisting": {
    section: "network.existing",
    renamedProps: { availabilityZones: "availabilityZones" },
  },
  // The stack gives the file system one private subnet per AZ.
  "shared-file-system": { section: "fileSystem", renamedProps: { subnets: "availabilityZones" } },
  monitoring: { section: "monitoring", renamedProps: { region: "region" } },
  clients: { section: "clients", renamedProps: { region: "region", subnets: "availabilityZones" } },
  "ebs-snapshot-backup": { section: "backup.ebsSnapshots" },
  "aws-backup": { section: "backup.awsBackup" },
};

/** The settings path of one module problem `<prop>: <message>` raised by the construct at `constructPath`. */
export function settingsPathOf(constructPath: string, prop: string): string | undefined {
  const [stackOrName, constructId] = constructPath.split("/");
  const mapping = SETTINGS_SECTION_OF_CONSTRUCT[constructId ?? stackOrName];
  // A stack's own cross-module rules (e.g. efs-with-backup's) already name the settings path.
  if (constructId === undefined && !mapping) return prop;
  if (!mapping) return undefined;
  return mapping.renamedProps?.[prop] ?? `${mapping.section}.${prop}`;
}

/** One module problem, re-worded for the settings file. */
interface SettingsProblem {
  /** `<settings.path>: <message> (got <value>)`, or `<construct path>: <problem>` when no setting feeds it. */
  readonly line: string;
  /** The settings path the problem is reported against, if any. */
  readonly blamedPath?: readonly PathSegment[];
  /**
   * The settings section that fed the construct that raised it (`backup.ebsSnapshots`), else the
   * top-level key it is reported against: what to leave at its defaults so the next modules run.
   */
  readonly section?: readonly PathSegment[];
}

function asSettingsProblems(error: PropsValidationError, settings: Settings): SettingsProblem[] {
  const [stackOrName, constructId] = error.constructPath.split("/");
  const fedBy = SETTINGS_SECTION_OF_CONSTRUCT[constructId ?? stackOrName]?.section;
  const source = fedBy === undefined ? undefined : (parsePath(fedBy) as PathSegment[]);
  return error.problems.map((problem) => {
    const separator = problem.indexOf(": ");
    const prop = separator < 0 ? "" : problem.slice(0, separator);
    const message = separator < 0 ? problem : problem.slice(separator + 2);
    const path = settingsPathOf(error.constructPath, prop);
    if (path === undefined) return { line: `${error.constructPath}: ${problem}`, section: source };
    const segments = parsePath(path) as PathSegment[];
    const line = `${formatPath(segments)}: ${message} ${gotValue(valueAt(settings, segments), segments)}`;
    return { line, blamedPath: segments, section: source ?? segments.slice(0, 1) };
  });
}

/** Re-words a module's validation error as settings problems, `<settings.path>: <message> (got <value>)`. */
export function moduleProblemsAsSettingsProblems(error: PropsValidationError, settings: Settings): string[] {
  return asSettingsProblems(error, settings).map((problem) => problem.line);
}

/** Adds the stacks built from `settings` to `app`. */
export type StackBuilder = (app: App, settings: Settings) => void;

/**
 * Validates the settings file completely and builds the stacks into `app`, or throws one
 * `SettingsError` listing every problem: in the text, against the schema, and of every module.
 *
 * A module refuses its props by throwing, which stops the stack it is in, so one build finds the
 * problems of one module per stack. When something is wrong, the stacks are therefore built again in
 * throwaway apps: first from the settings without every value the schema refused (those fall back
 * to their defaults; a missing region or AZ list gets a valid stand-in), then each time with the
 * sections whose modules failed left at their defaults too, until no new section fails. So the
 * rules of every section run, whatever is wrong elsewhere; problems about a value the user did not
 * write (a default, a stand-in) are left out. The happy path builds once.
 */
export function buildFromSettings(
  source: SettingsSource,
  app: App,
  builders: readonly StackBuilder[],
): Settings {
  const schema = checkSchema(source.input, source.textProblems);
  if (schema.settings) {
    const firstBuild = buildCollecting(app, schema.settings, builders);
    if (firstBuild.length === 0) return schema.settings;
    throw new SettingsError(source.file, collectModuleProblems(schema.settings, [], builders));
  }
  const usable = usableSettings(source.input, schema.refusedPaths);
  const moduleProblems = usable ? collectModuleProblems(usable.settings, usable.removed, builders) : [];
  throw new SettingsError(source.file, [...new Set([...schema.problems, ...moduleProblems])]);
}

/** Runs each builder; returns the problems of the modules that refused their props. */
function buildCollecting(app: App, settings: Settings, builders: readonly StackBuilder[]): SettingsProblem[] {
  const problems: SettingsProblem[] = [];
  for (const build of builders) {
    try {
      build(app, settings);
    } catch (error) {
      if (!(error instanceof PropsValidationError)) throw error;
      problems.push(...asSettingsProblems(error, settings));
    }
  }
  return problems;
}

/** Sections the stacks cannot do without: they get stand-ins, never left out. */
const REQUIRED_SECTIONS = new Set(["region", "availabilityZones"]);
/** Enough rounds for every section, or every nesting level, to fail once. */
const MAX_ROUNDS = 12;

function isPrefix(prefix: readonly PathSegment[], path: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}

/**
 * Every module problem of `settings`, leaving out those about a `removed` value (a default or a
 * stand-in now, not what the user wrote). Each round builds the stacks in a throwaway app, then puts
 * the sections whose modules failed back to their defaults so that the modules after them run too.
 */
function collectModuleProblems(
  settings: Settings,
  removed: readonly JsonPath[],
  builders: readonly StackBuilder[],
): string[] {
  const lines = new Set<string>();
  const leftOut: (readonly PathSegment[])[] = [];
  const isAboutRemoved = (path: readonly PathSegment[]) =>
    [...removed, ...leftOut].some((gone) => isPrefix(gone, path) || isPrefix(path, gone));
  let current = settings;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const problems = withScratchApp((app) => buildCollecting(app, current, builders));
    const failing: (readonly PathSegment[])[] = [];
    for (const { line, blamedPath, section } of problems) {
      if (blamedPath === undefined || !isAboutRemoved(blamedPath)) lines.add(line);
      const canLeaveOut =
        section !== undefined &&
        !REQUIRED_SECTIONS.has(String(section[0])) &&
        ![...leftOut, ...failing].some((gone) => isPrefix(gone, section));
      if (canLeaveOut) failing.push(section);
    }
    if (failing.length === 0) break;
    leftOut.push(...failing);
    current = withoutPaths(settings, leftOut);
  }
  return [...lines];
}

/** A copy of `settings` with the values at `paths` taken out (so they fall back to their defaults). */
function withoutPaths(settings: Settings, paths: readonly (readonly PathSegment[])[]): Settings {
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const path of paths) {
    const parent = valueAt(copy, path.slice(0, -1));
    if (typeof parent === "object" && parent !== null)
      delete (parent as Record<PathSegment, unknown>)[path[path.length - 1]];
  }
  return copy as Settings;
}

function withScratchApp<T>(use: (app: App) => T): T {
  // An App makes its output directory at once; nothing is synthesized into it.
  const outdir = mkdtempSync(join(tmpdir(), "efs-settings-check-"));
  try {
    return use(new App({ outdir }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Settings the stacks can be built from: the input without each value the schema refused (the
 * nearest object key above each problem is removed, and its parent next round if that is still not
 * valid), with valid stand-ins for a refused `region` or `availabilityZones`. Undefined when there is
 * no such thing (the input is not even an object). `removed` lists every path taken out.
 */
function usableSettings(
  input: unknown,
  refusedPaths: readonly JsonPath[],
): { settings: Settings; removed: JsonPath[] } | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  // A deep copy through JSON keeps "__proto__" as an own key, so it can be deleted like any other.
  const candidate = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  const removed: JsonPath[] = [];
  const isRemoved = (path: JsonPath) => removed.some((gone) => isPrefix(gone, path));
  /** Takes the value at `path` out; false when nothing can be taken out any more. */
  const remove = (path: JsonPath): boolean => {
    let target = objectKeyPath(path);
    // Refused again although taken out: a required key is missing now, so its object goes too.
    while (target.length > 0 && isRemoved(target)) target = objectKeyPath(target.slice(0, -1));
    if (target.length === 0) return false;
    removed.push(target);
    const key = String(target[target.length - 1]);
    if (target.length === 1 && REQUIRED_SECTIONS.has(key)) {
      standIn(candidate, key, input as Record<string, unknown>);
      return true;
    }
    const parent = valueAt(candidate, target.slice(0, -1));
    if (typeof parent === "object" && parent !== null) delete (parent as Record<string, unknown>)[key];
    return true;
  };
  let pending = refusedPaths;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!pending.every(remove)) return undefined;
    const result = SettingsSchema.safeParse(candidate);
    if (result.success) return { settings: result.data, removed };
    pending = result.error.issues.flatMap((issue) =>
      issue.code === "unrecognized_keys"
        ? issue.keys.map((key) => [...issue.path, key] as JsonPath)
        : [issue.path as JsonPath],
    );
  }
  return undefined;
}

/** The path up to its last object key: array indexes below that key are taken out with it. */
function objectKeyPath(path: JsonPath): JsonPath {
  let end = 0;
  path.forEach((segment, i) => {
    if (typeof segment === "string") end = i + 1;
  });
  return path.slice(0, end);
}

/** A valid value for a refused required field: the Region of the first AZ, or two AZs of the Region. */
function standIn(candidate: Record<string, unknown>, key: string, input: Record<string, unknown>): void {
  const zones = Array.isArray(input.availabilityZones) ? input.availabilityZones : [];
  const firstZone = zones.find((zone) => typeof zone === "string" && AZ_NAME_PATTERN.test(zone));
  if (key === "region") {
    candidate.region = typeof firstZone === "string" ? regionOfAz(firstZone) : "eu-west-1";
  } else {
    const region =
      typeof candidate.region === "string" && REGION_PATTERN.test(candidate.region)
        ? candidate.region
        : "eu-west-1";
    candidate.availabilityZones = [`${region}a`, `${region}b`];
  }
}
