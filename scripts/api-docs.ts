/**
 * `npm run api`: writes the API reference, `docs/api/`, with TypeDoc and typedoc-plugin-markdown, and
 * refreshes the example copies in the docs (`scripts/doc-examples.ts`).
 * `npm run api:check` (part of `npm run lint`): renders the reference into a temporary directory and
 * fails, listing the pages, when it differs from `docs/api/`.
 *
 * - One page per entry point, taken from package.json `exports`, so a new subpath shows up by itself.
 *   The package root re-exports the subpaths, so its page links to them instead of repeating them.
 * - Public surface only: exported names, no private or protected members, nothing `@internal`, and
 *   nothing from `modules/shared` unless an entry point exports it (PropsValidationError).
 * - On each page: constructs first, then props and other types, then helper functions and classes,
 *   then constants. No source line numbers: a change inside a function body leaves the pages alone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeExampleCopies } from "./doc-examples";

const PROJECT_ROOT = path.resolve(__dirname, "..");
export const API_DIR = "docs/api";

const GROUP_ORDER = ["Constructs", "Props and types", "Helpers", "Constants", "References"];

// TypeDoc's own types resolve only under `node16` module resolution (its package.json `imports`), and
// this repository compiles with `node`: the few parts used here, as this file uses them.
interface Reflection {
  name: string;
  readonly children?: Reflection[];
  readonly extendedTypes?: {
    readonly type: string;
    readonly name?: string;
    readonly package?: string;
    readonly reflection?: Reflection;
  }[];
  comment?: { blockTags: unknown[] };
  readonly parent?: Reflection;
  kindOf(kind: number): boolean;
}
interface ConverterContext {
  readonly project: {
    getChildrenByKind(kind: number): Reflection[];
    getReflectionsByKind(kind: number): Reflection[];
  };
  getSymbolFromReflection(
    reflection: Reflection,
  ): { declarations?: { getSourceFile(): { fileName: string } }[] } | undefined;
}
interface TypeDoc {
  Application: {
    bootstrapWithPlugins(options: Record<string, unknown>): Promise<{
      converter: { on(event: string, listener: (context: ConverterContext) => void, priority: number): void };
      convert(): Promise<object | undefined>;
      generateOutputs(project: object): Promise<void>;
      logger: { hasErrors(): boolean };
    }>;
  };
  Comment: new (summary?: { kind: "text"; text: string }[]) => { blockTags: unknown[] };
  CommentTag: new (tag: string, content: { kind: "text"; text: string }[]) => unknown;
  Converter: { EVENT_RESOLVE_END: string };
  ReflectionKind: Record<
    "Module" | "Class" | "Interface" | "TypeAlias" | "Enum" | "Function" | "Variable" | "Reference",
    number
  >;
}

interface EntryPoint {
  /** What a consumer imports: `cdktf-efs-shared-home` or `cdktf-efs-shared-home/efs`. */
  readonly specifier: string;
  /** The TypeScript source of its declarations, relative to the project root. */
  readonly source: string;
}

/** The package's entry points, from `exports`: `./dist/modules/x/index.d.ts` is built from `modules/x/index.ts`. */
export function entryPoints(rootDir = PROJECT_ROOT): EntryPoint[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(rootDir, "package.json"), "utf8"));
  return Object.entries<string | { types?: string }>(manifest.exports).flatMap(([subpath, target]) => {
    const types = typeof target === "string" ? undefined : target.types;
    if (types === undefined) return [];
    const source = types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts");
    return [{ specifier: `${manifest.name}${subpath.slice(1)}`, source }];
  });
}

/** True when the class extends `Construct` from `constructs`, directly or through our own classes. */
function isConstruct(declaration: Reflection): boolean {
  return (declaration.extendedTypes ?? []).some(
    (type) =>
      type.type === "reference" &&
      ((type.name === "Construct" && type.package === "constructs") ||
        (type.reflection !== undefined && isConstruct(type.reflection))),
  );
}

/**
 * The index's line for an entry point: for a subpath, its constructs (`constructs` names them); for
 * the root, the subpaths it re-exports and what it adds of its own (`own`).
 */
function describeModule(
  entry: EntryPoint,
  all: readonly EntryPoint[],
  constructs: string[],
  own: string[],
): string {
  const code = (names: string[]) => names.map((name) => `\`${name}\``).join(", ");
  if (entry.specifier.includes("/")) return constructs.length > 0 ? `Constructs: ${code(constructs)}.` : "";
  const subpaths = all
    .filter((e) => e.specifier.includes("/"))
    .map((e) => e.specifier.slice(e.specifier.indexOf("/")));
  return `Everything: re-exports ${code(subpaths)}${own.length > 0 ? `, and adds ${code(own)}` : ""}.`;
}

