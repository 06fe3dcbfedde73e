#!/usr/bin/env node
/**
 * The synth path of `npm run synth` and `npx cdktf synth`: runs a TypeScript cdktf app (default
 * `main.ts`) with plain `node`, from a bundle cached in `node_modules/.cache/efs-synth/`.
 *
 * Usage: node scripts/synth.js [entry.ts] [args for the app...]
 *
 * Why not `tsx main.ts`: tsx starts a second node process, loads its loader and esbuild, and
 * transforms every file on every run (about 1 s here). Instead, the app and its packages (cdktf,
 * constructs, the deep-imported provider classes) are bundled once with esbuild, as tsx would
 * transform them (same esbuild, same tsconfig, `keepNames`), and the bundle is reused until one of its
 * inputs changes. V8's code cache for the bundle is kept next to it, so later runs skip most parsing
 * and compiling. A run from cache reads the bundle, checks its inputs and runs it: about 0.15 s.
 *
 * The app runs in this process, so whatever it prints, throws or sets as exit code reaches the caller
 * unchanged; `process.argv[1]` is the entry, as under tsx. Stack frames point into the bundle, which
 * is readable (not minified); run with `NODE_OPTIONS=--enable-source-maps` to see `.ts` lines instead.
 *
 * Inputs are checked by content hash for project files and by size and mtime for files under
 * `node_modules` (npm rewrites those on install). `EFS_SYNTH_CACHE_DIR` moves the cache.
 */
"use strict";
// A CommonJS script, so that plain `node` runs it with no loader and the fewest start-up steps.
/* eslint-disable @typescript-eslint/no-require-imports */
/* global __filename, setImmediate */

const { createHash, randomUUID } = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");

const PROJECT_ROOT = path.resolve(__dirname, "..");
/** The last line of a cached bundle: this marker, then the JSON of a `Manifest`. */
const MANIFEST_MARKER = "\n//# efs-synth-manifest=";

/**
 * @typedef {object} Manifest
 * @property {string} buildId unique per build; names the V8 code cache that belongs to this bundle
 * @property {Record<string, string>} inputs project-relative path → fingerprint
 */

function sha256(data) {
  return createHash("sha256").update(data).digest("hex");
}

function isPackageFile(relativePath) {
  return relativePath.split(/[\\/]/).includes("node_modules");
}

/** A cheap fingerprint: content for the project's own files, size and mtime for installed packages. */
function fingerprint(relativePath) {
  const absolute = path.resolve(PROJECT_ROOT, relativePath);
  if (isPackageFile(relativePath)) {
    const stat = fs.statSync(absolute);
    return `stat:${stat.size}:${stat.mtimeMs}`;
  }
  return `sha256:${sha256(fs.readFileSync(absolute))}`;
}

function isFresh(/** @type {Manifest} */ manifest) {
  try {
    return Object.entries(manifest.inputs).every(([input, expected]) => fingerprint(input) === expected);
  } catch {
    return false; // an input was deleted or became unreadable
  }
}

/** The cached bundle's source and manifest, or undefined when missing or unreadable. */
function readCachedBundle(bundlePath) {
  let source;
  try {
    source = fs.readFileSync(bundlePath, "utf8");
  } catch {
    return undefined;
  }
  const at = source.lastIndexOf(MANIFEST_MARKER);
  if (at < 0) return undefined;
  try {
    return { source, manifest: JSON.parse(source.slice(at + MANIFEST_MARKER.length)) };
  } catch {
    return undefined;
  }
}

/** Writes `data` so that a concurrent reader sees the old file or the new one, never half of one. */
function writeAtomically(file, data) {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  fs.writeFileSync(temporary, data);
  fs.renameSync(temporary, file);
}

const LOADERS = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
};

/** The nearest tsconfig.json's text, which esbuild reads for the TypeScript semantics, as tsx does. */
function nearestTsconfig(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "tsconfig.json");
    if (fs.existsSync(candidate)) return fs.readFileSync(candidate, "utf8");
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Transforms the project's own files one by one, as tsx does. `keepNames` keeps each class's and
 * function's `.name` as written even when bundling renames a top-level name that two files share.
 * A file that uses `__dirname`/`__filename` gets its own, not the cache folder's. Packages stay as
 * published, as under tsx: `keepNames` over cdktf itself would cost 15% of synth time.
 */
