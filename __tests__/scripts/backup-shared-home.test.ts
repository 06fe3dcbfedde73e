import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Executes modules/backup/scripts/backup-shared-home.sh under bash, with `aws`, `fsfreeze`, `rsync`,
 * `flock`, `logger`, `mountpoint`, `mount`, `blkid` and `mkfs.xfs` replaced by stubs that record
 * every call. Real coreutils (date, sort, readlink) and awk do the rest.
 */
const SCRIPT = resolve(__dirname, "../../modules/backup/scripts/backup-shared-home.sh");
const VOLUME_ID = "vol-0123456789abcdef0";
const TAG_KEY = "backup-shared-home:volume";

const STUBS: Record<string, string> = {
  aws: `
echo "aws $*" >> "$STUB_DIR/calls"
case "$1 $2" in
  "ec2 create-snapshot")
    if [ -n "\${STUB_TERM_DURING_SNAPSHOT:-}" ]; then
      # Signal the backup script itself (our parent, or its parent if bash forked a subshell).
      target=$PPID
      grep -q backup-shared-home "/proc/$target/cmdline" || target=$(awk '{print $4}' "/proc/$target/stat")
      kill -TERM "$target"
    fi
    code="\${STUB_CREATE_SNAPSHOT_EXIT:-0}"
    if [ "$code" = 0 ]; then echo snap-0fresh00000000000; else echo "An error occurred (RequestLimitExceeded)" >&2; fi
    exit "$code" ;;
  "ec2 describe-snapshots")
    cat "$STUB_DIR/snapshots" 2>/dev/null || true
    exit "\${STUB_DESCRIBE_EXIT:-0}" ;;
  "ec2 delete-snapshot")
    exit 0 ;;
esac
echo "unexpected aws call: $*" >&2
exit 99`,
  fsfreeze: `
echo "fsfreeze $*" >> "$STUB_DIR/calls"
case "$1" in
  --freeze) touch "$STUB_DIR/frozen" ;;
  --unfreeze) rm -f "$STUB_DIR/frozen" ;;
esac`,
  rsync: `
echo "rsync $*" >> "$STUB_DIR/calls"
exit "\${STUB_RSYNC_EXIT:-0}"`,
  flock: `
echo "flock $*" >> "$STUB_DIR/calls"
exit "\${STUB_FLOCK_EXIT:-0}"`,
  logger: `
echo "$*" >> "$STUB_DIR/journal"`,
  mountpoint: `
grep -qxF -- "$2" "$STUB_DIR/mounted"`,
  mount: `
echo "mount $*" >> "$STUB_DIR/calls"
echo "$1" >> "$STUB_DIR/mounted"`,
  blkid: `
echo "blkid $*" >> "$STUB_DIR/calls"
if [ -n "\${STUB_BLKID_EXIT:-}" ]; then exit "$STUB_BLKID_EXIT"; fi
[ -e "$STUB_DIR/formatted" ] || exit 2
case "$3" in TYPE) echo xfs ;; UUID) echo 3f1c2d4e-0000-4000-8000-00000000abcd ;; esac`,
  "mkfs.xfs": `
echo "mkfs.xfs $*" >> "$STUB_DIR/calls"
touch "$STUB_DIR/formatted"`,
};

interface Setup {
  /** Whether the backup volume already carries a file system. */
  formatted?: boolean;
  /** Mount points the stubbed `mountpoint` reports as mounted. */
  mounted?: ("source" | "backup")[];
  /** `describe-snapshots` text output: [StartTime, SnapshotId] rows. */
  snapshots?: [string, string][];
  /** Leave the real /usr/bin/flock in place instead of the stub. */
  realFlock?: boolean;
  /** Where the NVMe by-id link exists; without it only the fallback device name does. */
  nvmeLink?: boolean;
  env?: Record<string, string>;
}

interface Run {
  status: number | null;
  calls: string[];
  journal: string[];
  dir: string;
  stderr: string;
  frozenAtEnd: boolean;
  fstab: string;
}

