import { ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { SYNC_BUSY_EXIT_CODE } from "../../modules/clients/code-sync";

const SCRIPT = join(__dirname, "../../modules/clients/scripts/sync-code.sh");
const BUCKET = "example-web-code";
const PREFIX = "releases/web";

/**
 * A stand-in for `aws s3 sync s3://<bucket>/<prefix>/ <dir> ...`: it copies `state/s3/<bucket>/<prefix>`
 * into `<dir>` and honours the options it is given (`--exclude` patterns, `--delete`, and
 * `--no-follow-symlinks`, without which it would walk local symlinks), so what lands in the target
 * follows from the script's arguments. Each call appends its arguments, one per line, to
 * `state/aws-calls`. `state/s3-fails` makes it fail as S3 would; `state/hang` makes it write one file,
 * touch `state/copying`, and keep "copying" until killed.
 */
const STUB_AWS = `#!/usr/bin/env bash
set -euo pipefail
{ printf '%s\\n' "$@"; echo ---; } >>"$STUB_STATE/aws-calls"
[[ $1 == s3 && $2 == sync ]] || { echo "stub aws: unexpected call: $*" >&2; exit 99; }
src=$3 dest=$4
shift 4
excludes=() delete=false follow=true
while (($#)); do
  case $1 in
    --exclude) excludes+=("$2"); shift 2 ;;
    --delete) delete=true; shift ;;
    --no-follow-symlinks) follow=false; shift ;;
    *) shift ;;
  esac
done
excluded() { local p; for p in "\${excludes[@]}"; do [[ $1 == $p ]] && return 0; done; return 1; }
rest=\${src#s3://} bucket=\${src#s3://}; bucket=\${bucket%%/*}; prefix=\${rest#"$bucket"}
tree="$STUB_STATE/s3/$bucket$prefix"
if [[ -e $STUB_STATE/s3-fails ]]; then
  echo "fatal error: An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied" >&2
  exit 1
fi
if [[ -e $STUB_STATE/hang ]]; then
  first=$(cd "$tree" && find . -type f -printf '%P\\n' | sort | head -n 1)
  echo "half-copied" >"$dest/$first"
  echo $$ >"$STUB_STATE/aws-pid"
  touch "$STUB_STATE/copying"
  exec sleep 600
fi
while read -r rel; do
  excluded "$rel" && continue
  mkdir -p "$dest/$(dirname "$rel")"
  cp "$tree/$rel" "$dest/$rel"
done < <(cd "$tree" && find . -type f -printf '%P\\n')
if $delete; then
  if $follow; then walk=(find -L .); else walk=(find .); fi
  while read -r rel; do
    excluded "$rel" && continue
    [[ -e $tree/$rel ]] || rm -f "$dest/$rel"
  done < <(cd "$dest" && "\${walk[@]}" -type f -printf '%P\\n')
fi
`;

/** The real \`ln\`, unless \`state/hang-ln\` exists: then it stops as if the machine froze mid-switch. */
function stubLn(): string {
  const realLn = spawnSync("bash", ["-c", "command -v ln"], { encoding: "utf8" }).stdout.trim();
  return `#!/usr/bin/env bash
if [[ -e $STUB_STATE/hang-ln ]]; then echo $$ >"$STUB_STATE/ln-pid"; touch "$STUB_STATE/linking"; exec sleep 600; fi
exec ${realLn} "$@"
`;
}

interface Box {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  /** The bucket's content under the prefix. */
  readonly source: string;
  /** The live path, `/var/www/html` under the root. */
  readonly live: string;
  readonly releases: string;
  /** Stands for the EFS share that `media` links to. */
  readonly share: string;
}

const boxes: Box[] = [];
const stray: number[] = [];

function sandbox(): Box {
  const dir = mkdtempSync(join(tmpdir(), "sync-code-"));
  const box = {
    dir,
    root: join(dir, "root"),
    state: join(dir, "state"),
    source: join(dir, "state/s3", BUCKET, PREFIX),
    live: join(dir, "root/var/www/html"),
    releases: join(dir, "root/var/www/html.releases"),
    share: join(dir, "share"),
  };
  for (const sub of ["bin", "root", "share", "state"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "bin/aws"), STUB_AWS);
  chmodSync(join(dir, "bin/aws"), 0o755);
  writeFileSync(join(dir, "bin/ln"), stubLn());
  chmodSync(join(dir, "bin/ln"), 0o755);
  writeFileSync(join(box.state, "aws-calls"), "");
  boxes.push(box);
  return box;
}

afterAll(() => {
  for (const pid of stray) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  boxes.forEach((box) => rmSync(box.dir, { recursive: true, force: true }));
});

function writeTree(base: string, files: Record<string, string>): void {
  rmSync(base, { recursive: true, force: true });
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(join(base, relative, ".."), { recursive: true });
    writeFileSync(join(base, relative), content);
  }
}

