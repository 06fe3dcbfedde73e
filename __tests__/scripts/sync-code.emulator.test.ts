import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { SYNC_BUSY_EXIT_CODE } from "../../modules/clients/code-sync";
import { main as releaseUpload, MANIFEST_FORMAT } from "../../tools/release-upload/cli";
import { createBucket, Moto, putObjects, startMoto } from "../helpers/moto";

/*
 * sync-code.sh run as it runs on a machine: as root, with the real AWS CLI (v1) against moto's S3 on
 * a loopback port, real files, and a real bind mount standing in for the EFS share. The CLI takes
 * about a second per call, so each test makes only the calls its behaviour needs.
 */
// SYNC_CODE_SCRIPT runs the suite against another version (e.g. main's, to see which tests it fails).
const SCRIPT = process.env.SYNC_CODE_SCRIPT ?? join(__dirname, "../../modules/clients/scripts/sync-code.sh");
const BUCKET = "example-web-code";
const REAL_AWS = spawnSync("bash", ["-c", "command -v aws"], { encoding: "utf8" }).stdout.trim();
const REAL_PYTHON = spawnSync("bash", ["-c", "command -v python3"], { encoding: "utf8" }).stdout.trim();
const REAL_MV = spawnSync("bash", ["-c", "command -v mv"], { encoding: "utf8" }).stdout.trim();

let moto: Moto;
const dirs: string[] = [];
const mounts: string[] = [];

beforeAll(async () => {
  if (!REAL_AWS) throw new Error("the AWS CLI (aws) is not on PATH: these tests run the real CLI");
  moto = await startMoto();
  await createBucket(moto, BUCKET);
}, 60_000);

