import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import {
  calls,
  createSandbox,
  elapsedSeconds,
  reachableAt,
  runScript,
  Sandbox,
  writeTree,
} from "./helpers/script-sandbox";

const SCRIPT = join(__dirname, "../../modules/clients/scripts/mount-shared-home.sh");
const FS_ID = "fs-0123456789abcdef0";
const DNS_NAME = `${FS_ID}.efs.eu-west-1.amazonaws.com`;
const EFS_FSTAB_LINE = `${FS_ID}:/ /home efs _netdev,noresvport,tls,iam 0 0`;
const SETTINGS = { EFS_FILE_SYSTEM_ID: FS_ID, EFS_DNS_NAME: DNS_NAME };
const MARKER = ".mount-shared-home.seeded";

const sandboxes: Sandbox[] = [];
function sandbox(): Sandbox {
  const created = createSandbox();
  sandboxes.push(created);
  return created;
}
afterAll(() => sandboxes.forEach((s) => rmSync(s.dir, { recursive: true, force: true })));

function run(box: Sandbox, env: Record<string, string> = {}) {
  return runScript(box, SCRIPT, { ...SETTINGS, ...env });
}

function fstabOf(box: Sandbox): string[] {
  return readFileSync(join(box.root, "etc/fstab"), "utf8").split("\n").filter(Boolean);
}

function linesFor(fstab: string[], mountPath: string): string[] {
  return fstab.filter((line) => !line.startsWith("#") && line.split(/\s+/)[1] === mountPath);
}

/** Relative path → content of every regular file under `dir`, hidden ones included. */
function filesUnder(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    if (lstatSync(path).isDirectory()) Object.assign(files, filesUnder(path, relative));
    else if (lstatSync(path).isFile()) files[relative] = readFileSync(path, "utf8");
  }
  return files;
}

/**
 * Makes the sandbox's resolver hang: `getent` never answers (a real, long sleep), as with a DNS
 * server that drops the query. `timeout` cuts a lookup the way the real one would, on the fake
 * clock: it records `lookup-timeout <seconds>`, moves the clock on by that much and exits 124. A
 * lookup made without `timeout` hangs for real (30 s, holding none of the run's pipes), and the
 * run's guard kills the script.
 */
function resolverHangs(box: Sandbox): void {
  const bin = join(box.dir, "bin");
  const realSleep = spawnSync("bash", ["-c", "command -v sleep"], {
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin" },
  }).stdout.trim();
  writeFileSync(
    join(bin, "getent"),
    `#!/usr/bin/env bash\nprintf 'getent %s\\n' "$*" >>"$STUB_STATE/calls.log"\nexec ${realSleep} 30 </dev/null >/dev/null 2>&1\n`,
  );
  renameSync(join(bin, "timeout"), join(bin, "timeout.sandbox"));
  writeFileSync(
    join(bin, "timeout"),
    [
      "#!/usr/bin/env bash",
      "if [[ $2 == getent ]]; then",
      `  printf 'lookup-timeout %s\\n' "$1" >>"$STUB_STATE/calls.log"`,
      '  echo $(( $(cat "$STUB_STATE/clock") + $1 )) >"$STUB_STATE/clock"',
      "  exit 124",
      "fi",
      'exec "$(dirname "$0")/timeout.sandbox" "$@"',
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "getent"), 0o755);
  chmodSync(join(bin, "timeout"), 0o755);
}

const mountsAt = (box: Sandbox, path: string) =>
  calls(box).filter((call) => call.startsWith("mount ") && call.endsWith(` ${path}`));

