import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";

/**
 * The suite's on-disk cache, for work whose result is a pure function of files we can hash: offline
 * terraform plans and validations (`helpers/terraform.ts`), the AWS provider's schema, the packed
 * consumer app (`package/consumer-app.ts`).
 *
 * - A key is the SHA-256 of EVERYTHING the result depends on: the input files' contents (not their
 *   paths or times), the arguments, and the toolchain (`toolchainKey`). A changed input is a new
 *   key, never a stale hit, so a hit gives the assertions the very result a fresh run would.
 * - Values are JSON files written whole (temporary name, then rename), so parallel jest workers that
 *   compute the same key at once both succeed and no reader sees half a file.
 * - A fresh clone has no cache; `npm run bench` empties it for its cold run.
 *   `EFS_TEST_CACHE=off` turns it off (every command runs); `EFS_TEST_CACHE_DIR` moves it.
 *
 * To cache more work: `cached("what", hashOf(...inputs), () => compute())`, with every input in the key.
 */
export const TEST_CACHE_DIR = process.env.EFS_TEST_CACHE_DIR ?? join(tmpdir(), "cdktf-efs-test-cache");

function cacheEnabled(): boolean {
  return process.env.EFS_TEST_CACHE !== "off";
}

/** SHA-256 (hex) of the parts, each length-prefixed so that ("ab", "c") and ("a", "bc") differ. */
export function hashOf(...parts: readonly (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    const bytes = typeof part === "string" ? Buffer.from(part) : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

/**
 * SHA-256 of a directory tree: each file's path relative to `dir` and its contents, in sorted order.
 * `ignore` names entries (files or directories, at any depth) that are outputs, not inputs.
 */
export function hashDirectory(dir: string, ignore: readonly string[] = []): string {
  const skipped = new Set(ignore);
  const parts: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (skipped.has(entry.name)) continue;
      const path = join(current, entry.name);
      // statSync follows symlinks: a linked file or folder counts by what it points at.
      const stats = statSync(path);
      if (stats.isDirectory()) walk(path);
      else if (stats.isFile()) parts.push(relative(dir, path), hashOf(readFileSync(path)));
    }
  };
  walk(dir);
  return hashOf(...parts);
}

/**
 * Every file below `dir` by path relative to it, with its text: a directory of generated text (a synth
 * output) as a cacheable JSON value.
 */
export function readTree(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(files, readTree(dir, path));
    else files[path] = readFileSync(join(dir, path), "utf8");
  }
  return files;
}

/** The file the first `name` on PATH is, links resolved: the command a child process would run. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return realpathSync(join(dir, name));
  }
  return undefined;
}

/** A file's identity without reading it (the provider is 700 MB): path, size and modification time. */
function fileIdentity(path: string | undefined): string {
  if (!path || !existsSync(path)) return `${path}: missing`;
  const { size, mtimeMs } = statSync(path);
  return `${path}:${size}:${mtimeMs}`;
}

/** Every file below `dir` by identity (the provider binaries of a mirror or plugin cache). */
function treeIdentity(dir: string | undefined): string {
  if (!dir || !existsSync(dir)) return `${dir}: missing`;
  const files: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.push(fileIdentity(path));
    }
  };
  walk(dir);
  return files.sort().join("\n");
}

/**
 * What terraform results depend on besides their configuration: the terraform binary on PATH (and
 * the real one behind the bench's counting shim) and the provider binaries where `init` takes them
 * from. A new terraform or provider version changes the key.
 */
export function toolchainKey(providerSource: string | undefined): string {
  return hashOf(
    fileIdentity(onPath("terraform")),
    fileIdentity(process.env.EFS_BENCH_TERRAFORM),
    treeIdentity(providerSource),
  );
}

const PROJECT_ROOT = join(__dirname, "..", "..");

/**
 * What the repository's own code is, for work that runs it (pack it, synthesize the app): every file
 * git would see (tracked or not, `.gitignore` respected) except the tests' and the benchmark's own,
 * and the versions of the named packages in node_modules that the work loads.
 */
export function sourceTreeKey(packages: readonly string[]): string {
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROJECT_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = listed
    .toString("utf8")
    .split("\0")
    // Only files: an untracked link to a directory (a linked node_modules) is listed too.
    .filter(
      (file) =>
        file !== "" &&
        !/^(__tests__|bench)\//.test(file) &&
        existsSync(join(PROJECT_ROOT, file)) &&
        statSync(join(PROJECT_ROOT, file)).isFile(),
    )
    .sort();
  const versions = packages.map((name) =>
    readFileSync(join(PROJECT_ROOT, "node_modules", name, "package.json"), "utf8"),
  );
  return hashOf(...versions, ...files.flatMap((file) => [file, readFileSync(join(PROJECT_ROOT, file))]));
}