/** Relative path → content of every file under `dir`, following no symlink; a symlink shows as `-> target`. */
function treeOf(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) files[relative] = `-> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(files, treeOf(path, relative));
    else files[relative] = readFileSync(path, "utf8");
  }
  return files;
}

interface Run {
  readonly child: ChildProcess;
  /** The script has exited; its output may still be open in an orphaned child. */
  readonly exited: Promise<NodeJS.Signals | null>;
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

/** `guardMs` bounds a run that should not wait: a script still running then is killed, and fails its test. */
function start(box: Box, env: Record<string, string> = {}, guardMs = 30_000): Run {
  const child = spawn("bash", [SCRIPT], {
    cwd: box.dir,
    env: {
      PATH: `${join(box.dir, "bin")}${delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
      LANG: "C",
      ROOT_DIR: box.root,
      STUB_STATE: box.state,
      SOURCE_BUCKET: BUCKET,
      SOURCE_PREFIX: PREFIX,
      ...env,
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  // A safety net for a script that hangs, not a measurement.
  const guard = setTimeout(() => child.kill("SIGKILL"), guardMs);
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  return { child, done, exited };
}

const run = (box: Box, env: Record<string, string> = {}) => start(box, env).done;

/** The arguments of each `aws` call, in order. */
function awsCalls(box: Box): string[][] {
  const text = readFileSync(join(box.state, "aws-calls"), "utf8");
  return text
    .split("---\n")
    .filter((call) => call !== "")
    .map((call) => call.split("\n").filter((line) => line !== ""));
}

async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 300 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(path)) throw new Error(`${path} never appeared`);
}

/** The live code: the release the symlink points at. */
const liveCode = (box: Box) => treeOf(box.live);
const releaseNames = (box: Box) => readdirSync(box.releases).sort();

const FIRST_VERSION = {
  "index.php": "<?php echo 'v1';",
  "lib/app.php": "<?php // v1",
  "lib/removed-later.php": "<?php // only in v1",
  "media/uploaded-by-mistake.jpg": "not for the web servers",
  "var/cache.bin": "not for the web servers",
};
const SECOND_VERSION = {
  "index.php": "<?php echo 'v2';",
  "lib/app.php": "<?php // v2",
  "media/new-upload.jpg": "would land on the share through the media link",
};

/** A box whose first sync has run: the live path links to release v1, with `media` linked to the share. */
async function syncedOnce(): Promise<Box> {
  const box = sandbox();
  writeTree(box.source, FIRST_VERSION);
  const first = await run(box);
  expect(first.stderr).toBe("");
  expect(first.code).toBe(0);
  symlinkSync(box.share, join(readlinkSync(box.live), "media"));
  writeFileSync(join(box.share, "photo.jpg"), "a user's photo");
  writeTree(box.source, SECOND_VERSION);
  return box;
}

const V1_LIVE = {
  "index.php": "<?php echo 'v1';",
  "lib/app.php": "<?php // v1",
  "lib/removed-later.php": "<?php // only in v1",
};

