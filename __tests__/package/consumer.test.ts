import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildConsumerApp, ConsumerApp, exampleNames, PROJECT_ROOT } from "./consumer-app";
import type { ExampleExpectations } from "../examples/plan-queries";

// The package as a consumer gets it. One `npm pack` (its prepack step is `npm run build`), one install,
// one `tsc` for every example, and every example's stacks planned in parallel: shared by all tests here.
let consumer: ConsumerApp;

// Each example adds a plan; with 4 examples on a busy 2-core machine the setup has taken 90 s.
beforeAll(async () => {
  consumer = await buildConsumerApp();
}, 300_000);

afterAll(() => {
  if (consumer) rmSync(consumer.dir, { recursive: true, force: true });
});

// The file list is the one `npm pack --json` printed while making the tarball: the same list as
// `npm pack --dry-run --json`, without a second build.
describe("the packed tarball", () => {
  const FORBIDDEN: [RegExp, string][] = [
    [/^(__tests__|tests?)\//, "tests"],
    [/^bench\//, "bench"],
    [/^(config|settings|stacks|tools|scripts|examples|docs|\.github|\.ci)\//, "app, tooling or config"],
    [/^(main\.ts|cdktf\.json|tsconfig.*\.json|jest\.config\.js|eslint\.config\.mjs|\.prettier.*)$/, "config"],
    [/(?<!\.d)\.ts$/, "TypeScript sources"],
    [/\.map$/, "source or declaration maps (they point at .ts sources the package does not ship)"],
  ];

  test("holds only compiled modules, their declarations, instance scripts and the docs", () => {
    const paths = consumer.packedFiles.map((f) => f.path);
    const problems = paths.flatMap((path) =>
      FORBIDDEN.filter(([pattern]) => pattern.test(path)).map(([, what]) => `${path} (${what})`),
    );
    expect(problems).toEqual([]);
    const outside = paths.filter(
      (path) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/modules\/.+)$/.test(path),
    );
    expect(outside).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        "dist/modules/index.js",
        "dist/modules/index.d.ts",
        "dist/modules/clients/scripts/mount-shared-home.sh",
        "dist/modules/backup/scripts/backup-shared-home.sh",
      ]),
    );
  });

  test("points at no map: no compiled file names a source map", () => {
    const naming = consumer.packedFiles
      .map((f) => f.path)
      .filter((path) => /\.(js|d\.ts)$/.test(path))
      .filter((path) => readFileSync(join(consumer.packageDir, path), "utf8").includes("sourceMappingURL="));
    expect(naming).toEqual([]);
  });

  test("ships every file the exports map, types and typesVersions point at", () => {
    const manifest = JSON.parse(readFileSync(join(consumer.packageDir, "package.json"), "utf8"));
    const targets: string[] = [manifest.main, manifest.types];
    for (const [subpath, conditions] of Object.entries<any>(manifest.exports)) {
      if (typeof conditions === "string") continue;
      targets.push(conditions.types, conditions.require, conditions.default);
      const name = subpath.replace(/^\.\/?/, "");
      // node10 resolution (the cdktf template's) finds subpath types only through typesVersions.
      if (name !== "") expect([`./${manifest.typesVersions["*"][name]}`]).toEqual([conditions.types]);
    }
    const missing = targets.filter((target) => !existsSync(join(consumer.packageDir, target)));
    expect(missing).toEqual([]);
  });
});

describe.each(exampleNames())(
  "example %s, compiled strictly against the tarball and run with node",
  (name) => {
    const file = join(PROJECT_ROOT, "__tests__", "examples", `${name}.ts`);
    // An example without expectations fails in manifest.test.ts; here it is still compiled, run and planned.
    const checks = existsSync(file) ? loadExpectations(file).checks : {};

    test("synthesizes at least one stack, which validates and plans offline", () => {
      expect(Object.keys(consumer.plans[name] ?? {}).length).toBeGreaterThan(0);
    });

    if (Object.keys(checks).length > 0) {
      test.each(Object.entries(checks))("%s", (_, check) => {
        check(consumer.plans[name] ?? {}, consumer.synthesized[name] ?? {});
      });
    }
  },
);

/** Found by name, so that an example added by anyone is checked without editing this file. */
function loadExpectations(file: string): ExampleExpectations {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { expectations: ExampleExpectations }).expectations;
}