afterAll(async () => {
  // By what the kernel lists under our directories, not by where we mounted: a broken script may
  // have moved a mount (the old one did), and rmSync would then fail on it, or worse, walk the share.
  const ours = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter(
      (point) => point && [...dirs, ...mounts].some((dir) => point === dir || point.startsWith(`${dir}/`)),
    )
    .sort((a, b) => b.length - a.length);
  for (const point of ours) spawnSync("umount", ["-l", point]);
  await moto?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Box {
  readonly dir: string;
  readonly root: string;
  readonly state: string;
  /** `/var/www/html` under the root. */
  readonly live: string;
  readonly releases: string;
  /** Stands for the EFS share. */
  readonly share: string;
}

/**
 * A machine: `root/` stands for `/`. `bin/` holds pass-through wrappers, first on PATH: `aws` counts
 * its calls in `state/aws-calls` and runs the real CLI; `python3` and `mv` run the real ones, except
 * that with `state/hang-switch` they stop just before the switch (the exchange, or a rename onto the
 * live path), touch `state/switching`, and wait to be killed.
 */
function machine(): Box {
  const dir = mkdtempSync(join(tmpdir(), "sync-code-"));
  dirs.push(dir);
  const box = {
    dir,
    root: join(dir, "root"),
    state: join(dir, "state"),
    live: join(dir, "root/var/www/html"),
    releases: join(dir, "root/var/www/html.releases"),
    share: join(dir, "share"),
  };
  for (const sub of ["bin", "root/var/www", "share", "state"]) mkdirSync(join(dir, sub), { recursive: true });
  const hang = `if [[ -e $STUB_STATE/hang-switch ]]; then touch "$STUB_STATE/switching"; exec sleep 600; fi`;
  const wrappers = {
    aws: `echo "$*" >>"$STUB_STATE/aws-calls"\nexec ${REAL_AWS} "$@"`,
    python3: `[[ \${3:-} == exchange ]] && { ${hang}; }\nexec ${REAL_PYTHON} "$@"`,
    mv: `[[ \${!#} == "$LIVE_PATH" ]] && { ${hang}; }\nexec ${REAL_MV} "$@"`,
  };
  for (const [name, body] of Object.entries(wrappers)) {
    writeFileSync(join(dir, "bin", name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(dir, "bin", name), 0o755);
  }
  writeFileSync(join(box.state, "aws-calls"), "");
  return box;
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function start(box: Box, prefix: string, env: Record<string, string> = {}, args: string[] = []) {
  const child = spawn("bash", [SCRIPT, ...args], {
    detached: true,
    env: {
      PATH: `${join(box.dir, "bin")}${delimiter}${process.env.PATH}`,
      LANG: "C",
      ...moto.awsEnv,
      ROOT_DIR: box.root,
      STUB_STATE: box.state,
      LIVE_PATH: box.live,
      SOURCE_BUCKET: BUCKET,
      SOURCE_PREFIX: prefix,
      SHARE_MOUNT_PATH: "/mnt/efs",
      SYNC_TIMEOUT_SECONDS: "60",
      ...env,
    },
  });
  const done = new Promise<Result>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

const run = (box: Box, prefix: string, env: Record<string, string> = {}, args: string[] = []) =>
  start(box, prefix, env, args).done;

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Puts a release in the layout `npm run release-upload` writes: the files, the manifest, then the
 * pointer. `upload` leaves parts out, as an interrupted or mistaken upload would.
 */
async function publish(
  prefix: string,
  id: string,
  files: Record<string, string>,
  upload: { files?: string[]; manifest?: boolean; pointer?: boolean } = {},
): Promise<void> {
  const uploaded = upload.files ?? Object.keys(files);
  await putObjects(
    moto,
    BUCKET,
    Object.fromEntries(uploaded.map((path) => [`${prefix}/releases/${id}/${path}`, files[path]])),
  );
  if (upload.manifest ?? true) {
    const entries = Object.entries(files).map(([path, body]) => [
      path,
      { size: Buffer.byteLength(body), sha256: sha256(body) },
    ]);
    const manifest = {
      format: MANIFEST_FORMAT,
      release: id,
      fileCount: entries.length,
      totalBytes: 0,
      files: Object.fromEntries(entries),
    };
    await putObjects(moto, BUCKET, { [`${prefix}/manifests/${id}.json`]: JSON.stringify(manifest) });
  }
  if (upload.pointer ?? true) await putObjects(moto, BUCKET, { [`${prefix}/CURRENT`]: `${id}\n` });
}

/** Relative path → content of every file under `dir`; a symlink shows as `-> target`. */
function treeOf(dir: string, prefix = ""): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) tree[prefix + name] = `-> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) Object.assign(tree, treeOf(path, `${prefix}${name}/`));
    else tree[prefix + name] = readFileSync(path, "utf8");
  }
  return tree;
}

const awsCalls = (box: Box) => readFileSync(join(box.state, "aws-calls"), "utf8").split("\n").filter(Boolean);
const releaseNames = (box: Box) =>
  existsSync(box.releases) ? readdirSync(box.releases).filter((n) => !n.endsWith(".json")) : [];

/** Mounts `source` on `target` (a bind mount stands in for EFS); false when this host allows no mount. */
function bindMount(source: string, target: string): boolean {
  mkdirSync(target, { recursive: true });
  const result = spawnSync("mount", ["--bind", source, target], { encoding: "utf8" });
  if (result.status !== 0) {
    console.warn(`bind mount refused (${result.stderr.trim()}); the share is a plain directory on this host`);
    return false;
  }
  mounts.push(target);
  return true;
}

const V1 = { "index.html": "v2", "app.3f2a.js": "console.log(1)", "css/site.css": "body{}" };
const SHARE = { "photo.jpg": "every machine's media", "uploads/doc.pdf": "a user's file" };

describe("sync-code.sh with the real AWS CLI against moto's S3", () => {
  test("is shellcheck-clean", () => {
    const result = spawnSync("shellcheck", ["-x", SCRIPT], { encoding: "utf8" });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  test("a target that holds, equals or lies inside the share's mount is refused before anything is touched", async () => {
    // GIVEN the share mounted at /srv/web/media, with files, and a release ready in S3
    const box = machine();
    writeFileSyncTree(box.share, SHARE);
    const mounted = bindMount(box.share, join(box.root, "srv/web/media"));
    await publish("above-mount", "r1", V1);
    const before = treeOf(join(box.root, "srv"));
    // WHEN the target is above the mount (as SHARE_MOUNT_PATH says), equal to it, or above a mount
    // the settings do not know about
    const above = await run(box, "above-mount", {
      TARGET_PATH: "/srv/web",
      SHARE_MOUNT_PATH: "/srv/web/media",
    });
    const equal = await run(box, "above-mount", {
      TARGET_PATH: "/srv/web/media",
      SHARE_MOUNT_PATH: "/srv/web/media",
    });
    const unknown = await run(box, "above-mount", { TARGET_PATH: "/srv/web", SHARE_MOUNT_PATH: "/mnt/efs" });
    // THEN each exits 2 naming the rule; the share, the tree and S3 were never touched
    expect(above.code).toBe(2);
    expect(above.stderr).toContain(
      "TARGET_PATH '/srv/web' is, holds or lies inside the share (SHARE_MOUNT_PATH '/srv/web/media')",
    );
    expect(equal.code).toBe(2);
    expect(equal.stderr).toContain("TARGET_PATH '/srv/web/media' is, holds or lies inside the share");
    expect(unknown.code).toBe(mounted ? 2 : 0);
    if (mounted)
      expect(unknown.stderr).toContain(`a file system is mounted at ${join(box.root, "srv/web/media")}`);
    expect(treeOf(box.share)).toEqual(SHARE);
    if (mounted) expect(treeOf(join(box.root, "srv"))).toEqual(before);
    expect(awsCalls(box)).toEqual(mounted ? [] : expect.any(Array));
  }, 60_000);

  test("system directories and the default target on the share are refused, every problem at once", async () => {
    const box = machine();
    const result = await run(box, "nowhere", {
      TARGET_PATH: "/etc",
      RELEASES_DIR: "/proc/code",
      SHARE_MOUNT_PATH: "/var/www",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "sync-code: ERROR: bad settings: TARGET_PATH '/etc' is, holds or lies inside the system directory /etc; " +
        "RELEASES_DIR '/proc/code' is, holds or lies inside the system directory /proc; nothing was changed\n",
    );
    const share = await run(box, "nowhere", { SHARE_MOUNT_PATH: "/var/www" });
    expect(share.code).toBe(2);
    expect(share.stderr).toContain(
      "TARGET_PATH '/var/www/html' is, holds or lies inside the share (SHARE_MOUNT_PATH '/var/www')",
    );
    expect(readdirSync(box.root)).toEqual(["var"]);
    expect(readdirSync(join(box.root, "var/www"))).toEqual([]);
    expect(awsCalls(box)).toEqual([]);
  });

  test("a mount below the releases is never pruned: the sync refuses and the share keeps its files", async () => {
    // GIVEN an old release with the share mounted inside it (by hand, not by us) and KEEP_RELEASES 0
    const box = machine();
    writeFileSyncTree(box.share, SHARE);
    writeFileSyncTree(join(box.releases, "20200101T000000.000000000Z_r0"), { "index.html": "old" });
    const mounted = bindMount(box.share, join(box.releases, "20200101T000000.000000000Z_r0/media"));
    await publish("prune", "r1", V1);
    // WHEN
    const result = await run(box, "prune", { KEEP_RELEASES: "0" });
    // THEN
    expect(treeOf(box.share)).toEqual(SHARE);
    if (mounted) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("a file system is mounted at");
    }
  }, 60_000);

  describe("one machine through a release's life (the tests run in order on one machine)", () => {
    const prefix = "life";
    let box: Box;
    beforeAll(() => {
      box = machine();
    });

    test("first sync: the live path links to the release, byte for byte, media linked to the share", async () => {
      await publish(prefix, "r1", V1);
      const result = await run(box, prefix);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(treeOf(box.live)).toEqual(V1);
      expect(awsCalls(box)).toHaveLength(3);
      // The web server's own link to the share, made once; every later release carries it.
      writeFileSyncLink(join(box.live, "media"), box.share);
    }, 60_000);

    test("a second sync of the same release exits at once: one S3 call, no new release", async () => {
      const releases = releaseNames(box);
      const calls = awsCalls(box).length;
      const started = Date.now();
      const result = await run(box, prefix);
      const seconds = (Date.now() - started) / 1000;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("release r1 is already live and intact; nothing to do");
      expect(awsCalls(box).length - calls).toBe(1);
      expect(releaseNames(box)).toEqual(releases);
      expect(seconds).toBeLessThan(20);
    }, 60_000);

    test("a change that keeps every size arrives, and deleted files go", async () => {
      // GIVEN r2: index.html "v2" -> "v3" (same size), app.js renamed (hashed asset)
      const v2 = { "index.html": "v3", "app.9c1d.js": "console.log(1)", "css/site.css": "body{}" };
      await publish(prefix, "r2", v2);
      // WHEN
      const result = await run(box, prefix);
      // THEN
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(treeOf(box.live)).toEqual({ ...v2, media: `-> ${box.share}` });
      expect(treeOf(box.share)).toEqual({});
    }, 60_000);

    test("empty, incomplete, half-uploaded and mistyped releases are refused; the old one stays live", async () => {
      const live = readlinkSync(box.live);
      const cases: [string, () => Promise<void>, Record<string, string>, RegExp][] = [
        [
          "a manifest that lists no file",
          () => publish(prefix, "r-empty", {}),
          {},
          /release r-empty is incomplete or damaged, refused: the manifest lists no file/,
        ],
        [
          "a file missing from S3",
          () =>
            publish(prefix, "r-partial", { "index.html": "v4", "app.js": "x" }, { files: ["index.html"] }),
          {},
          /release r-partial is incomplete or damaged, refused: app\.js is missing/,
        ],
        [
          "a pointer to files whose manifest never came",
          () => publish(prefix, "r-half", { "index.html": "v5" }, { manifest: false }),
          {},
          /reading the manifest of release r-half failed/,
        ],
        [
          "a mistyped prefix",
          async () => undefined,
          { SOURCE_PREFIX: "lif" },
          /reading the release pointer s3:\/\/example-web-code\/lif\/CURRENT failed/,
        ],
      ];
      for (const [, setUp, env, message] of cases) {
        await setUp();
        const result = await run(box, prefix, env);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).toContain(`/var/www/html still serves ${live.split("/").pop()}`);
        expect(readlinkSync(box.live)).toBe(live);
        expect(readdirSync(box.releases).filter((name) => name.startsWith(".staging-"))).toEqual([]);
      }
      expect(treeOf(box.live)).toMatchObject({ "index.html": "v3" });
    }, 120_000);

    test("a damaged file (same size, other bytes) is refused by its sha256", async () => {
      await publish(prefix, "r-bad", { "index.html": "v6" }, { files: [] });
      await putObjects(moto, BUCKET, { [`${prefix}/releases/r-bad/index.html`]: "v7" });
      const result = await run(box, prefix);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("index.html differs from the manifest's sha256");
      expect(treeOf(box.live)).toMatchObject({ "index.html": "v3" });
    }, 60_000);

    test("rollback switches back to the release that was live before, then refuses when none is left", async () => {
      const result = await run(box, prefix, {}, ["rollback"]);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(treeOf(box.live)).toEqual({ ...V1, media: `-> ${box.share}` });
      const again = await run(box, prefix, {}, ["rollback"]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("no release older than");
      expect(treeOf(box.live)).toEqual({ ...V1, media: `-> ${box.share}` });
    });

    test("a second sync while one runs exits at once with 75 and touches nothing", async () => {
      const live = readlinkSync(box.live);
      const holder = spawn("flock", [join(box.root, "run/sync-code.lock"), "sleep", "30"], {
        detached: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        const result = await run(box, prefix);
        expect(result.code).toBe(SYNC_BUSY_EXIT_CODE);
        expect(result.stderr).toContain("another sync is already running");
      } finally {
        process.kill(-(holder.pid as number), "SIGKILL");
      }
      expect(readlinkSync(box.live)).toBe(live);
    });
  });

  test("an object named exactly media or var in a release is never downloaded into the web root", async () => {
    // Found by an attack: `--exclude 'media/*'` let an object named `media` (no slash) through, and
    // it was served though no manifest listed it.
    const box = machine();
    const prefix = "exact";
    await publish(prefix, "r1", V1);
    await putObjects(moto, BUCKET, {
      [`${prefix}/releases/r1/media`]: "not in the manifest",
      [`${prefix}/releases/r1/var`]: "nor this",
    });
    const result = await run(box, prefix);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(treeOf(box.live)).toEqual(V1);
  }, 60_000);

  test("rollback never 'rolls back' to another copy of the live release, and never to one it cannot check", async () => {
    // Found by an attack: r1, r2 (bad), rollback, a sync that fetched r2 again, then a rollback that
    // said "rolled back from ..._r2 to ..._r2" with exit 0; and a release whose manifest was deleted
    // went live unchecked.
    const box = machine();
    const prefix = "again";
    await publish(prefix, "r1", V1);
    expect((await run(box, prefix)).code).toBe(0);
    await publish(prefix, "r2", { "index.html": "bad" });
    expect((await run(box, prefix)).code).toBe(0);
    expect((await run(box, prefix, {}, ["rollback"])).code).toBe(0);
    expect(treeOf(box.live)).toEqual(V1);
    expect((await run(box, prefix)).code).toBe(0); // CURRENT still names r2: fetched again
    expect(treeOf(box.live)).toEqual({ "index.html": "bad" });
    const back = await run(box, prefix, {}, ["rollback"]);
    expect(back).toMatchObject({ code: 0, stderr: "" });
    expect(treeOf(box.live)).toEqual(V1);
    // WHEN, after r2 is fetched a third time, every older release loses its manifest
    expect((await run(box, prefix)).code).toBe(0);
    const live = readlinkSync(box.live);
    for (const name of readdirSync(box.releases)) {
      if (name.endsWith(".manifest.json") && !live.endsWith(name.replace(".manifest.json", ""))) {
        rmSync(join(box.releases, name));
      }
    }
    const unchecked = await run(box, prefix, {}, ["rollback"]);
    // THEN nothing unchecked goes live
    expect(unchecked.code).toBe(1);
    expect(unchecked.stderr).toMatch(/has no manifest to check it against, refused/);
    expect(readlinkSync(box.live)).toBe(live);
  }, 120_000);

  test("a machine that boots while a release uploads gets the last complete one", async () => {
    await publish("booting", "r1", V1);
    await publish("booting", "r2", { "index.html": "v3" }, { manifest: false, pointer: false });
    const box = machine();
    const result = await run(box, "booting");
    expect(result.code).toBe(0);
    expect(treeOf(box.live)).toEqual(V1);
  }, 60_000);

  test("a kill during the switch of a plain directory leaves the old code at the live path", async () => {
    // GIVEN a machine whose /var/www/html is a plain directory (httpd's), and r1 in S3
    const box = machine();
    const original = { "index.html": "from the AMI" };
    writeFileSyncTree(box.live, original);
    await publish("switch", "r1", V1);
    writeFileSync(join(box.state, "hang-switch"), "");
    // WHEN the sync is killed at the switch
    const { child, done } = start(box, "switch");
    await waitFor(() => existsSync(join(box.state, "switching")), 60_000);
    process.kill(-(child.pid as number), "SIGKILL");
    await done;
    // THEN the live path still serves the old code; the next sync switches and keeps the original
    expect(treeOf(box.live)).toEqual(original);
    rmSync(join(box.state, "hang-switch"));
    const next = await run(box, "switch");
    expect(next).toMatchObject({ code: 0, stderr: "" });
    expect(treeOf(box.live)).toEqual(V1);
    const kept = releaseNames(box).find((name) => name.endsWith("_original"));
    expect(kept && treeOf(join(box.releases, kept))).toEqual(original);
  }, 120_000);
});

test("a run killed right after the exchange left the original directory aside: the next run keeps it", async () => {
  // GIVEN what such a kill leaves: the original directory at <target>.sync-code-next
  const box = machine();
  const original = { "index.html": "from the AMI" };
  writeFileSyncTree(`${box.live}.sync-code-next`, original);
  await publish("after-exchange", "r1", V1);
  // WHEN
  const result = await run(box, "after-exchange");
  // THEN
  expect(result).toMatchObject({ code: 0, stderr: "" });
  expect(treeOf(box.live)).toEqual(V1);
  const kept = releaseNames(box).find((name) => name.endsWith("_original"));
  expect(kept && treeOf(join(box.releases, kept))).toEqual(original);
  expect(existsSync(`${box.live}.sync-code-next`)).toBe(false);
}, 120_000);

describe("npm run release-upload: files, then manifest, then pointer; sync-code serves it", () => {
  test("a build uploaded by the tool is what a machine serves, byte for byte", async () => {
    const build = mkdtempSync(join(tmpdir(), "build-"));
    dirs.push(build);
    const files = { "index.html": "<h1>hi</h1>", "assets/app.js": "x".repeat(70_000), "a b.txt": "space" };
    writeFileSyncTree(build, files);
    const out: string[] = [];
    const err: string[] = [];
    const env = { ...process.env, ...moto.awsEnv };
    const code = await releaseUpload(
      [build, `s3://${BUCKET}/tool`, "--release", "t1"],
      env,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    const again = await releaseUpload(
      [build, `s3://${BUCKET}/tool`, "--release", "t1"],
      env,
      () => {},
      (l) => err.push(l),
    );
    expect(again).toBe(1);
    expect(err.join("\n")).toContain("release t1 already exists");
    const box = machine();
    const result = await run(box, "tool");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(treeOf(box.live)).toEqual(files);
  }, 120_000);

  test("an empty build and one holding media/ are refused before any upload", async () => {
    const build = mkdtempSync(join(tmpdir(), "build-"));
    dirs.push(build);
    const err: string[] = [];
    const empty = await releaseUpload(
      [build, `s3://${BUCKET}/tool2`],
      {},
      () => {},
      (l) => err.push(l),
    );
    writeFileSyncTree(build, { "media/x.jpg": "no" });
    const media = await releaseUpload(
      [build, `s3://${BUCKET}/tool2`],
      {},
      () => {},
      (l) => err.push(l),
    );
    expect([empty, media]).toEqual([1, 1]);
    expect(err.join("\n")).toContain("holds no file: an empty release is never served");
    expect(err.join("\n")).toContain("media: media/ and var/ belong to each machine");
  });
});

function writeFileSyncTree(base: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(join(base, relative, ".."), { recursive: true });
    writeFileSync(join(base, relative), content);
  }
}

function writeFileSyncLink(path: string, target: string): void {
  spawnSync("ln", ["-s", target, path]);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