describe("sync-code.sh", () => {
  test("is shellcheck-clean", () => {
    const result = spawnSync("shellcheck", ["--severity=style", SCRIPT], { encoding: "utf8" });
    expect(result.error).toBeUndefined(); // shellcheck missing: apt-get install -y shellcheck
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("first sync: the live path becomes a link to a complete release, without media/ and var/", async () => {
    // GIVEN a machine without the code, and a bucket that also holds media/ and var/ files
    const box = sandbox();
    writeTree(box.source, FIRST_VERSION);
    // WHEN
    const result = await run(box);
    // THEN
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(lstatSync(box.live).isSymbolicLink()).toBe(true);
    const [release] = releaseNames(box);
    expect(release).toMatch(/^\d{8}T\d{6}\.\d{9}Z$/);
    expect(readlinkSync(box.live)).toBe(join(box.releases, release));
    expect(liveCode(box)).toEqual(V1_LIVE);
    expect(result.stdout).toContain(`switched /var/www/html to release ${release}`);
  });

  test("calls aws s3 sync with the case study's excludes and --no-follow-symlinks, into staging, bounded", async () => {
    const box = await syncedOnce();
    const [call] = awsCalls(box);
    expect(call.slice(0, 3)).toEqual(["s3", "sync", `s3://${BUCKET}/${PREFIX}/`]);
    expect(call[3]).toMatch(new RegExp(`^${box.releases}/\\.staging-\\d{8}T`));
    expect(call.slice(4)).toEqual([
      "--delete",
      "--no-follow-symlinks",
      "--exclude",
      "media/*",
      "--exclude",
      "var/*",
      "--only-show-errors",
    ]);
  });

  test("a later sync switches to a new release; media on the share and deleted files are handled", async () => {
    // GIVEN v1 live, with media/ a link to the share, and v2 in the bucket (one file deleted)
    const box = await syncedOnce();
    const v1 = readlinkSync(box.live);
    // WHEN
    const result = await run(box);
    // THEN v2 is live, the deleted file is gone, media/ still links to the untouched share
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readlinkSync(box.live)).not.toBe(v1);
    expect(liveCode(box)).toEqual({
      "index.php": "<?php echo 'v2';",
      "lib/app.php": "<?php // v2",
      media: `-> ${box.share}`,
    });
    expect(treeOf(box.share)).toEqual({ "photo.jpg": "a user's photo" });
    // AND v1 is kept, whole, for a rollback
    expect(treeOf(v1)).toEqual({ ...V1_LIVE, media: `-> ${box.share}` });
  });

  test("keeps at most KEEP_RELEASES previous releases besides the live one", async () => {
    const box = await syncedOnce();
    for (let i = 0; i < 3; i++) {
      const result = await run(box, { KEEP_RELEASES: "1" });
      expect(result.code).toBe(0);
    }
    const releases = releaseNames(box);
    expect(releases).toHaveLength(2);
    expect(readlinkSync(box.live)).toBe(join(box.releases, releases[1]));
  });

  test("a second sync while one is copying exits at once with 75 and touches nothing", async () => {
    // GIVEN a sync that is copying
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "hang"), "");
    const first = start(box);
    await waitFor(join(box.state, "copying"));
    stray.push(Number(readFileSync(join(box.state, "aws-pid"), "utf8")));
    const callsBefore = awsCalls(box).length;
    const stagingBefore = readdirSync(box.releases).sort();
    // WHEN a second one starts (and would be killed if it queued for the lock instead of leaving)
    const second = await start(box, {}, 5_000).done;
    // THEN it refuses at once, without calling S3 or touching the code or the first one's staging
    expect(second.code).toBe(SYNC_BUSY_EXIT_CODE); // what the document and npm run fleet-sync report as busy
    expect(second.stderr).toBe(
      "sync-code: ERROR: another sync is already running (lock /run/sync-code.lock is held); this one exits without touching /var/www/html. Run it again when that one has finished.\n",
    );
    expect(second.stdout).toBe("");
    expect(awsCalls(box)).toHaveLength(callsBefore);
    expect(readlinkSync(box.live)).toBe(before);
    expect(readdirSync(box.releases).sort()).toEqual(stagingBefore);
    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(1);
  });

  test("a sync terminated midway leaves the previous code live and removes its staging", async () => {
    // GIVEN a sync that has half-copied v2 into staging
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "hang"), "");
    const sync = start(box);
    await waitFor(join(box.state, "copying"));
    stray.push(Number(readFileSync(join(box.state, "aws-pid"), "utf8")));
    expect(readdirSync(box.releases).filter((name) => name.startsWith(".staging-"))).toHaveLength(1);
    // WHEN it is terminated
    sync.child.kill("SIGTERM");
    const result = await sync.done;
    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `sync-code: ERROR: interrupted; /var/www/html still serves ${before.split("/").pop()}\n`,
    );
    expect(readlinkSync(box.live)).toBe(before);
    expect(liveCode(box)).toEqual({ ...V1_LIVE, media: `-> ${box.share}` });
    expect(releaseNames(box)).toEqual([before.split("/").pop()]);
  });

  test("a sync killed midway (SIGKILL) leaves the previous code live; the next sync clears its staging", async () => {
    // GIVEN a sync that has half-copied v2 into staging
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "hang"), "");
    const sync = start(box);
    await waitFor(join(box.state, "copying"));
    const copyPid = Number(readFileSync(join(box.state, "aws-pid"), "utf8"));
    stray.push(copyPid);
    // WHEN the script is killed outright, and its orphaned copy later ends too
    sync.child.kill("SIGKILL");
    expect(await sync.exited).toBe("SIGKILL");
    // THEN the half-copied staging is not served
    expect(readlinkSync(box.live)).toBe(before);
    expect(liveCode(box)).toEqual({ ...V1_LIVE, media: `-> ${box.share}` });
    const staging = readdirSync(box.releases).filter((name) => name.startsWith(".staging-"));
    expect(staging).toHaveLength(1);
    process.kill(copyPid, "SIGKILL");
    await sync.done;
    // AND the next sync removes it and completes
    rmSync(join(box.state, "hang"));
    let next = await run(box);
    // The orphaned copy holds the lock until it has exited; a retry then goes through.
    for (let i = 0; i < 50 && next.code === 75; i++) {
      await new Promise((r) => setTimeout(r, 100));
      next = await run(box);
    }
    expect(next.code).toBe(0);
    expect(next.stdout).toContain(`removing ${join(box.releases, staging[0])}, left by an interrupted sync`);
    expect(readdirSync(box.releases).filter((name) => name.startsWith("."))).toEqual([]);
    expect(liveCode(box)["index.php"]).toBe("<?php echo 'v2';");
  });

  test("a sync killed while switching the link still leaves a live link to a whole release", async () => {
    // GIVEN a sync that has copied v2 and stops while making the new link
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "hang-ln"), "");
    const sync = start(box);
    await waitFor(join(box.state, "linking"));
    const lnPid = Number(readFileSync(join(box.state, "ln-pid"), "utf8"));
    stray.push(lnPid);
    // WHEN the machine kills it there
    sync.child.kill("SIGKILL");
    await sync.exited;
    process.kill(lnPid, "SIGKILL");
    await sync.done;
    // THEN the live path still links to the previous, complete release
    expect(readlinkSync(box.live)).toBe(before);
    expect(liveCode(box)).toEqual({ ...V1_LIVE, media: `-> ${box.share}` });
  });

  test("an S3 failure exits 1 with a clear message and leaves the live code untouched", async () => {
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "s3-fails"), "");
    const result = await run(box);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "fatal error: An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied\n" +
        `sync-code: ERROR: aws s3 sync from s3://${BUCKET}/${PREFIX}/ failed (exit 1, its message is above); /var/www/html still serves ${before.split("/").pop()}\n`,
    );
    expect(readlinkSync(box.live)).toBe(before);
    expect(liveCode(box)).toEqual({ ...V1_LIVE, media: `-> ${box.share}` });
    expect(readdirSync(box.releases)).toEqual([before.split("/").pop()]);
  });

  test("a copy that outlives SYNC_TIMEOUT_SECONDS is stopped, and the live code stays", async () => {
    const box = await syncedOnce();
    const before = readlinkSync(box.live);
    writeFileSync(join(box.state, "hang"), "");
    const result = await run(box, { SYNC_TIMEOUT_SECONDS: "1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `sync-code: ERROR: the copy from s3://${BUCKET}/${PREFIX}/ did not finish within 1s; /var/www/html still serves ${before.split("/").pop()}\n`,
    );
    expect(readlinkSync(box.live)).toBe(before);
    expect(readdirSync(box.releases)).toEqual([before.split("/").pop()]);
  });

  test("a plain directory at the target is kept as a release on the first sync", async () => {
    const box = sandbox();
    writeTree(box.live, { "index.html": "It works!" });
    writeTree(box.source, SECOND_VERSION);
    const result = await run(box);
    expect(result.code).toBe(0);
    const releases = releaseNames(box);
    expect(releases).toHaveLength(2);
    expect(releases[1]).toBe(`${releases[0]}-original`);
    expect(treeOf(join(box.releases, releases[1]))).toEqual({ "index.html": "It works!" });
    expect(liveCode(box)).toEqual({
      "index.php": "<?php echo 'v2';",
      "lib/app.php": "<?php // v2",
    });
  });

  test("bad settings: exit 2, every problem named, nothing created, S3 not called", async () => {
    const box = sandbox();
    const result = await run(box, {
      SOURCE_BUCKET: "Not_A_Bucket",
      SOURCE_PREFIX: "/code/",
      TARGET_PATH: "relative/path",
      KEEP_RELEASES: "50",
      SYNC_TIMEOUT_SECONDS: "0",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "sync-code: ERROR: bad settings: SOURCE_BUCKET 'Not_A_Bucket' is not an S3 bucket name; " +
        "SOURCE_PREFIX '/code/' must not start or end with '/' nor hold '//'; " +
        "'relative/path' is not an absolute path of letters, digits, '.', '_' and '-'; " +
        "'relative/path.releases' is not an absolute path of letters, digits, '.', '_' and '-'; " +
        "KEEP_RELEASES '50' is not a whole number from 0 to 20; " +
        "SYNC_TIMEOUT_SECONDS '0' is not a whole number of seconds from 1 to 99999; nothing was changed\n",
    );
    expect(readdirSync(box.root)).toEqual([]);
    expect(awsCalls(box)).toEqual([]);
  });
});