function projectSourcePlugin(esbuild, target) {
  return {
    name: "project-source",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        if (isPackageFile(args.path)) return undefined;
        let contents = await fs.promises.readFile(args.path, "utf8");
        const usesLocation = /\b__(dirname|filename)\b/.test(contents);
        const declaresLocation = /\b(const|let|var)\s+__(dirname|filename)\b/.test(contents);
        if (usesLocation && !declaresLocation) {
          // On the first source line, so that line numbers in stack traces stay right.
          contents =
            `const __filename = ${JSON.stringify(args.path)}; ` +
            `const __dirname = ${JSON.stringify(path.dirname(args.path))};${contents}`;
        }
        const transformed = await esbuild.transform(contents, {
          loader: LOADERS[path.extname(args.path)],
          sourcefile: args.path,
          sourcemap: "inline",
          keepNames: true,
          platform: "node",
          target,
          tsconfigRaw: nearestTsconfig(args.path),
        });
        return { contents: transformed.code, loader: "js", resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/**
 * cdktf records a complete stack trace for every token it creates (`tokens/private/stack-trace.js`),
 * only to say where a token came from if resolving it fails later. Formatting those traces is about a
 * fifth of a synth's time and much of its garbage. The bundle records none, unless
 * `EFS_SYNTH_TOKEN_TRACES=1` is set to debug such an error; what is synthesized is the same either way
 * (`__tests__/bench/synth-launcher.test.ts` compares it byte for byte with `tsx main.ts`).
 */
const TOKEN_TRACE_FILE = /[\\/]node_modules[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/;
const TOKEN_TRACE_START = "function captureStackTrace(below) {";

function tokenTracePlugin() {
  return {
    name: "token-traces",
    setup(build) {
      build.onLoad({ filter: TOKEN_TRACE_FILE }, async (args) => {
        const original = await fs.promises.readFile(args.path, "utf8");
        // A cdktf that no longer has this function just keeps its traces.
        if (!original.includes(TOKEN_TRACE_START)) return undefined;
        const contents = original.replace(
          TOKEN_TRACE_START,
          `${TOKEN_TRACE_START}\n    if (!process.env.EFS_SYNTH_TOKEN_TRACES) return [];`,
        );
        return { contents, loader: "js" };
      });
    },
  };
}

async function buildBundle(entry, bundlePath) {
  let esbuild;
  try {
    esbuild = require("esbuild");
  } catch {
    throw new Error("scripts/synth.js needs the esbuild devDependency: run `npm ci` (not `--omit=dev`).");
  }
  const target = `node${process.versions.node}`;
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    outfile: bundlePath,
    bundle: true,
    platform: "node",
    format: "cjs",
    target,
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "warning",
    plugins: [tokenTracePlugin(), projectSourcePlugin(esbuild, target)],
  });
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const absolute = path.resolve(PROJECT_ROOT, input);
    if (!fs.existsSync(absolute)) continue; // esbuild-internal namespaces, not files
    const relative = path.relative(PROJECT_ROOT, absolute);
    inputs[relative] = fingerprint(relative);
  }
  /** @type {Manifest} */
  const manifest = { buildId: randomUUID(), inputs };
  const code = result.outputFiles.find((file) => file.path === bundlePath);
  const map = result.outputFiles.find((file) => file.path === `${bundlePath}.map`);
  const source = `${code.text}${MANIFEST_MARKER}${JSON.stringify(manifest)}\n`;
  fs.mkdirSync(path.dirname(bundlePath), { recursive: true });
  if (map) writeAtomically(map.path, map.contents);
  writeAtomically(bundlePath, source);
  removeStaleCodeCaches(bundlePath, manifest.buildId);
  removeAbandonedFiles(path.dirname(bundlePath));
  return { source, manifest };
}

/** Bundles of a former launcher or of an entry no longer built: anything untouched for a week. */
function removeAbandonedFiles(cacheDir) {
  const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
  for (const name of fs.readdirSync(cacheDir)) {
    const file = path.join(cacheDir, name);
    try {
      if (fs.statSync(file).mtimeMs < weekAgo) fs.rmSync(file, { force: true });
    } catch {
      // Removed by a concurrent build.
    }
  }
}

function codeCachePath(bundlePath, buildId) {
  return `${bundlePath.replace(/\.js$/, "")}.${buildId}.v8`;
}

function removeStaleCodeCaches(bundlePath, currentBuildId) {
  const prefix = `${path.basename(bundlePath).replace(/\.js$/, "")}.`;
  const current = path.basename(codeCachePath(bundlePath, currentBuildId));
  for (const name of fs.readdirSync(path.dirname(bundlePath))) {
    if (name.startsWith(prefix) && name.endsWith(".v8") && name !== current) {
      fs.rmSync(path.join(path.dirname(bundlePath), name), { force: true });
    }
  }
}

/** Runs the bundle as a CommonJS module, with V8's code cache when one matches this build. */
function runBundle(bundlePath, source, manifest) {
  if (process.sourceMapsEnabled) {
    // Node maps stack frames through the linked source map only for modules it loads itself.
    require(bundlePath);
    return;
  }
  const cachePath = codeCachePath(bundlePath, manifest.buildId);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundlePath, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // After the app has run, the cache also holds every function it compiled lazily.
    process.once("exit", () => {
      try {
        writeAtomically(cachePath, script.createCachedData());
      } catch {
        // A read-only cache only costs speed.
      }
    });
  }
  const bundleModule = new Module(bundlePath, null);
  bundleModule.filename = bundlePath;
  bundleModule.paths = Module._nodeModulePaths(path.dirname(bundlePath));
  const wrapper = script.runInThisContext();
  wrapper.call(
    bundleModule.exports,
    bundleModule.exports,
    Module.createRequire(bundlePath),
    bundleModule,
    bundlePath,
    path.dirname(bundlePath),
  );
}