function prepare(setup: Setup) {
  const dir = mkdtempSync(join(tmpdir(), "backup-shared-home-"));
  const stubDir = join(dir, "stubs");
  mkdirSync(stubDir);
  for (const [name, body] of Object.entries(STUBS)) {
    if (name === "flock" && setup.realFlock) continue;
    const path = join(stubDir, name);
    writeFileSync(path, `#!/bin/bash\n${body}\n`);
    chmodSync(path, 0o755);
  }
  const source = join(dir, "shared-home");
  const backup = join(dir, "backup");
  const byId = join(dir, "by-id");
  mkdirSync(source);
  mkdirSync(byId);
  writeFileSync(join(dir, "nvme1n1"), "");
  writeFileSync(join(dir, "sdf"), "");
  if (setup.nvmeLink ?? true) {
    symlinkSync(
      join(dir, "nvme1n1"),
      join(byId, `nvme-Amazon_Elastic_Block_Store_${VOLUME_ID.replace("-", "")}`),
    );
  }
  writeFileSync(join(dir, "fstab"), "UUID=aaaa / xfs defaults 0 0\n");
  if (setup.formatted ?? true) writeFileSync(join(dir, "formatted"), "");
  const mounted = (setup.mounted ?? ["source", "backup"]).map((m) => (m === "source" ? source : backup));
  writeFileSync(join(dir, "mounted"), mounted.map((m) => `${m}\n`).join(""));
  writeFileSync(join(dir, "snapshots"), (setup.snapshots ?? []).map((row) => row.join("\t") + "\n").join(""));
  writeFileSync(join(dir, "calls"), "");
  writeFileSync(join(dir, "journal"), "");
  const env: Record<string, string> = {
    PATH: `${stubDir}:/usr/bin:/bin`,
    STUB_DIR: dir,
    BACKUP_VOLUME_ID: VOLUME_ID,
    BACKUP_KEEP_LAST: "5",
    BACKUP_KEEP_DAYS: "7",
    BACKUP_TAG_KEY: TAG_KEY,
    BACKUP_SOURCE: source,
    BACKUP_MOUNT_POINT: backup,
    BACKUP_DEVICE_NAME: join(dir, "sdf"),
    BACKUP_DEVICE_BY_ID_DIR: byId,
    BACKUP_FSTAB: join(dir, "fstab"),
    BACKUP_LOCK_FILE: join(dir, "backup.lock"),
    ...setup.env,
  };
  return { dir, env, backup };
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean);
}

function collect(dir: string, status: number | null, stderr: string): Run {
  return {
    status,
    dir,
    stderr,
    calls: lines(join(dir, "calls")),
    journal: lines(join(dir, "journal")),
    frozenAtEnd: existsSync(join(dir, "frozen")),
    fstab: readFileSync(join(dir, "fstab"), "utf8"),
  };
}

function runBackup(setup: Setup = {}): Run {
  const { dir, env } = prepare(setup);
  const result = spawnSync("bash", [SCRIPT], { env, encoding: "utf8" });
  return collect(dir, result.status, result.stderr);
}

const commands = (run: Run) => run.calls.map((call) => call.split(" ").slice(0, 3).join(" "));
const daysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString().replace(/Z$/, "+00:00");

