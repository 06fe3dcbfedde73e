import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stubFunctions } from "./helpers/script-sandbox";

/**
 * Executes modules/backup/scripts/backup-shared-home.sh under bash, with `aws`, `fsfreeze`, `rsync`,
 * `flock`, `logger`, `mountpoint`, `mount`, `blkid` and `mkfs.xfs` replaced by stubs that record
 * every call. Real coreutils (date, sort, readlink) and awk do the rest. Each stub is both a file
 * first on PATH and an exported function (`stubFunctions`), which the script calls without starting
 * a process.
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
      # Signal the backup script itself: as a function, the shell we run in; as a file, our parent,
      # or its parent if bash forked a subshell.
      if [ "$BASHPID" != "$$" ]; then
        target=$$
      else
        target=$PPID
        grep -q backup-shared-home "/proc/$target/cmdline" || target=$(awk '{print $4}' "/proc/$target/stat")
      fi
      kill -TERM "$target"
    fi
    code="\${STUB_CREATE_SNAPSHOT_EXIT:-0}"
    if [ "$code" = 0 ]; then echo snap-0fresh00000000000; else echo "An error occurred (RequestLimitExceeded)" >&2; fi
    exit "$code" ;;
  "ec2 describe-snapshots")
    [ -s "$STUB_DIR/snapshots" ] && printf '%s\\n' "$(<"$STUB_DIR/snapshots")"
    exit "\${STUB_DESCRIBE_EXIT:-0}" ;;
  "ec2 delete-snapshot")
    exit 0 ;;
  "cloudwatch put-metric-data")
    exit "\${STUB_PUT_METRIC_EXIT:-0}" ;;
esac
echo "unexpected aws call: $*" >&2
exit 99`,
  fsfreeze: `
echo "fsfreeze $*" >> "$STUB_DIR/calls"
case "$1" in
  --freeze) : >>"$STUB_DIR/frozen" ;;
  --unfreeze) rm -f "$STUB_DIR/frozen" ;;
esac`,
  rsync: `
echo "rsync $*" >> "$STUB_DIR/calls"
case " $* " in
  *" --dry-run "*)
    for ((i = 1; i <= \${STUB_RSYNC_DELETIONS:-0}; i++)); do echo "*deleting   lost-file-$i"; done
    echo ">f+++++++++ new-file"
    exit "\${STUB_RSYNC_DRY_RUN_EXIT:-0}" ;;
esac
exit "\${STUB_RSYNC_EXIT:-0}"`,
  flock: `
echo "flock $*" >> "$STUB_DIR/calls"
exit "\${STUB_FLOCK_EXIT:-0}"`,
  logger: `
echo "$*" >> "$STUB_DIR/journal"`,
  mountpoint: `
while IFS= read -r mounted; do [ "$mounted" = "$2" ] && exit 0; done < "$STUB_DIR/mounted"
exit 1`,
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
: >>"$STUB_DIR/formatted"`,
  df: `
printf 'Use%%\n %s%%\n' "\${STUB_DF_PERCENT:-42}"`,
  // The fstab update's last two steps; each can be made to fail, or recorded.
  sync: `
echo "sync $*" >> "$STUB_DIR/calls"
exit "\${STUB_SYNC_EXIT:-0}"`,
  mv: `
echo "mv $*" >> "$STUB_DIR/calls"
if [ -n "\${STUB_MV_EXIT:-}" ]; then exit "$STUB_MV_EXIT"; fi
PATH=/usr/bin:/bin exec mv "$@"`,
};

/** Writes `stubs` (name → bash body) as commands in `dir/stubs`; returns that directory. */
function installStubs(dir: string, stubs: Record<string, string>): string {
  const stubDir = join(dir, "stubs");
  mkdirSync(stubDir);
  for (const [name, body] of Object.entries(stubs)) {
    const path = join(stubDir, name);
    writeFileSync(path, `#!/bin/bash\n${body}\n`);
    chmodSync(path, 0o755);
  }
  return stubDir;
}

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
  /** Files already in the backup copy, as a previous run left them. */
  copyEntries?: number;
  /** Files on the share (`file-<i>`, i from 0). */
  shareEntries?: number;
  /** Leave the real rsync in place instead of the stub. */
  realRsync?: boolean;
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
  const stubs = Object.fromEntries(
    Object.entries(STUBS).filter(
      ([name]) => !(name === "flock" && setup.realFlock) && !(name === "rsync" && setup.realRsync),
    ),
  );
  const stubDir = installStubs(dir, stubs);
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
  for (let i = 0; i < (setup.shareEntries ?? 0); i++) writeFileSync(join(source, `file-${i}`), "data");
  if (setup.copyEntries) {
    mkdirSync(join(backup, "shared-home"), { recursive: true });
    for (let i = 0; i < setup.copyEntries; i++) writeFileSync(join(backup, "shared-home", `file-${i}`), "");
  }
  const mounted = (setup.mounted ?? ["source", "backup"]).map((m) => (m === "source" ? source : backup));
  writeFileSync(join(dir, "mounted"), mounted.map((m) => `${m}\n`).join(""));
  writeFileSync(join(dir, "snapshots"), (setup.snapshots ?? []).map((row) => row.join("\t") + "\n").join(""));
  writeFileSync(join(dir, "calls"), "");
  writeFileSync(join(dir, "journal"), "");
  const env: Record<string, string> = {
    PATH: `${stubDir}:/usr/bin:/bin`,
    STUB_DIR: dir,
    ...stubFunctions(stubs),
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
    BACKUP_METRIC_NAMESPACE: "EfsSharedHome/Backup",
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
const USAGE_METRIC = `aws cloudwatch put-metric-data --cli-connect-timeout 10 --cli-read-timeout 30 --namespace EfsSharedHome/Backup --metric-name BackupVolumeUsedPercent --dimensions VolumeId=${VOLUME_ID}`;
const SUCCESS_METRIC = `aws cloudwatch put-metric-data --cli-connect-timeout 10 --cli-read-timeout 30 --namespace EfsSharedHome/Backup --metric-name BackupSucceeded --dimensions VolumeId=${VOLUME_ID} --value 1 --unit Count`;
const metricCalls = (run: Run) => run.calls.filter((c) => c.startsWith("aws cloudwatch"));
const daysAgo = (days: number) =>
  new Date(Date.now() - days * 86_400_000).toISOString().replace(/Z$/, "+00:00");

describe("backup-shared-home.sh", () => {
  describe("the delete threshold (a wiped share is not mirrored)", () => {
    test("a sync that would delete more than BACKUP_MAX_DELETE_PERCENT of the copy stops: no sync, no snapshot, a failed run", () => {
      // GIVEN a copy of 10 files, and a share on which 3 of them are gone (30% > the default 20%)
      const run = runBackup({ copyEntries: 10, env: { STUB_RSYNC_DELETIONS: "3" } });
      // THEN only the dry run ran; the run fails, so OnFailure= reaches the alarm topic
      expect(run.status).toBe(1);
      expect(run.calls.filter((c) => c.startsWith("rsync"))).toEqual([
        expect.stringMatching(/^rsync -aH --numeric-ids --delete --dry-run --itemize-changes /),
      ]);
      expect(run.calls.filter((c) => c.startsWith("aws ec2") || c.startsWith("fsfreeze"))).toEqual([]);
      expect(run.journal).toContainEqual(
        expect.stringMatching(
          /user\.crit -- the sync would delete 3 of the 10 files and directories in .*, over BACKUP_MAX_DELETE_PERCENT=20%/,
        ),
      );
      // and the volume usage is still reported
      expect(metricCalls(run)).toEqual([`${USAGE_METRIC} --value 42 --unit Percent`]);
    });

    test("with the real rsync: a share that lost 8 of 10 files leaves the copy untouched", () => {
      const { dir, env } = prepare({ copyEntries: 10, shareEntries: 2, realRsync: true });
      const result = spawnSync("bash", [SCRIPT], { env, encoding: "utf8" });
      expect(result.status).toBe(1);
      expect(readdirSync(join(dir, "backup", "shared-home"))).toHaveLength(10);
      expect(lines(join(dir, "journal"))).toContainEqual(
        expect.stringMatching(/would delete 8 of the 10 files/),
      );
    });

    test("with the real rsync: a share that kept its files and gained one is copied", () => {
      const { dir, env } = prepare({ copyEntries: 10, shareEntries: 11, realRsync: true });
      const result = spawnSync("bash", [SCRIPT], { env, encoding: "utf8" });
      expect(result.status).toBe(0);
      expect(readdirSync(join(dir, "backup", "shared-home"))).toHaveLength(11);
    });

    test("deleting up to the threshold syncs and snapshots as usual", () => {
      const run = runBackup({ copyEntries: 10, env: { STUB_RSYNC_DELETIONS: "2" } });
      expect(run.status).toBe(0);
      expect(run.calls.filter((c) => c.startsWith("rsync")).map((c) => c.includes("--dry-run"))).toEqual([
        true,
        false,
      ]);
      expect(run.calls).toContainEqual(expect.stringMatching(/^aws ec2 create-snapshot/));
    });

    test("the threshold is a setting; 100 turns the check off", () => {
      const stricter = runBackup({
        copyEntries: 10,
        env: { STUB_RSYNC_DELETIONS: "2", BACKUP_MAX_DELETE_PERCENT: "10" },
      });
      expect(stricter.status).toBe(1);
      const off = runBackup({
        copyEntries: 10,
        env: { STUB_RSYNC_DELETIONS: "10", BACKUP_MAX_DELETE_PERCENT: "100" },
      });
      expect(off.status).toBe(0);
      expect(off.calls.filter((c) => c.includes("--dry-run"))).toEqual([]);
    });

    test("a first run, into an empty copy, has nothing to delete and needs no dry run", () => {
      const run = runBackup({ env: { STUB_RSYNC_DELETIONS: "5" } });
      expect(run.status).toBe(0);
      expect(run.calls.filter((c) => c.includes("--dry-run"))).toEqual([]);
    });

    test("a failed dry run fails the run without syncing", () => {
      const run = runBackup({ copyEntries: 10, env: { STUB_RSYNC_DRY_RUN_EXIT: "12" } });
      expect(run.status).toBe(1);
      expect(run.calls.filter((c) => c.startsWith("rsync"))).toHaveLength(1);
      expect(run.journal).toContainEqual(expect.stringMatching(/rsync --dry-run failed with exit 12/));
    });

    test.each(["0", "101", "20%", "", "-5"])(
      "refuses BACKUP_MAX_DELETE_PERCENT=%j before touching anything",
      (value) => {
        const run = runBackup({ copyEntries: 10, env: { BACKUP_MAX_DELETE_PERCENT: value } });
        if (value === "") {
          // Empty means unset: the default applies.
          expect(run.status).toBe(0);
          return;
        }
        expect(run.status).toBe(64);
        expect(run.calls).toEqual([]);
        expect(run.journal).toContainEqual(
          expect.stringMatching(/BACKUP_MAX_DELETE_PERCENT .* must be a whole number from 1 to 100/),
        );
      },
    );
  });

  test("syncs, freezes, snapshots with tags, unfreezes, then applies retention, in that order", () => {
    // GIVEN a mounted share and backup volume
    // WHEN
    const run = runBackup();
    // THEN
    expect(run.status).toBe(0);
    expect(commands(run)).toEqual([
      "flock --nonblock 9",
      "rsync -aH --numeric-ids",
      "aws cloudwatch put-metric-data",
      "fsfreeze --freeze " + join(run.dir, "backup"),
      "aws ec2 create-snapshot",
      "fsfreeze --unfreeze " + join(run.dir, "backup"),
      "aws cloudwatch put-metric-data",
      "aws ec2 describe-snapshots",
    ]);
    expect(metricCalls(run)).toEqual([`${USAGE_METRIC} --value 42 --unit Percent`, SUCCESS_METRIC]);
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
    test("an rsync failure means no freeze, no snapshot and no success metric, but the volume usage", () => {
      // GIVEN a full backup volume, which makes rsync fail
      const run = runBackup({ env: { STUB_RSYNC_EXIT: "23", STUB_DF_PERCENT: "100" } });
      // THEN the run fails, and reports only how full the volume is
      expect(run.status).toBe(1);
      expect(commands(run)).toEqual([
        "flock --nonblock 9",
        "rsync -aH --numeric-ids",
        "aws cloudwatch put-metric-data",
      ]);
      expect(metricCalls(run)).toEqual([`${USAGE_METRIC} --value 100 --unit Percent`]);
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
      expect(commands(run)).toEqual(["flock --nonblock 9", "aws cloudwatch put-metric-data"]);
      expect(run.calls).not.toContain(SUCCESS_METRIC);
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

  describe("metrics", () => {
    test("a failed snapshot puts no success metric", () => {
      const run = runBackup({ env: { STUB_CREATE_SNAPSHOT_EXIT: "254" } });
      expect(run.status).toBe(1);
      expect(run.calls).not.toContain(SUCCESS_METRIC);
    });

    test("a retention failure still counts the backup, whose snapshot exists, but fails the run", () => {
      const run = runBackup({ env: { STUB_DESCRIBE_EXIT: "255" } });
      expect(run.status).toBe(1);
      expect(run.calls).toContain(SUCCESS_METRIC);
    });

    test("a failed put is logged, never fails the backup: the missing-data alarm covers it", () => {
      const run = runBackup({ env: { STUB_PUT_METRIC_EXIT: "255" } });
      expect(run.status).toBe(0);
      expect(commands(run)).toContain("aws ec2 create-snapshot");
      expect(run.journal).toContain(
        "-t backup-shared-home -p user.warning -- could not put metric EfsSharedHome/Backup/BackupSucceeded=1",
      );
    });

    test("puts nothing without a namespace", () => {
      const run = runBackup({ env: { BACKUP_METRIC_NAMESPACE: "" } });
      expect(run.status).toBe(0);
      expect(metricCalls(run)).toEqual([]);
    });
  });

  describe("fstab", () => {
    const OLD_FSTAB = "UUID=aaaa / xfs defaults 0 0\n";
    const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("fstab."));

    test("is replaced by renaming a synced temporary file in the same directory", () => {
      const run = runBackup({ formatted: true, mounted: ["source"] });
      expect(run.status).toBe(0);
      const fstab = join(run.dir, "fstab");
      const temporary = new RegExp(`^${fstab}\\.backup-shared-home\\.[A-Za-z0-9]{6}$`);
      const [sync] = run.calls.filter((c) => c.startsWith("sync "));
      const [mv] = run.calls.filter((c) => c.startsWith("mv "));
      expect(sync.slice("sync ".length)).toMatch(temporary);
      expect(mv).toBe(`mv -f -- ${sync.slice("sync ".length)} ${fstab}`);
      expect(run.calls.indexOf(sync)).toBeLessThan(run.calls.indexOf(mv));
      expect(leftovers(run.dir)).toEqual([]);
    });

    test.each([
      ["the rename", { STUB_MV_EXIT: "1" }],
      ["the sync", { STUB_SYNC_EXIT: "1" }],
    ])("a failure of %s leaves the old fstab whole, no temporary file, and no mount", (_, env) => {
      // GIVEN a volume to mount, and a failure midway through the fstab update
      const run = runBackup({ formatted: true, mounted: ["source"], env });
      // THEN
      expect(run.status).toBe(1);
      expect(run.fstab).toBe(OLD_FSTAB);
      expect(leftovers(run.dir)).toEqual([]);
      expect(run.calls.filter((c) => c.startsWith("mount ") || c.startsWith("rsync"))).toEqual([]);
      expect(run.journal).toContain(
        `-t backup-shared-home -p user.err -- could not update ${join(run.dir, "fstab")}; it is unchanged`,
      );
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

/**
 * Runs another script of modules/backup/scripts with `stubs` (name → bash body) first on PATH. Each
 * stub may count its calls in `$STUB_DIR/<name>.count` and record them in `$STUB_DIR/calls`.
 */
function runScript(
  file: string,
  stubs: Record<string, string>,
  env: Record<string, string>,
  args: string[] = [],
) {
  const dir = mkdtempSync(join(tmpdir(), "backup-shared-home-script-"));
  const stubDir = installStubs(dir, stubs);
  writeFileSync(join(dir, "calls"), "");
  writeFileSync(join(dir, "journal"), "");
  const script = resolve(__dirname, "../../modules/backup/scripts", file);
  const result = spawnSync("bash", [script, ...args], {
    env: { PATH: `${stubDir}:/usr/bin:/bin`, STUB_DIR: dir, ...stubFunctions(stubs), ...env },
    encoding: "utf8",
  });
  return {
    status: result.status,
    calls: lines(join(dir, "calls")),
    journal: lines(join(dir, "journal")),
    argsOf: (name: string) =>
      existsSync(join(dir, `${name}.args`)) ? readFileSync(join(dir, `${name}.args`), "utf8") : "",
  };
}

/** A stub that fails its first `$STUB_<NAME>_FAILURES` calls (a number, or "always"), then succeeds. */
function flakyStub(name: string, record: string): string {
  const failures = `STUB_${name.toUpperCase()}_FAILURES`;
  return `
${record}
count=0; [ -e "$STUB_DIR/${name}.count" ] && count=$(<"$STUB_DIR/${name}.count")
count=$((count + 1)); echo "$count" > "$STUB_DIR/${name}.count"
[ "\${${failures}:-0}" = always ] && exit 1
[ "$count" -le "\${${failures}:-0}" ] && exit 1
exit 0`;
}

const LOGGER = `echo "$*" >> "$STUB_DIR/journal"`;
const SLEEP = `echo "sleep $*" >> "$STUB_DIR/calls"`;

describe("notify-backup-failure.sh (the OnFailure unit)", () => {
  const TOPIC = "arn:aws:sns:eu-west-1:111122223333:efs-with-backup-alarms-0001";
  const stubs = {
    // Records every argument on its own line, so the message (many lines) can be read back whole.
    aws: `echo "aws $1 $2" >> "$STUB_DIR/calls"; printf '%s\\n' "$@" > "$STUB_DIR/aws.args"
${flakyStub("aws", "")}`,
    systemctl: `
case "$*" in
  "show --property=Result --value -- backup-shared-home.service") echo timeout ;;
  "show --property=ExecMainStatus --value -- backup-shared-home.service") echo 143 ;;
  *) echo "unexpected systemctl $*" >&2; exit 1 ;;
esac`,
    journalctl: `echo "journalctl $*" >> "$STUB_DIR/calls"; echo "2026-12-01T22:15:00+0000 ip-10-0-0-5 backup-shared-home[812]: rsync failed with exit 23; no snapshot this time"`,
    uname: `echo ip-10-0-0-5`,
    logger: LOGGER,
    sleep: SLEEP,
  };
  const env = { BACKUP_ALARM_TOPIC_ARN: TOPIC, BACKUP_VOLUME_ID: VOLUME_ID };
  const notify = (extraEnv: Record<string, string> = {}) =>
    runScript("notify-backup-failure.sh", stubs, { ...env, ...extraEnv }, ["backup-shared-home.service"]);

  test("publishes to the topic, in the topic's Region, with a subject and message that say what failed", () => {
    const run = notify();
    expect(run.status).toBe(0);
    const args = run.argsOf("aws").split("\n");
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args.slice(0, 2)).toEqual(["sns", "publish"]);
    expect(value("--region")).toBe("eu-west-1");
    expect(value("--topic-arn")).toBe(TOPIC);
    expect(value("--subject")).toBe("FAILED: backup-shared-home.service on ip-10-0-0-5");
    const message = run.argsOf("aws");
    expect(message).toContain("The backup of the shared home failed on ip-10-0-0-5.");
    expect(message).toContain("Result:        timeout (exit status 143)");
    expect(message).toContain(`Backup volume: ${VOLUME_ID}`);
    expect(message).toContain("rsync failed with exit 23; no snapshot this time");
    expect(message).toContain("journalctl -u backup-shared-home.service");
    expect(run.calls).toContain(
      "journalctl --unit backup-shared-home.service --lines 30 --no-pager --output short-iso",
    );
    expect(run.journal).toEqual([
      `-t backup-shared-home-notify -p user.notice -- reported the failure of backup-shared-home.service to ${TOPIC}`,
    ]);
  });

  test("retries a failed publish with a doubling pause, then succeeds", () => {
    const run = notify({ STUB_AWS_FAILURES: "2" });
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.startsWith("aws") || c.startsWith("sleep"))).toEqual([
      "aws sns publish",
      "sleep 5",
      "aws sns publish",
      "sleep 10",
      "aws sns publish",
    ]);
  });

  test("gives up after a bounded number of attempts, with a non-zero exit and a journal line", () => {
    const run = notify({ STUB_AWS_FAILURES: "always" });
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c === "aws sns publish")).toHaveLength(4);
    expect(run.calls.filter((c) => c.startsWith("sleep"))).toEqual(["sleep 5", "sleep 10", "sleep 20"]);
    expect(run.journal).toContain(
      `-t backup-shared-home-notify -p user.err -- could not publish the failure of backup-shared-home.service to ${TOPIC} after 4 attempts`,
    );
  });

  test("refuses a missing topic with exit 64 and says so in the journal, calling nothing", () => {
    const run = notify({ BACKUP_ALARM_TOPIC_ARN: "" });
    expect(run.status).toBe(64);
    expect(run.calls).toEqual([]);
    expect(run.journal).toEqual([
      '-t backup-shared-home-notify -p user.err -- BACKUP_ALARM_TOPIC_ARN "" is not an SNS topic ARN; cannot report the failure of backup-shared-home.service',
    ]);
  });

  test("is shellcheck-clean", () => {
    const result = spawnSync(
      "shellcheck",
      ["--severity=style", resolve(__dirname, "../../modules/backup/scripts/notify-backup-failure.sh")],
      { encoding: "utf8" },
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

describe("install-packages.sh (rsync at first boot)", () => {
  const stubs = { dnf: flakyStub("dnf", `echo "dnf $*" >> "$STUB_DIR/calls"`), logger: LOGGER, sleep: SLEEP };
  const install = (env: Record<string, string> = {}) =>
    runScript("install-packages.sh", stubs, env, ["rsync"]);

  test("installs at once when dnf succeeds", () => {
    const run = install();
    expect(run.status).toBe(0);
    expect(run.calls).toEqual(["dnf install -y rsync"]);
  });

  test("retries a failing dnf with a doubling pause: fails twice, then installs", () => {
    const run = install({ STUB_DNF_FAILURES: "2" });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      "dnf install -y rsync",
      "sleep 5",
      "dnf install -y rsync",
      "sleep 10",
      "dnf install -y rsync",
    ]);
  });

  test("stops after a bounded number of attempts with a non-zero exit; pauses never exceed the cap", () => {
    const run = install({
      STUB_DNF_FAILURES: "always",
      INSTALL_ATTEMPTS: "6",
      INSTALL_BACKOFF_MAX_SECONDS: "30",
    });
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c.startsWith("dnf"))).toHaveLength(6);
    expect(run.calls.filter((c) => c.startsWith("sleep"))).toEqual([
      "sleep 5",
      "sleep 10",
      "sleep 20",
      "sleep 30",
      "sleep 30",
    ]);
    expect(run.journal).toContain(
      "-t backup-shared-home-install -p user.err -- could not install rsync after 6 attempts",
    );
  });

  test("defaults to 5 attempts", () => {
    const run = install({ STUB_DNF_FAILURES: "always" });
    expect(run.status).toBe(1);
    expect(run.calls.filter((c) => c.startsWith("dnf"))).toHaveLength(5);
  });

  test("refuses to run without a package, or with a bad setting, exit 64", () => {
    expect(runScript("install-packages.sh", stubs, {}).status).toBe(64);
    expect(install({ INSTALL_ATTEMPTS: "0" }).status).toBe(64);
  });

  test("is shellcheck-clean", () => {
    const result = spawnSync(
      "shellcheck",
      ["--severity=style", resolve(__dirname, "../../modules/backup/scripts/install-packages.sh")],
      { encoding: "utf8" },
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