const ENTRY_PATTERN = /\.[cm]?[jt]sx?$/;

function main() {
  const explicitEntry = ENTRY_PATTERN.test(process.argv[2] ?? "");
  const entry = path.resolve(explicitEntry ? process.argv[2] : "main.ts");
  const cacheDir = process.env.EFS_SYNTH_CACHE_DIR
    ? path.resolve(process.env.EFS_SYNTH_CACHE_DIR)
    : path.join(PROJECT_ROOT, "node_modules", ".cache", "efs-synth");
  // A new launcher, node version or entry gets its own bundle.
  const key = sha256([fs.readFileSync(__filename, "utf8"), process.version, process.arch, entry].join("\0"));
  const bundleName = `${path.basename(entry).replace(ENTRY_PATTERN, "")}-${key.slice(0, 16)}.js`;
  const bundlePath = path.join(cacheDir, bundleName);

  // The app sees the same argv as under `tsx main.ts ...`: [node, entry, ...its own arguments].
  process.argv.splice(1, explicitEntry ? 2 : 1, entry);

  const cached = readCachedBundle(bundlePath);
  const fresh = cached !== undefined && isFresh(cached.manifest);
  if (process.env.EFS_SYNTH_DEBUG) {
    console.error(`efs-synth: ${fresh ? "cached bundle" : "building bundle"} ${bundlePath}`);
  }
  if (fresh) {
    // Synchronously, so the app's errors are uncaught exceptions exactly as under tsx.
    runBundle(bundlePath, cached.source, cached.manifest);
    return;
  }
  buildBundle(entry, bundlePath).then(
    (built) => setImmediate(() => runBundle(bundlePath, built.source, built.manifest)),
    (error) => {
      process.exitCode = 1;
      // esbuild has already printed its diagnostics (with file, line and column).
      if (!Array.isArray(error.errors)) console.error(error);
    },
  );
}

main();
