import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { EbsSnapshotBackup } from "../../modules/backup";
import { onlyResource, synth, testStack } from "../helpers/synth";
import { userDataLiterals } from "../helpers/user-data";

// The systemd units the backup host gets, checked against the scripts they run (issue #23): a skipped
// run must not count as a failure, and the failure notifier must have time for all its retries.

const SCRIPTS = resolve(__dirname, "../../modules/backup/scripts");
const TOPIC = "arn:aws:sns:eu-west-1:111122223333:alarms";

/** The host's user data, literal parts only (the volume id and Region are Terraform values). */
function installedSetup(): string {
  const stack = testStack();
  const backup = new EbsSnapshotBackup(stack, "backup", {
    availabilityZone: "eu-west-1a",
    alarmTopicArn: TOPIC,
  });
  const host = new Instance(stack, "host", {
    ami: "ami-12345678",
    instanceType: "t3.nano",
    availabilityZone: "eu-west-1a",
    userData: backup.hostSetupScript,
  });
  backup.attachTo({
    instanceId: host.id,
    availabilityZone: "eu-west-1a",
    role: new IamRole(stack, "role", { assumeRolePolicy: "{}" }),
  });
  return userDataLiterals(onlyResource(synth(stack), "aws_instance").user_data);
}

/** The body of the heredoc that installs `path`. */
function installed(setup: string, path: string): string {
  const match = new RegExp(`cat > ${path} <<'(\\w+)'\\n([\\s\\S]*?)\\n\\1\\n`).exec(setup);
  if (!match) throw new Error(`no heredoc for ${path}`);
  return match[2];
}

/** The values of `key` in a unit's [Service] section, each line's space-separated items. */
function serviceSetting(unit: string, key: string): string[] {
  const section = /^\[Service\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(unit)?.[1] ?? "";
  return [...section.matchAll(new RegExp(`^${key}=(.*)$`, "gm"))].flatMap(([, value]) =>
    value.trim().split(/\s+/),
  );
}

/** A systemd time span ("300", "300s", "5min", "1h 30min") in seconds. */
function timeSpanSeconds(span: string): number {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, m: 60, min: 60, h: 3600, hr: 3600 };
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const match = /^(\d+)([a-z]*)$/.exec(part);
    if (!match || !(match[2] in units)) throw new Error(`unsupported time span ${JSON.stringify(span)}`);
    total += Number(match[1]) * units[match[2]];
  }
  return total;
}

describe("the backup service", () => {
  test("counts the script's 'lock held, skipped' exit as success, so a skipped run fires no OnFailure", () => {
    // GIVEN the code the script exits with when another run holds the lock
    const script = readFileSync(join(SCRIPTS, "backup-shared-home.sh"), "utf8");
    const skipped = /^readonly EXIT_LOCKED=(\d+)$/m.exec(script)?.[1];
    expect(skipped).toBeDefined();
    // WHEN the unit is installed
    const unit = installed(installedSetup(), "/etc/systemd/system/backup-shared-home.service");
    // THEN
    expect(unit).toMatch(/^OnFailure=backup-shared-home-failed@%n\.service$/m);
    expect(serviceSetting(unit, "SuccessExitStatus")).toContain(skipped);
  });
});

describe("the failure notifier's unit", () => {
  /**
   * The notifier run with every publish failing (stubbed commands): how many publishes, the pauses,
   * the CLI's own timeouts and its own retry budget, as the script really passes them.
   */
  function failingRun(environment: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), "notify-budget-"));
    try {
      const bin = join(dir, "bin");
      mkdirSync(bin);
      const stubs: Record<string, string> = {
        aws: `printf '%s\\n' "$*" | tr '\\n' ' ' >> "$STUB_DIR/aws"; echo >> "$STUB_DIR/aws"; echo "\${AWS_MAX_ATTEMPTS:-unset}" >> "$STUB_DIR/max-attempts"; exit 1`,
        sleep: `echo "$1" >> "$STUB_DIR/sleeps"`,
        systemctl: "echo failed",
        journalctl: "echo journal",
        logger: "true",
        uname: "echo host",
      };
      for (const [name, body] of Object.entries(stubs)) {
        writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      }
      const result = spawnSync(
        "bash",
        [join(SCRIPTS, "notify-backup-failure.sh"), "backup-shared-home.service"],
        {
          env: { PATH: `${bin}:/usr/bin:/bin`, STUB_DIR: dir, BACKUP_ALARM_TOPIC_ARN: TOPIC, ...environment },
          encoding: "utf8",
        },
      );
      const lines = (file: string) => readFileSync(join(dir, file), "utf8").split("\n").filter(Boolean);
      return {
        status: result.status,
        publishes: lines("aws"),
        sleeps: lines("sleeps").map(Number),
        maxAttempts: lines("max-attempts"),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("gives the notifier time for every publish attempt, at the CLI's timeouts, and every pause", () => {
    // GIVEN the installed unit and the notifier's settings from the installed environment file
    const setup = installedSetup();
    const unit = installed(setup, "/etc/systemd/system/backup-shared-home-failed@.service");
    const environment = Object.fromEntries(
      [...installed(setup, "/etc/backup-shared-home.env").matchAll(/^(NOTIFY_\w+)=(\S+)$/gm)].map(
        ([, k, v]) => [k, v],
      ),
    );
    // WHEN every publish fails
    const run = failingRun(environment);
    expect(run.status).toBe(1);
    // THEN the worst case fits in TimeoutStartSec: each publish may take its connect and read
    // timeouts on each of the CLI's own attempts (5 in the AWS CLI v1's legacy retry mode, when the
    // script does not set AWS_MAX_ATTEMPTS), plus every pause between publishes.
    const seconds = (publish: string, flag: string) =>
      Number(new RegExp(`${flag} (\\d+)`).exec(publish)?.[1]);
    const perPublish = run.publishes.map((publish, i) => {
      const cliAttempts = run.maxAttempts[i] === "unset" ? 5 : Number(run.maxAttempts[i]);
      const timeouts = seconds(publish, "--cli-connect-timeout") + seconds(publish, "--cli-read-timeout");
      expect(timeouts).toBeGreaterThan(0);
      return cliAttempts * timeouts;
    });
    const needed = perPublish.reduce((a, b) => a + b, 0) + run.sleeps.reduce((a, b) => a + b, 0);
    expect(run.publishes.length).toBeGreaterThan(1);
    expect(timeSpanSeconds(serviceSetting(unit, "TimeoutStartSec").join(" "))).toBeGreaterThanOrEqual(needed);
  });
});
