import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  createReadStream,
  lstatSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUCKET_NAME_PATTERN } from "../../settings/schema";

export const USAGE = `Usage: npm run release-upload -- <dir> s3://<bucket>[/<prefix>] [options]
       npm run release-upload -- --point <id> s3://<bucket>[/<prefix>] [options]

Uploads the build in <dir> as one release of the web fleet's code sync, in the layout sync-code reads
(docs/web-fleet.md): the files under <prefix>/releases/<id>/, then the manifest (file count, size and
sha256 of each file) as <prefix>/manifests/<id>.json, then the pointer <prefix>/CURRENT naming <id>.
Each object is written only after the ones before it succeeded, so an interrupted upload leaves the
pointer on the last complete release. Then sync the fleet: npm run fleet-sync -- <stack>.

With --point, uploads nothing but the pointer: the fleet's next sync (and every machine that boots)
serves release <id>, which must have been uploaded before. Use it after a rollback.

Options:
  --release <id>   The new release's id (letters, digits, ".", "_", "-"; default <UTC time>-<sha256 prefix>).
  --no-point       Upload the release but leave the pointer alone (point to it later with --point).
  --region <r>     Passed to the AWS CLI.
  --help           Show this help.

Exit code 0 when uploaded, 1 when an AWS call failed or the build is refused, 2 for bad usage.`;

/** The manifest format sync-code checks (modules/clients/scripts/sync-code.sh, MANIFEST_FORMAT). */
export const MANIFEST_FORMAT = "sync-code-release-1";
export const RELEASE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Top-level entries of a release that belong to each machine (a link to the share, local state). */
const MACHINE_ENTRIES = ["media", "var"];
/** S3 keys are at most 1,024 bytes of UTF-8. */
const S3_KEY_MAX_BYTES = 1024;

export interface ReleaseManifest {
  readonly format: string;
  readonly release: string;
  readonly fileCount: number;
  readonly totalBytes: number;
  readonly files: Readonly<Record<string, { readonly size: number; readonly sha256: string }>>;
}

/** A failure the user can act on: printed as one message, exit code 1. */
export class ReleaseUploadError extends Error {}

interface Destination {
  readonly bucket: string;
  /** "" or "<prefix>/". */
  readonly keyPrefix: string;
}

function parseDestination(uri: string): Destination | string {
  const match = /^s3:\/\/([^/]+)(?:\/(.*?))?\/?$/.exec(uri);
  if (!match) return `${JSON.stringify(uri)} is not s3://<bucket>[/<prefix>]`;
  const [, bucket, prefix = ""] = match;
  if (!BUCKET_NAME_PATTERN.test(bucket)) return `${JSON.stringify(bucket)} is not an S3 bucket name`;
  const segments = prefix === "" ? [] : prefix.split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    return `the prefix ${JSON.stringify(prefix)} holds an empty, "." or ".." segment`;
  }
  return { bucket, keyPrefix: prefix === "" ? "" : `${prefix}/` };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Every regular file under `dir` (relative, "/"-separated); a link or special file is refused. */
export async function buildManifest(
  dir: string,
  release: string | undefined,
  shownAs: string = dir,
): Promise<ReleaseManifest> {
  const files: Record<string, { size: number; sha256: string }> = {};
  const problems: string[] = [];
  const walk = async (relative: string) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative === "" ? name : `${relative}/${name}`;
      const stat = lstatSync(join(dir, path));
      if (relative === "" && MACHINE_ENTRIES.includes(name)) {
        problems.push(
          `${path}: media/ and var/ belong to each machine (the share, local state), not to a release`,
        );
      } else if (stat.isDirectory()) await walk(path);
      else if (stat.isFile()) files[path] = { size: stat.size, sha256: await sha256Of(join(dir, path)) };
      else problems.push(`${path}: not a regular file or directory (S3 holds no links)`);
    }
  };
  await walk("");
  if (Object.keys(files).length === 0)
    problems.push(`${shownAs} holds no file: an empty release is never served`);
  if (problems.length > 0) throw new ReleaseUploadError(`the build is refused:\n  ${problems.join("\n  ")}`);
  const digest = createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 12);
  const id = release ?? `${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${digest}`;
  const totalBytes = Object.values(files).reduce((sum, file) => sum + file.size, 0);
  return { format: MANIFEST_FORMAT, release: id, fileCount: Object.keys(files).length, totalBytes, files };
}

type Aws = (args: readonly string[]) => Promise<string>;

function awsCli(env: NodeJS.ProcessEnv): Aws {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile("aws", [...args], { env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const reason =
          (error as NodeJS.ErrnoException).code === "ENOENT" ? "the AWS CLI is not on PATH" : stderr.trim();
        reject(
          new ReleaseUploadError(`aws ${args.slice(0, 2).join(" ")} failed: ${reason || error.message}`),
        );
      });
    });
}

/** True when the object exists, false when S3 answers 404; any other error is thrown. */
async function objectExists(aws: Aws, region: string[], bucket: string, key: string): Promise<boolean> {
  try {
    await aws(["s3api", "head-object", ...region, "--bucket", bucket, "--key", key]);
    return true;
  } catch (error) {
    if (/\b404\b|Not Found/.test((error as Error).message)) return false;
    throw error;
  }
}

export interface UploadOptions {
  readonly dir?: string;
  readonly point?: string;
  readonly destination: string;
  readonly release?: string;
  readonly updatePointer: boolean;
  readonly region?: string;
}

