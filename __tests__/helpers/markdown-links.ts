import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";

/** A link found in a Markdown page: where it is and what it points at, as written. */
export interface MarkdownLink {
  readonly line: number;
  readonly target: string;
}

/**
 * The page's lines with fenced code blocks blanked (line numbers kept): links and headings inside a
 * fence are text, not Markdown. A fence closes only with the same character, at least as long.
 */
function outsideFences(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split("\n").map((line) => {
    const marker = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker === undefined) return line;
      fence = marker;
      return "";
    }
    if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
    return "";
  });
}

/** Inline code spans removed: `[a](b)` inside backticks is not a link. */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, "");
}

/**
 * Inline links and images `[text](target "title")`, reference definitions `[label]: target`, and
 * `<a href="...">`, outside code.
 */
export function linksOf(markdown: string): MarkdownLink[] {
  return outsideFences(markdown).flatMap((raw, index) => {
    const line = withoutCodeSpans(raw);
    const inline = [...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? "");
    const html = [...line.matchAll(/<a\s[^>]*href="([^"]+)"/gi)].map((m) => m[1] ?? "");
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line)?.[1];
    return [...inline, ...html, ...(definition === undefined ? [] : [definition])].map((target) => ({
      line: index + 1,
      target,
    }));
  });
}

/**
 * GitHub's anchor for a heading: the rendered text (Markdown links reduced to their text, HTML tags
 * and code backticks dropped), lower-cased, every character that is not a letter, digit, mark,
 * connector, space or hyphen removed, spaces turned into hyphens. No trimming of hyphens: GitHub keeps
 * `--` where ` — ` stood.
 */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page has: its ATX headings (repeats get `-1`, `-2`, …) and explicit `id`/`name`s. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of outsideFences(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const m of withoutCodeSpans(line).matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/gi))
      anchors.add(m[1] ?? "");
  }
  return anchors;
}

/** True for a target another site serves (`https:`, `mailto:`, …), which this check does not follow. */
function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}

/**
 * Every broken relative link in `pages` (paths relative to `rootDir`), one line each:
 * `<page>:<line>: <target>: <why>`. A target must stay inside `rootDir` and exist; a `#fragment` must
 * be an anchor of the Markdown page it names (or of the page itself).
 */
export function brokenLinks(rootDir: string, pages: readonly string[]): string[] {
  const anchorCache = new Map<string, Set<string>>();
  const anchorsOfFile = (file: string) => {
    let anchors = anchorCache.get(file);
    if (anchors === undefined) {
      anchors = anchorsOf(readFileSync(join(rootDir, file), "utf8"));
      anchorCache.set(file, anchors);
    }
    return anchors;
  };
  return pages.flatMap((page) =>
    linksOf(readFileSync(join(rootDir, page), "utf8")).flatMap(({ line, target }) => {
      if (isExternal(target)) return [];
      const where = `${page}:${line}: ${target}`;
      const [pathPart = "", fragment] = target.split("#", 2);
      const file = pathPart === "" ? page : normalize(join(dirname(page), decodeURI(pathPart)));
      if (file.startsWith(`..${sep}`) || file === "..") return [`${where}: leaves the repository`];
      if (!existsSync(join(rootDir, file))) return [`${where}: ${file} does not exist`];
      if (fragment === undefined) return [];
      if (!file.endsWith(".md") || statSync(join(rootDir, file)).isDirectory()) {
        return [`${where}: an anchor into ${file}, which is not a Markdown page`];
      }
      return anchorsOfFile(file).has(fragment) ? [] : [`${where}: ${file} has no heading #${fragment}`];
    }),
  );
}

/** The repository paths (relative to `rootDir`, `/`-separated) that `page` links to, without anchors. */
export function linkedPaths(rootDir: string, page: string): string[] {
  return linksOf(readFileSync(join(rootDir, page), "utf8"))
    .filter(({ target }) => !isExternal(target) && !target.startsWith("#"))
    .map(({ target }) => {
      const path = normalize(join(dirname(page), decodeURI(target.split("#")[0] ?? "")));
      return relative(".", path).split(sep).join("/");
    });
}