function lockOwnerIsGone(lock: string, staleAfterMs: number): boolean {
  try {
    if (Date.now() - statSync(lock).mtimeMs > staleAfterMs) return true;
    process.kill(Number(readFileSync(lock, "utf8")), 0);
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: released while we looked.
    return code === "ESRCH" || code === "ENOENT";
  }
}

/**
 * Runs `work` while holding `lock`: a file holding the owner's pid, written aside and hard-linked into
 * place (so it never appears empty), taken over when its owner has died or, with `staleAfterMs`,
 * when it is older than that (a pid reused by another process). Also terraform's init lock.
 */
export async function withLock<T>(
  lock: string,
  work: () => Promise<T>,
  { staleAfterMs = Infinity, pollMs = 200 }: { staleAfterMs?: number; pollMs?: number } = {},
): Promise<T> {
  const claim = `${lock}.${process.pid}.${randomUUID()}`;
  writeFileSync(claim, String(process.pid));
  try {
    for (;;) {
      try {
        linkSync(claim, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        if (lockOwnerIsGone(lock, staleAfterMs)) rmSync(lock, { force: true });
        else await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    }
  } finally {
    rmSync(claim, { force: true });
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readEntry<T>(file: string): { value: T } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return { value: JSON.parse(readFileSync(file, "utf8")) as T };
  } catch {
    // An unreadable entry (a disk filled mid-write elsewhere) is recomputed and replaced.
    return undefined;
  }
}

/**
 * The cached value of `key` in `namespace`, or `compute()`'s, stored for next time. The value must be
 * JSON (`undefined` is stored as `null`). `exclusive`: one process computes a key at a time and the
 * others wait for its entry, for work that writes a shared directory (the consumer app).
 */
export async function cached<T>(
  namespace: string,
  key: string,
  compute: () => Promise<T>,
  { exclusive = false }: { exclusive?: boolean } = {},
): Promise<T> {
  if (!cacheEnabled()) return compute();
  const dir = join(TEST_CACHE_DIR, namespace);
  const file = join(dir, `${key}.json`);
  const hit = readEntry<T>(file);
  if (hit) {
    markUsed(file);
    return hit.value;
  }
  mkdirSync(dir, { recursive: true });
  if (exclusive) {
    return withLock(`${file}.lock`, async () => {
      const computedMeanwhile = readEntry<T>(file);
      return computedMeanwhile ? computedMeanwhile.value : store(file, await compute());
    });
  }
  return store(file, await compute());
}

function store<T>(file: string, value: T): T {
  const temporary = `${file}.${process.pid}.${randomUUID()}`;
  try {
    writeFileSync(temporary, JSON.stringify(value ?? null));
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  return value;
}

/** An entry's modification time is when it was last used: `pruneTestCache` goes by it. */
function markUsed(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // Pruned by another run meanwhile: the value read is still whole.
  }
}

/**
 * Removes cache entries no run has used for `maxAgeDays`, and the kept consumer apps whose entry is
 * gone (`consumer-apps/<key>` belongs to `consumer/<key>.json`), so the cache does not grow with every
 * change to the repository. A consumer app younger than a day is left alone: another run may be
 * building it.
 */
export function pruneTestCache(maxAgeDays = 7, now = Date.now()): void {
  if (!existsSync(TEST_CACHE_DIR)) return;
  const cutoff = now - maxAgeDays * 24 * 3600_000;
  for (const namespace of readdirSync(TEST_CACHE_DIR, { withFileTypes: true })) {
    if (!namespace.isDirectory() || namespace.name === "consumer-apps") continue;
    const dir = join(TEST_CACHE_DIR, namespace.name);
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry.endsWith(".json") && statSync(path).mtimeMs < cutoff) rmSync(path, { force: true });
    }
  }
  const apps = join(TEST_CACHE_DIR, "consumer-apps");
  if (!existsSync(apps)) return;
  for (const key of readdirSync(apps)) {
    const app = join(apps, key);
    const orphaned = !existsSync(join(TEST_CACHE_DIR, "consumer", `${key}.json`));
    if (orphaned && statSync(app).mtimeMs < now - 24 * 3600_000)
      rmSync(app, { recursive: true, force: true });
  }
}