/** Uploads files, then manifest, then pointer; returns the release id the pointer names (or would). */
export async function uploadRelease(options: UploadOptions, aws: Aws, print: (line: string) => void) {
  const destination = parseDestination(options.destination);
  if (typeof destination === "string") throw new ReleaseUploadError(destination);
  const { bucket, keyPrefix } = destination;
  const region = options.region ? ["--region", options.region] : [];
  const base = `s3://${bucket}/${keyPrefix}`;
  const work = mkdtempSync(join(tmpdir(), "release-upload-"));
  try {
    if (options.point !== undefined) {
      if (!(await objectExists(aws, region, bucket, `${keyPrefix}manifests/${options.point}.json`))) {
        throw new ReleaseUploadError(
          `${base}manifests/${options.point}.json does not exist: release ${options.point} was never completely uploaded; the pointer is unchanged`,
        );
      }
    } else {
      // Hash and upload a private copy: a build still being written to would otherwise upload other
      // bytes than the manifest names, and every machine would refuse the release (found by an attack).
      const build = join(work, "build");
      cpSync(options.dir!, build, { recursive: true, verbatimSymlinks: true });
      const manifest = await buildManifest(build, options.release, options.dir!);
      const id = manifest.release;
      const longest = Object.keys(manifest.files).reduce((a, b) =>
        Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a,
      );
      const longestKey = `${keyPrefix}releases/${id}/${longest}`;
      if (Buffer.byteLength(longestKey) > S3_KEY_MAX_BYTES) {
        throw new ReleaseUploadError(`the key ${longestKey} is longer than S3's ${S3_KEY_MAX_BYTES} bytes`);
      }
      if (await objectExists(aws, region, bucket, `${keyPrefix}manifests/${id}.json`)) {
        throw new ReleaseUploadError(
          `release ${id} already exists in ${base}; releases are never overwritten (machines trust a release id they already hold), give another --release`,
        );
      }
      print(`Uploading ${manifest.fileCount} files (${manifest.totalBytes} bytes) to ${base}releases/${id}/`);
      await aws([
        "s3",
        "cp",
        ...region,
        "--only-show-errors",
        "--recursive",
        build,
        `${base}releases/${id}/`,
      ]);
      const manifestFile = join(work, "manifest.json");
      writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
      await aws(["s3", "cp", ...region, "--only-show-errors", manifestFile, `${base}manifests/${id}.json`]);
      print(`Wrote the manifest ${base}manifests/${id}.json`);
      if (!options.updatePointer) {
        print(`Release ${id} uploaded; the pointer is unchanged (--no-point). Serve it with --point ${id}.`);
        return id;
      }
      options = { ...options, point: id };
    }
    const pointerFile = join(work, "CURRENT");
    writeFileSync(pointerFile, `${options.point}\n`);
    await aws(["s3", "cp", ...region, "--only-show-errors", pointerFile, `${base}CURRENT`]);
    print(
      `${base}CURRENT now names release ${options.point}; sync the fleet with: npm run fleet-sync -- <stack>`,
    );
    return options.point!;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Parses the command line; a string is the list of problems. */
export function parseUploadArgs(argv: readonly string[]): UploadOptions | { help: true } | string {
  const problems: string[] = [];
  const positional: string[] = [];
  const values: Record<string, string> = {};
  let updatePointer = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { help: true };
    if (arg === "--no-point") updatePointer = false;
    else if (["--release", "--region", "--point"].includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) problems.push(`${arg} needs a value`);
      else values[arg] = value;
    } else if (arg.startsWith("-")) problems.push(`unknown option ${JSON.stringify(arg)}`);
    else positional.push(arg);
  }
  for (const option of ["--release", "--point"]) {
    const id = values[option];
    if (id !== undefined && (!RELEASE_ID_PATTERN.test(id) || id.includes(".."))) {
      problems.push(
        `${option} ${JSON.stringify(id)} must be 1 to 100 letters, digits, ".", "_", "-", starting with a letter or digit, without ".."`,
      );
    }
  }
  const point = values["--point"];
  const expected = point === undefined ? 2 : 1;
  if (positional.length !== expected) {
    problems.push(
      point === undefined
        ? "give <dir> and s3://<bucket>[/<prefix>]"
        : "with --point, give only s3://<bucket>[/<prefix>]",
    );
  }
  if (point !== undefined && (values["--release"] !== undefined || !updatePointer)) {
    problems.push("--point uploads only the pointer: it takes neither --release nor --no-point");
  }
  if (problems.length > 0) return problems.map((p) => `  - ${p}`).join("\n");
  return {
    ...(point === undefined ? { dir: positional[0] } : { point }),
    destination: positional[expected - 1],
    updatePointer,
    ...(values["--release"] !== undefined ? { release: values["--release"] } : {}),
    ...(values["--region"] !== undefined ? { region: values["--region"] } : {}),
  };
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  printError: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  const parsed = parseUploadArgs(argv);
  if (typeof parsed === "string") {
    printError(`release-upload: invalid arguments:\n${parsed}\n\n${USAGE}`);
    return 2;
  }
  if ("help" in parsed) {
    print(USAGE);
    return 0;
  }
  try {
    await uploadRelease(parsed, awsCli(env), print);
    return 0;
  } catch (error) {
    if (!(error instanceof ReleaseUploadError)) throw error;
    printError(`release-upload: ERROR: ${error.message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