/** Renders the reference into `outDir` (emptied first). */
export async function renderApiDocs(outDir: string, rootDir = PROJECT_ROOT): Promise<void> {
  // TypeDoc is an ES module; this file runs as CommonJS.
  const typedocPackage = "typedoc"; // a variable, so that tsc does not try to resolve its types
  const typedoc = (await import(typedocPackage)) as TypeDoc;
  const { Application, Comment, CommentTag, Converter, ReflectionKind } = typedoc;
  const entries = entryPoints(rootDir);
  // The root re-exports every subpath: listed last, it gets links to their pages, not copies.
  const ordered = [
    ...entries.filter((e) => e.specifier.includes("/")),
    ...entries.filter((e) => !e.specifier.includes("/")),
  ];
  const app = await Application.bootstrapWithPlugins({
    entryPoints: ordered.map((entry) => path.join(rootDir, entry.source)),
    tsconfig: path.join(rootDir, "tsconfig.build.json"),
    plugin: ["typedoc-plugin-markdown"],
    out: outDir,
    cleanOutputDir: true,
    readme: "none",
    name: "API reference",
    excludePrivate: true,
    excludeProtected: true,
    excludeInternal: true,
    excludeExternals: true,
    disableSources: true,
    sortEntryPoints: false,
    groupOrder: GROUP_ORDER,
    sort: ["alphabetical-ignoring-documents"],
    logLevel: "Warn",
    // typedoc-plugin-markdown
    outputFileStrategy: "modules",
    entryFileName: "README.md",
    hidePageHeader: true,
    hideBreadcrumbs: true,
    indexFormat: "table",
    parametersFormat: "table",
    interfacePropertiesFormat: "table",
    classPropertiesFormat: "table",
    typeAliasPropertiesFormat: "table",
    enumMembersFormat: "table",
    propertyMembersFormat: "table",
    typeDeclarationFormat: "table",
    useCodeBlocks: true,
    useHTMLAnchors: true,
  });

  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      const project = context.project;
      for (const module of project.getChildrenByKind(ReflectionKind.Module)) {
        const file = context.getSymbolFromReflection(module)?.declarations?.[0]?.getSourceFile().fileName;
        const entry = ordered.find(
          (e) => file !== undefined && path.resolve(file) === path.join(rootDir, e.source),
        );
        if (entry === undefined)
          throw new Error(`no entry point in package.json exports for ${file ?? module.name}`);
        module.name = entry.specifier;
        const children = module.children ?? [];
        const constructs = children
          .filter((c) => c.kindOf(ReflectionKind.Class) && isConstruct(c))
          .map((c) => c.name);
        const own = children.filter((c) => !c.kindOf(ReflectionKind.Reference)).map((c) => c.name);
        const text = describeModule(entry, ordered, constructs, own);
        module.comment = new Comment([{ kind: "text", text }]);
      }
      for (const reflection of project.getReflectionsByKind(
        ReflectionKind.Class |
          ReflectionKind.Interface |
          ReflectionKind.TypeAlias |
          ReflectionKind.Enum |
          ReflectionKind.Function |
          ReflectionKind.Variable,
      )) {
        if (!reflection.parent?.kindOf(ReflectionKind.Module)) continue;
        const group = reflection.kindOf(ReflectionKind.Class)
          ? isConstruct(reflection)
            ? "Constructs"
            : "Helpers"
          : reflection.kindOf(ReflectionKind.Function)
            ? "Helpers"
            : reflection.kindOf(ReflectionKind.Variable)
              ? "Constants"
              : "Props and types";
        reflection.comment ??= new Comment();
        reflection.comment.blockTags.push(new CommentTag("@group", [{ kind: "text", text: group }]));
      }
    },
    100,
  );

  const project = await app.convert();
  if (!project) throw new Error("TypeDoc could not convert the entry points (see the messages above)");
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error("TypeDoc reported errors (see the messages above)");
}

/** Every file under `dir`, relative to it, `/`-separated, sorted. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** The pages of `docs/api/` that differ from a fresh rendering, are missing, or should not be there. */
export async function staleApiPages(rootDir = PROJECT_ROOT): Promise<string[]> {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "api-docs-"));
  try {
    await renderApiDocs(fresh, rootDir);
    const committed = path.join(rootDir, API_DIR);
    const names = [...new Set([...filesUnder(fresh), ...filesUnder(committed)])].sort();
    return names.filter((name) => {
      const a = path.join(fresh, name);
      const b = path.join(committed, name);
      return (
        !fs.existsSync(a) || !fs.existsSync(b) || fs.readFileSync(a, "utf8") !== fs.readFileSync(b, "utf8")
      );
    });
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--check")) {
    const stale = await staleApiPages();
    if (stale.length > 0) {
      process.stderr.write(
        `${API_DIR} is out of date (${stale.join(", ")}): run \`npm run api\` and commit the result\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${API_DIR} is current\n`);
    return;
  }
  await renderApiDocs(path.join(PROJECT_ROOT, API_DIR));
  const copies = writeExampleCopies(PROJECT_ROOT);
  process.stdout.write(`wrote ${API_DIR} and the example copies (${copies.join("; ")})\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
