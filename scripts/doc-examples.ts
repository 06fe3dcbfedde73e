/**
 * The copies of example apps in the docs, between `<!-- example: examples/<name>/main.ts -->` and
 * `<!-- end example -->`, so a page shows the tested file and never a hand copy. `npm run api` refreshes
 * them; `__tests__/package/manifest.test.ts` fails when a copy differs from its file.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const PROJECT_ROOT = path.resolve(__dirname, "..");
const EXAMPLE_BLOCK = /(<!-- example: (\S+) -->\n)[\s\S]*?(<!-- end example -->)/g;

/** README.md and every Markdown page under docs/, as paths relative to `rootDir`, sorted. */
export function documentationPages(rootDir = PROJECT_ROOT): string[] {
  const under = (dir: string): string[] =>
    fs
      .readdirSync(path.join(rootDir, dir), { withFileTypes: true })
      .flatMap((entry) =>
        entry.isDirectory()
          ? under(`${dir}/${entry.name}`)
          : entry.name.endsWith(".md")
            ? [`${dir}/${entry.name}`]
            : [],
      );
  return ["README.md", ...under("docs").sort()];
}

/** `markdown` with every example block replaced by the current content of the file it names. */
export function renderExampleCopies(markdown: string, rootDir = PROJECT_ROOT): string {
  return markdown.replace(EXAMPLE_BLOCK, (_, start: string, file: string, end: string) => {
    const source = fs.readFileSync(path.join(rootDir, file), "utf8");
    // Blank lines around the fence, as prettier formats Markdown.
    return `${start}\n\`\`\`ts\n${source.endsWith("\n") ? source : `${source}\n`}\`\`\`\n\n${end}`;
  });
}

/** The example files a Markdown text shows, in order. */
export function exampleCopies(markdown: string): string[] {
  return [...markdown.matchAll(EXAMPLE_BLOCK)].map((match) => match[2] ?? "");
}

/** Refreshes every example copy in README.md and docs/; returns `page: files` for each page with any. */
export function writeExampleCopies(rootDir = PROJECT_ROOT): string[] {
  return documentationPages(rootDir).flatMap((page) => {
    const file = path.join(rootDir, page);
    const markdown = fs.readFileSync(file, "utf8");
    const shown = exampleCopies(markdown);
    if (shown.length === 0) return [];
    fs.writeFileSync(file, renderExampleCopies(markdown, rootDir));
    return [`${page}: ${shown.join(", ")}`];
  });
}

if (require.main === module) {
  process.stdout.write(`refreshed the example copies in ${writeExampleCopies().join("; ")}\n`);
}
