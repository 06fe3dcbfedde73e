import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { anchorsOf, brokenLinks, githubSlug, linkedPaths } from "../helpers/markdown-links";
import { documentationPages } from "../../scripts/doc-examples";
import { API_DIR, entryPoints } from "../../scripts/api-docs";

const PROJECT_ROOT = join(__dirname, "..", "..");
/** README.md and docs/**.md, plus the two other pages they send readers to. */
const PAGES = [...documentationPages(PROJECT_ROOT), "CHANGELOG.md", "examples/README.md"];

function subdirectories(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

test("every relative link and anchor in README.md and docs/ points at something that exists", () => {
  expect(brokenLinks(PROJECT_ROOT, PAGES)).toEqual([]);
});

test("README.md links to every example and to every module's guide", () => {
  const linked = new Set(linkedPaths(PROJECT_ROOT, "README.md"));
  const examples = subdirectories("examples").filter(
    (name) => !linked.has(`examples/${name}`) && !linked.has(`examples/${name}/main.ts`),
  );
  expect(examples.map((name) => `examples/${name}`)).toEqual([]);
  // modules/shared holds internals with no entry point, so no guide.
  const modules = subdirectories("modules").filter(
    (name) => name !== "shared" && !linked.has(`docs/modules/${name}.md`),
  );
  expect(modules.map((name) => `docs/modules/${name}.md`)).toEqual([]);
});

test("every page under docs/ can be reached by following links from README.md", () => {
  const reached = new Set<string>(["README.md"]);
  const queue = ["README.md"];
  for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
    for (const path of linkedPaths(PROJECT_ROOT, page)) {
      if (path.endsWith(".md") && !reached.has(path) && PAGES.includes(path)) {
        reached.add(path);
        queue.push(path);
      }
    }
  }
  expect(PAGES.filter((page) => !reached.has(page))).toEqual([]);
});

describe("the link check itself", () => {
  test("makes GitHub's anchors: code and punctuation dropped, spaces to hyphens, repeats numbered", () => {
    expect(githubSlug("`modules/efs` — `SharedFileSystem`")).toBe("modulesefs--sharedfilesystem");
    expect(githubSlug("Run this repository's stacks")).toBe("run-this-repositorys-stacks");
    expect(githubSlug("Checking that /home is shared")).toBe("checking-that-home-is-shared");
    expect(githubSlug("See [the guide](x.md) first")).toBe("see-the-guide-first");
    expect([...anchorsOf("# A\n## Setup\n```\n## Not a heading\n```\n### Setup\n")]).toEqual([
      "a",
      "setup",
      "setup-1",
    ]);
  });

  test("finds a planted broken file link, a missing anchor and a link out of the repository", () => {
    // GIVEN a tiny repository with one good and three bad links, and links inside code that must be ignored
    const root = mkdtempSync(join(tmpdir(), "doc-links-"));
    const files: Record<string, string> = {
      "README.md": [
        "# Title",
        "[guide](docs/guide.md#setup) [self](#title)",
        "[gone](docs/gone.md) [no anchor](docs/guide.md#teardown)",
        "[outside](../elsewhere.md) [web](https://example.com/x.md)",
        "[ref]: docs/missing.md",
        "`[in code](nowhere.md)`",
        "```",
        "[in a fence](nowhere.md)",
        "```",
      ].join("\n"),
      "docs/guide.md": "# Guide\n\n## Setup\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    try {
      // WHEN the pages are checked / THEN each bad link is named with its line
      expect(brokenLinks(root, Object.keys(files))).toEqual([
        "README.md:3: docs/gone.md: docs/gone.md does not exist",
        "README.md:3: docs/guide.md#teardown: docs/guide.md has no heading #teardown",
        "README.md:4: ../elsewhere.md: leaves the repository",
        "README.md:5: docs/missing.md: docs/missing.md does not exist",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

test("the API reference has a page for every entry point in package.json exports (content: `npm run api:check`)", () => {
  const index = readFileSync(join(PROJECT_ROOT, API_DIR, "README.md"), "utf8");
  const listed = [...index.matchAll(/^\| \[([^\]]+)\]\(([^)]+)\)/gm)].map((m) => m[1]);
  expect(listed.sort()).toEqual(
    entryPoints(PROJECT_ROOT)
      .map((entry) => entry.specifier)
      .sort(),
  );
});
