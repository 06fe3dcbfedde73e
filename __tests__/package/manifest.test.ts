import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { documentationPages, exampleCopies, renderExampleCopies } from "../../scripts/doc-examples";
import { exampleNames, PACKAGE_NAME, PROJECT_ROOT } from "./consumer-app";

// Cheap checks of package.json and the docs, without a build; consumer.test.ts checks the tarball.
const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8"));
const PEERS = ["@cdktf/provider-aws", "cdktf", "constructs"];

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? typeScriptFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The module specifiers a TypeScript file imports or re-exports. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gms)].map((m) => m[1] ?? "");
}

/** `^x.y.z` holds `version` if it is an exact x.y.z pin, not lower, with the same major (minor for 0.x). */
function satisfiesCaret(version: string, range: string): boolean {
  const pin = /^(\d+)\.(\d+)\.(\d+)$/.exec(version)?.slice(1).map(Number);
  const floor = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range)?.slice(1).map(Number);
  if (!pin || !floor) return false;
  const [major = 0, minor = 0, patch = 0] = pin;
  const [floorMajor = 0, floorMinor = 0, floorPatch = 0] = floor;
  if (major !== floorMajor || (floorMajor === 0 && minor !== floorMinor)) return false;
  return minor > floorMinor || (minor === floorMinor && patch >= floorPatch);
}

/** `@scope/name/deep/path` → `@scope/name`; `name/deep` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
}

describe("package.json", () => {
  test("is publishable: not private, MIT as in LICENSE, with an entry point for every module", () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe("MIT");
    expect(readFileSync(join(PROJECT_ROOT, "LICENSE"), "utf8")).toMatch(/^MIT License\n/);
    const modules = readdirSync(join(PROJECT_ROOT, "modules"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "shared")
      .map((e) => `./${e.name}`);
    expect(Object.keys(manifest.exports).sort()).toEqual([".", ...modules, "./package.json"].sort());
  });

  test("the modules import only the peers and Node.js built-ins; nothing else is a runtime dependency", () => {
    const external = new Set<string>();
    for (const file of typeScriptFiles(join(PROJECT_ROOT, "modules"))) {
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith(".")) external.add(packageOf(specifier));
      }
    }
    const notBuiltin = [...external].filter(
      (name) => !name.startsWith("node:") && !builtinModules.includes(name),
    );
    expect(notBuiltin.sort()).toEqual(PEERS);
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(PEERS);
  });

  test("the app's exact pins of the peers are inside the peer ranges", () => {
    const outside = PEERS.filter(
      (name) => !satisfiesCaret(manifest.devDependencies[name], manifest.peerDependencies[name]),
    );
    expect(outside).toEqual([]);
  });
});

describe("examples", () => {
  test.each(exampleNames())(
    "%s imports only the package, cdktf, constructs and provider deep paths",
    (name) => {
      const file = join(PROJECT_ROOT, "examples", name, "main.ts");
      const allowed = new RegExp(
        `^(${PACKAGE_NAME}(/(efs|network|clients|monitoring|backup))?|cdktf|constructs|@cdktf/provider-aws/lib/[a-z0-9-]+)$`,
      );
      expect(importsOf(file).filter((specifier) => !allowed.test(specifier))).toEqual([]);
      expect(readFileSync(file, "utf8")).toMatch(/\bapp\.synth\(\);\n$/);
    },
  );

  test("every example has plan expectations in __tests__/examples/<name>.ts", () => {
    const missing = exampleNames().filter(
      (name) => !existsSync(join(PROJECT_ROOT, "__tests__", "examples", `${name}.ts`)),
    );
    expect(missing).toEqual([]);
  });
});

test("the docs show each consumer type from its tested example file, unchanged (refresh with `npm run api`)", () => {
  const pages = documentationPages().map((page) => ({
    page,
    markdown: readFileSync(join(PROJECT_ROOT, page), "utf8"),
  }));
  const shown = pages.flatMap(({ page, markdown }) =>
    exampleCopies(markdown).map((file) => `${page}: ${file}`),
  );
  expect(shown).toEqual([
    "README.md: examples/byo-vpc/main.ts",
    "docs/modules/containers.md: examples/ecs-fargate/main.ts",
    "docs/modules/containers.md: examples/lambda/main.ts",
    "docs/web-fleet.md: examples/web-fleet/main.ts",
  ]);
  const stale = pages
    .filter(({ markdown }) => renderExampleCopies(markdown) !== markdown)
    .map(({ page }) => page);
  expect(stale).toEqual([]);
});