describe("mount-shared-home.sh", () => {
  test("is shellcheck-clean", () => {
    const result = spawnSync("shellcheck", ["--severity=style", SCRIPT], { encoding: "utf8" });
    expect(result.error).toBeUndefined(); // shellcheck missing: apt-get install -y shellcheck
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("installs efs-utils, seeds the share, adds one fstab line and mounts with tls,iam", async () => {
    // GIVEN a fresh machine with a local /home and a share that has never been seeded
    const box = sandbox();
    writeTree(join(box.root, "home"), { "ec2-user/.bashrc": "alias ll='ls -l'\n" });
    // WHEN
    const result = await run(box);
    // THEN
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(calls(box)).toContain("dnf install -y amazon-efs-utils");
    expect(calls(box)).toContain(`probe 10.0.128.10 2049`);
    expect(fstabOf(box)).toEqual([EFS_FSTAB_LINE]);
    expect(mountsAt(box, join(box.root, "home"))).toEqual([
      `mount -t efs -o _netdev,noresvport,tls,iam ${FS_ID}:/ ${join(box.root, "home")}`,
    ]);
    expect(readFileSync(join(box.share, "ec2-user/.bashrc"), "utf8")).toBe("alias ll='ls -l'\n");
    expect(readFileSync(join(box.share, MARKER), "utf8")).toMatch(/^seeded by \S+ at \d{4}-/);
    // the staging mount is gone and no partial copy is left on the share
    expect(readdirSync(join(box.root, "run"))).toEqual([]);
    expect(existsSync(join(box.share, ".mount-shared-home.partial"))).toBe(false);
  });

  test("after three runs, fstab has exactly one line for the share and it was mounted once", async () => {
    // GIVEN an fstab with the root file system in it
    const box = sandbox();
    writeTree(box.root, { "etc/fstab": "UUID=abc / xfs defaults,noatime 1 1\n", "home/ec2-user/a": "a" });
    // WHEN
    for (let i = 0; i < 3; i++) expect((await run(box)).code).toBe(0);
    // THEN
    expect(fstabOf(box)).toEqual(["UUID=abc / xfs defaults,noatime 1 1", EFS_FSTAB_LINE]);
    expect(mountsAt(box, join(box.root, "home"))).toHaveLength(1);
    expect(calls(box).filter((call) => call.startsWith("dnf "))).toHaveLength(1);
  });

  test("after a reboot that lost the mount, mounts again without a second fstab line or a second seeding", async () => {
    // GIVEN a machine that ran the script once and an fstab that had an old /home entry
    const box = sandbox();
    writeTree(box.root, {
      "etc/fstab": "UUID=abc / xfs defaults 1 1\nUUID=old /home ext4 defaults 1 2\n",
      "home/ec2-user/a": "a",
    });
    expect((await run(box)).code).toBe(0);
    rmSync(join(box.state, "mounts"), { recursive: true });
    mkdirSync(join(box.state, "mounts"));
    rmSync(join(box.share, "ec2-user/a"));
    // WHEN
    expect((await run(box)).code).toBe(0);
    // THEN
    expect(fstabOf(box)).toEqual(["UUID=abc / xfs defaults 1 1", EFS_FSTAB_LINE]);
    expect(readFileSync(join(box.root, "etc/fstab.before-mount-shared-home"), "utf8")).toContain("UUID=old");
    expect(mountsAt(box, join(box.root, "home"))).toHaveLength(2);
    // the file users deleted from the share does not come back from the local copy
    expect(existsSync(join(box.share, "ec2-user/a"))).toBe(false);
  });

  test("two seeders at the same time: every file of both is on the share, whole, none overwritten", async () => {
    // GIVEN two machines sharing one never-seeded share, each with its own local /home and one
    // file of the same name with different content
    const first = sandbox();
    const second = createSandbox();
    sandboxes.push(second);
    const big = (c: string) => c.repeat(2 * 1024 * 1024);
    writeTree(join(first.root, "home"), {
      "alice/notes.txt": "alice\n",
      "ec2-user/.bash_history": big("1"),
      "shared/same-name": big("A"),
    });
    writeTree(join(second.root, "home"), {
      "bob/todo.txt": "bob\n",
      "ec2-user/.ssh/authorized_keys": "ssh-ed25519 AAAA bob\n",
      "shared/same-name": big("B"),
    });
    // WHEN both start at once, against the same share, and meet once both have looked at it
    const env = { SEED_BARRIER_PARTIES: "2", LOCK_WAIT_SECONDS: "20" };
    const barrierAndShare = { STUB_STATE: first.state, FAKE_SHARE: first.share };
    const results = await Promise.all([
      runScript(first, SCRIPT, { ...SETTINGS, ...env }),
      runScript(second, SCRIPT, { ...SETTINGS, ...env, ...barrierAndShare }),
    ]);
    // THEN
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    const onShare = filesUnder(first.share);
    expect(onShare["alice/notes.txt"]).toBe("alice\n");
    expect(onShare["bob/todo.txt"]).toBe("bob\n");
    expect(onShare["ec2-user/.bash_history"]).toBe(big("1"));
    expect(onShare["ec2-user/.ssh/authorized_keys"]).toBe("ssh-ed25519 AAAA bob\n");
    // one version whole, and the other seeder says it kept it
    expect([big("A"), big("B")]).toContain(onShare["shared/same-name"]);
    const keptBy = results.filter((r) => r.stdout.includes("kept") && r.stdout.includes("shared/same-name"));
    expect(keptBy).toHaveLength(1);
    expect(Object.keys(onShare).sort()).toEqual(
      [
        ".mount-shared-home.lock",
        MARKER,
        "alice/notes.txt",
        "bob/todo.txt",
        "ec2-user/.bash_history",
        "ec2-user/.ssh/authorized_keys",
        "shared/same-name",
      ].sort(),
    );
  });

  test("never overwrites a file already on the share", async () => {
    // GIVEN a share not yet seeded that already holds alice's notes
    const box = sandbox();
    writeTree(box.share, { "alice/notes.txt": "written on the share\n" });
    writeTree(join(box.root, "home"), { "alice/notes.txt": "local\n", "alice/other.txt": "other\n" });
    // WHEN
    const result = await run(box);
    // THEN
    expect(result.code).toBe(0);
    expect(readFileSync(join(box.share, "alice/notes.txt"), "utf8")).toBe("written on the share\n");
    expect(readFileSync(join(box.share, "alice/other.txt"), "utf8")).toBe("other\n");
    expect(result.stdout).toContain(`kept`);
  });

  test("does not seed a share that is already seeded", async () => {
    // GIVEN a seeded share
    const box = sandbox();
    writeTree(box.share, { [MARKER]: "seeded by another-host at 2024-01-01T00:00:00Z\n" });
    writeTree(join(box.root, "home"), { "ec2-user/.bashrc": "local\n" });
    // WHEN
    const result = await run(box);
    // THEN
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("already seeded");
    expect(filesUnder(box.share)).toEqual({ [MARKER]: "seeded by another-host at 2024-01-01T00:00:00Z\n" });
    expect(fstabOf(box)).toEqual([EFS_FSTAB_LINE]);
  });

  test("waits for a mount target that comes up late, then mounts", async () => {
    // GIVEN a mount target that answers after 40 s
    const box = sandbox();
    reachableAt(box, 40);
    // WHEN
    const result = await run(box, { WAIT_SECONDS: "120", WAIT_INTERVAL_SECONDS: "5" });
    // THEN
    expect(result.code).toBe(0);
    expect(elapsedSeconds(box)).toBeGreaterThanOrEqual(40);
    expect(elapsedSeconds(box)).toBeLessThan(50);
    expect(mountsAt(box, join(box.root, "home"))).toHaveLength(1);
  });

  test("exits non-zero within its bound when the mount target never answers on TCP 2049", async () => {
    // GIVEN a name that resolves and a port that never answers
    const box = sandbox();
    rmSync(join(box.state, "port-opens-at"));
    // WHEN
    const result = await run(box, {
      WAIT_SECONDS: "20",
      WAIT_INTERVAL_SECONDS: "5",
      PROBE_TIMEOUT_SECONDS: "3",
    });
    // THEN
    expect(result.code).toBe(1);
    const message = `mount-shared-home: ERROR: gave up after 20s waiting for the mount target ${DNS_NAME}: 10.0.128.10 does not answer on TCP 2049.`;
    expect(result.stderr).toContain(message);
    expect(readFileSync(box.console, "utf8")).toContain(message);
    expect(elapsedSeconds(box)).toBeLessThanOrEqual(20);
    expect(elapsedSeconds(box)).toBeGreaterThan(15);
    expect(calls(box).filter((call) => call.startsWith("mount "))).toEqual([]);
    expect(existsSync(join(box.root, "etc/fstab"))).toBe(false);
  });

  test("exits non-zero within its bound when the mount target's name never resolves", async () => {
    const box = sandbox();
    rmSync(join(box.state, "dns-resolves-at"));
    const result = await run(box, { WAIT_SECONDS: "30", WAIT_INTERVAL_SECONDS: "7" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `gave up after 30s waiting for the mount target ${DNS_NAME}: its DNS name does not resolve.`,
    );
    expect(elapsedSeconds(box)).toBeLessThanOrEqual(30);
    expect(elapsedSeconds(box)).toBeGreaterThan(23);
  });

  test("a resolver that hangs: each lookup is cut to the wait that remains, and the script gives up on time", async () => {
    // GIVEN a DNS server that never answers, and a probe bound (7 s) longer than what is left of
    // the wait after the first lookup and a pause (10 - 7 - 1 = 2 s)
    const box = sandbox();
    resolverHangs(box);
    // WHEN
    const result = await runScript(
      box,
      SCRIPT,
      { ...SETTINGS, WAIT_SECONDS: "10", PROBE_TIMEOUT_SECONDS: "7", WAIT_INTERVAL_SECONDS: "1" },
      10_000,
    );
    // THEN it ends by itself (a killed run has no exit code), on time, and says why
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `gave up after 10s waiting for the mount target ${DNS_NAME}: its DNS name does not resolve.`,
    );
    expect(calls(box).filter((call) => /^(lookup-timeout|sleep) /.test(call))).toEqual([
      "lookup-timeout 7",
      "sleep 1",
      "lookup-timeout 2",
    ]);
    expect(elapsedSeconds(box)).toBe(10);
    expect(calls(box).filter((call) => call.startsWith("mount "))).toEqual([]);
  });

  test("the NFS fallback mounts the DNS name with the recommended NFS options", async () => {
    const box = sandbox();
    const result = await run(box, { MOUNT_METHOD: "nfs", SEED_FROM_LOCAL: "false" });
    expect(result.code).toBe(0);
    const options = "nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev";
    expect(fstabOf(box)).toEqual([`${DNS_NAME}:/ /home nfs4 ${options} 0 0`]);
    expect(mountsAt(box, join(box.root, "home"))).toEqual([
      `mount -t nfs4 -o ${options} ${DNS_NAME}:/ ${join(box.root, "home")}`,
    ]);
  });

  test("a read-only mount elsewhere, without seeding, as a backup host uses it", async () => {
    // GIVEN a local /home that must not reach the share
    const box = sandbox();
    writeTree(join(box.root, "home"), { "ec2-user/.bashrc": "local\n" });
    // WHEN
    const result = await run(box, {
      MOUNT_PATH: "/mnt/shared-home",
      SEED_FROM_LOCAL: "false",
      MOUNT_READ_ONLY: "true",
    });
    // THEN
    expect(result.code).toBe(0);
    expect(fstabOf(box)).toEqual([`${FS_ID}:/ /mnt/shared-home efs _netdev,noresvport,tls,iam,ro 0 0`]);
    expect(linesFor(fstabOf(box), "/home")).toEqual([]);
    expect(filesUnder(box.share)).toEqual({});
    expect(lstatSync(join(box.root, "mnt/shared-home")).isSymbolicLink()).toBe(true); // the stub's mount
  });

  test("refuses to hide something else already mounted at the mount path", async () => {
    const box = sandbox();
    writeFileSync(join(box.state, "mounts", join(box.root, "home").replace(/\//g, "_")), "");
    const result = await run(box);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "/home is already a mount point, but not of this share; refusing to hide it.",
    );
    expect(calls(box).filter((call) => call.startsWith("mount "))).toEqual([]);
  });

  test("reports every invalid setting at once", async () => {
    const box = sandbox();
    const result = await run(box, {
      EFS_FILE_SYSTEM_ID: "fs-XYZ",
      MOUNT_PATH: "/home/../etc",
      MOUNT_METHOD: "smb",
      WAIT_SECONDS: "0",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("EFS_FILE_SYSTEM_ID 'fs-XYZ' is not a file system id");
    expect(result.stderr).toContain("MOUNT_PATH '/home/../etc' must be an absolute path other than /");
    expect(result.stderr).toContain("MOUNT_METHOD 'smb' is not allowed; use efs-utils or nfs");
    expect(result.stderr).toContain("WAIT_SECONDS '0' must be a whole number of seconds, 1 or more");
    expect(calls(box)).toEqual([]);
  });
});