describe("backup-shared-home.sh", () => {
  test("syncs, freezes, snapshots with tags, unfreezes, then applies retention, in that order", () => {
    // GIVEN a mounted share and backup volume
    // WHEN
    const run = runBackup();
    // THEN
    expect(run.status).toBe(0);
    expect(commands(run)).toEqual([
      "flock --nonblock 9",
      "rsync -aH --numeric-ids",
      "fsfreeze --freeze " + join(run.dir, "backup"),
      "aws ec2 create-snapshot",
      "fsfreeze --unfreeze " + join(run.dir, "backup"),
      "aws ec2 describe-snapshots",
    ]);
    const createSnapshot = run.calls.find((c) => c.startsWith("aws ec2 create-snapshot"))!;
    expect(createSnapshot).toContain(`--volume-id ${VOLUME_ID}`);
    expect(createSnapshot).toContain(
      `--tag-specifications ResourceType=snapshot,Tags=[{Key=${TAG_KEY},Value=${VOLUME_ID}},{Key=Name,Value=backup-shared-home}]`,
    );
    expect(run.calls.find((c) => c.startsWith("rsync"))).toMatch(
      new RegExp(`--delete .* ${run.dir}/shared-home/ ${run.dir}/backup/shared-home/$`),
    );
    expect(run.frozenAtEnd).toBe(false);
  });

  test("logs to the journal through logger with its own tag", () => {
    const run = runBackup();
    expect(run.journal).toContain(
      "-t backup-shared-home -p user.info -- started snapshot snap-0fresh00000000000 of " + VOLUME_ID,
    );
    expect(run.journal.every((line) => line.startsWith("-t backup-shared-home -p user."))).toBe(true);
  });

  describe("freezing", () => {
    test("a failed snapshot call still leaves the volume unfrozen and skips retention", () => {
      // GIVEN CreateSnapshot fails
      const run = runBackup({ env: { STUB_CREATE_SNAPSHOT_EXIT: "254" } });
      // THEN the volume is unfrozen right after the call, and the run fails
      expect(run.status).toBe(1);
      expect(run.frozenAtEnd).toBe(false);
      expect(commands(run).slice(-3)).toEqual([
        "fsfreeze --freeze " + join(run.dir, "backup"),
        "aws ec2 create-snapshot",
        "fsfreeze --unfreeze " + join(run.dir, "backup"),
      ]);
      expect(run.journal).toContain(
        `-t backup-shared-home -p user.err -- create-snapshot of ${VOLUME_ID} failed (exit 254)`,
      );
    });

    test("a SIGTERM during the snapshot call still unfreezes the volume, through the trap", () => {
      const run = runBackup({ env: { STUB_TERM_DURING_SNAPSHOT: "1" } });
      expect(run.status).toBe(143);
      expect(run.frozenAtEnd).toBe(false);
      expect(commands(run).slice(-2)).toEqual([
        "aws ec2 create-snapshot",
        "fsfreeze --unfreeze " + join(run.dir, "backup"),
      ]);
    });
  });

  describe("locking", () => {
    test("a second run while one holds the lock exits 75 without syncing, freezing or calling AWS", () => {
      const run = runBackup({ env: { STUB_FLOCK_EXIT: "1" } });
      expect(run.status).toBe(75);
      expect(commands(run)).toEqual(["flock --nonblock 9"]);
    });

    test("with the real flock, a run started while another process holds the lock skips", () => {
      // GIVEN a shell that holds the lock file, then starts the script as its child
      const { dir, env } = prepare({ realFlock: true });
      const result = spawnSync("bash", ["-c", 'exec 8>>"$BACKUP_LOCK_FILE"; flock 8 && bash "$0"', SCRIPT], {
        env,
        encoding: "utf8",
      });
      const run = collect(dir, result.status, result.stderr);
      // THEN
      expect(run.status).toBe(75);
      expect(run.calls).toEqual([]);
      expect(run.journal).toEqual([
        `-t backup-shared-home -p user.notice -- another run holds ${join(dir, "backup.lock")}; skipping this one`,
      ]);
    });

    test("with the real flock and no other holder, the run proceeds", () => {
      const run = runBackup({ realFlock: true });
      expect(run.status).toBe(0);
      expect(commands(run)).toContain("aws ec2 create-snapshot");
    });
  });

  describe("sync", () => {
    test("an rsync failure means no freeze and no snapshot", () => {
      const run = runBackup({ env: { STUB_RSYNC_EXIT: "23" } });
      expect(run.status).toBe(1);
      expect(commands(run)).toEqual(["flock --nonblock 9", "rsync -aH --numeric-ids"]);
      expect(run.journal).toContain(
        "-t backup-shared-home -p user.err -- rsync failed with exit 23; no snapshot this time",
      );
    });

    test("files vanishing during the sync (rsync exit 24) still lead to a snapshot, with a warning", () => {
      const run = runBackup({ env: { STUB_RSYNC_EXIT: "24" } });
      expect(run.status).toBe(0);
      expect(commands(run)).toContain("aws ec2 create-snapshot");
      expect(run.journal.some((l) => l.startsWith("-t backup-shared-home -p user.warning --"))).toBe(true);
    });

    test("an unmounted share is not synced, so --delete cannot empty the copy", () => {
      const run = runBackup({ mounted: ["backup"] });
      expect(run.status).toBe(1);
      expect(commands(run)).toEqual(["flock --nonblock 9"]);
    });
  });

  describe("backup volume", () => {
    test("a blank volume found by its NVMe id is formatted once and put in fstab with nofail", () => {
      // GIVEN a blank, unmounted volume
      const run = runBackup({ formatted: false, mounted: ["source"] });
      // THEN
      expect(run.status).toBe(0);
      const device = join(run.dir, "nvme1n1");
      expect(run.calls.filter((c) => c.startsWith("mkfs"))).toEqual([`mkfs.xfs ${device}`]);
      expect(run.fstab).toBe(
        "UUID=aaaa / xfs defaults 0 0\n" +
          `UUID=3f1c2d4e-0000-4000-8000-00000000abcd ${join(run.dir, "backup")} xfs defaults,nofail,noatime 0 0\n`,
      );
      expect(run.calls).toContain(`mount ${join(run.dir, "backup")}`);
    });

    test("a volume that already has a file system is mounted without formatting", () => {
      const run = runBackup({ formatted: true, mounted: ["source"] });
      expect(run.status).toBe(0);
      expect(run.calls.filter((c) => c.startsWith("mkfs"))).toEqual([]);
      expect(run.calls).toContain(`mount ${join(run.dir, "backup")}`);
    });

    test("falls back to the attachment's device name when there is no NVMe link", () => {
      const run = runBackup({ formatted: false, mounted: ["source"], nvmeLink: false });
      expect(run.calls.filter((c) => c.startsWith("mkfs"))).toEqual([`mkfs.xfs ${join(run.dir, "sdf")}`]);
    });

    test("a volume blkid cannot read is never formatted", () => {
      const run = runBackup({ formatted: false, mounted: ["source"], env: { STUB_BLKID_EXIT: "8" } });
      expect(run.status).toBe(1);
      expect(run.calls.filter((c) => c.startsWith("mkfs") || c.startsWith("rsync"))).toEqual([]);
    });

    test("an old fstab line for the mount point is replaced, not duplicated", () => {
      const { dir, env } = prepare({ formatted: true, mounted: ["source"] });
      writeFileSync(
        join(dir, "fstab"),
        `UUID=aaaa / xfs defaults 0 0\nUUID=old ${env.BACKUP_MOUNT_POINT} xfs defaults 0 0\n`,
      );
      spawnSync("bash", [SCRIPT], { env, encoding: "utf8" });
      expect(readFileSync(join(dir, "fstab"), "utf8")).toBe(
        "UUID=aaaa / xfs defaults 0 0\n" +
          `UUID=3f1c2d4e-0000-4000-8000-00000000abcd ${env.BACKUP_MOUNT_POINT} xfs defaults,nofail,noatime 0 0\n`,
      );
    });

    test("a volume not attached yet fails the run without syncing", () => {
      const run = runBackup({
        mounted: ["source"],
        nvmeLink: false,
        env: { BACKUP_DEVICE_NAME: "/dev/sdf-does-not-exist" },
      });
      expect(run.status).toBe(1);
      expect(commands(run)).toEqual(["flock --nonblock 9"]);
    });
  });

  describe("retention", () => {
    const deleted = (run: Run) =>
      run.calls.filter((c) => c.startsWith("aws ec2 delete-snapshot")).map((c) => c.split(" ").pop());

    test("lists only completed snapshots of this volume that carry the backup tag", () => {
      const run = runBackup();
      const describe = run.calls.find((c) => c.startsWith("aws ec2 describe-snapshots"))!;
      expect(describe).toContain("--owner-ids self");
      expect(describe).toContain(
        `--filters Name=volume-id,Values=${VOLUME_ID} Name=tag:${TAG_KEY},Values=${VOLUME_ID} Name=status,Values=completed`,
      );
    });

    test("deletes only the snapshots beyond keepLast, oldest first, whatever order AWS lists them in", () => {
      // GIVEN 7 recent snapshots, listed out of order, and keepLast 5
      const snapshots: [string, string][] = [
        [daysAgo(0.3), "snap-c"],
        [daysAgo(0.1), "snap-a"],
        [daysAgo(0.7), "snap-g"],
        [daysAgo(0.2), "snap-b"],
        [daysAgo(0.5), "snap-e"],
        [daysAgo(0.6), "snap-f"],
        [daysAgo(0.4), "snap-d"],
      ];
      // WHEN
      const run = runBackup({ snapshots });
      // THEN
      expect(run.status).toBe(0);
      expect(deleted(run)).toEqual(["snap-f", "snap-g"]);
    });

    test("deletes snapshots older than keepDays even when under keepLast", () => {
      const run = runBackup({
        snapshots: [
          [daysAgo(1), "snap-recent"],
          [daysAgo(6.9), "snap-six-days"],
          [daysAgo(7.1), "snap-seven-days"],
          [daysAgo(30), "snap-month"],
        ],
      });
      expect(deleted(run)).toEqual(["snap-seven-days", "snap-month"]);
    });

    test("never deletes the newest snapshot, however old", () => {
      const run = runBackup({ snapshots: [[daysAgo(40), "snap-only"]] });
      expect(run.status).toBe(0);
      expect(deleted(run)).toEqual([]);
    });

    test("deletes nothing when every snapshot is within both limits", () => {
      const run = runBackup({
        snapshots: [
          [daysAgo(0.1), "snap-1"],
          [daysAgo(2), "snap-2"],
          [daysAgo(6), "snap-3"],
        ],
      });
      expect(deleted(run)).toEqual([]);
    });

    test("refuses to run with a missing or zero limit, so retention is never unbounded", () => {
      const run = runBackup({ env: { BACKUP_KEEP_LAST: "0", BACKUP_KEEP_DAYS: "" } });
      expect(run.status).toBe(64);
      expect(run.calls).toEqual([]);
      expect(run.journal).toEqual([
        '-t backup-shared-home -p user.err -- BACKUP_KEEP_LAST "0" must be a whole number >= 1; retention is never unbounded',
        '-t backup-shared-home -p user.err -- BACKUP_KEEP_DAYS "" must be a whole number >= 1; retention is never unbounded',
      ]);
    });
  });

  test("is shellcheck-clean", () => {
    const result = spawnSync("shellcheck", ["--severity=style", SCRIPT], { encoding: "utf8" });
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
