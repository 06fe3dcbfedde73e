import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Fn, Token } from "cdktf";

/** Where the host setup installs the backup script and its units. */
export const INSTALLED_SCRIPT_PATH = "/usr/local/sbin/backup-shared-home";
export const NOTIFY_SCRIPT_PATH = "/usr/local/sbin/backup-shared-home-notify-failure";
export const INSTALL_PACKAGES_PATH = "/usr/local/sbin/backup-shared-home-install-packages";
export const ENVIRONMENT_FILE_PATH = "/etc/backup-shared-home.env";
export const UNIT_NAME = "backup-shared-home";
/** The template unit that `OnFailure=` starts, once per failed run. */
export const FAILURE_UNIT_NAME = "backup-shared-home-failed@";

/** A file of `scripts/`, read at synth so the shipped user data is exactly the tested file. */
export function scriptFile(name: string): string {
  return readFileSync(join(__dirname, "scripts", name), "utf8");
}

/** The systemd OnCalendar expression that fires every `minutes` (a divisor of an hour or of a day). */
export function onCalendarFor(minutes: number): string {
  if (minutes < 60) return `*:0/${minutes}`;
  if (minutes === 60) return "*:00";
  if (minutes === 1440) return "*-*-* 00:00:00";
  return `0/${minutes / 60}:00`;
}

export interface HostSetupOptions {
  /** KEY=value lines of the environment file; values may be tokens. Values must not hold spaces or quotes. */
  readonly environment: Readonly<Record<string, string>>;
  readonly intervalMinutes: number;
  /** systemd's TimeoutStartSec for one run, in minutes. */
  readonly timeoutMinutes: number;
}

/** A piece of the setup fragment: literal shell text, or a value only Terraform knows (a token). */
export type SetupPart = string;

function heredoc(path: string, mode: string, delimiter: string, body: SetupPart[]): SetupPart[] {
  return [
    `install -D -m ${mode} /dev/null ${path}\ncat > ${path} <<'${delimiter}'\n`,
    ...body,
    `${delimiter}\n`,
  ];
}

function withFinalNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

/**
 * The shell fragment that installs the backup script, its environment file and a systemd timer on
 * the backup host, as parts. It does not need the volume to be attached yet: the attachment is made
 * after the instance exists, and each run mounts the volume when it finds it.
 */
export function hostSetupParts(options: HostSetupOptions): SetupPart[] {
  const timer = scriptFile("backup-shared-home.timer").replace(
    "@ON_CALENDAR@",
    onCalendarFor(options.intervalMinutes),
  );
  const service = scriptFile("backup-shared-home.service").replace(
    "@TIMEOUT_START_SEC@",
    `${options.timeoutMinutes}min`,
  );
  const environment = Object.entries(options.environment).flatMap(([key, value]) => [`${key}=`, value, "\n"]);
  const file = (path: string, mode: string, delimiter: string, name: string) =>
    heredoc(path, mode, delimiter, [withFinalNewline(scriptFile(name))]);
  return [
    "# --- backup-shared-home (modules/backup): scripts, settings, units and timer ---\n",
    ...file(INSTALLED_SCRIPT_PATH, "0755", "BACKUP_SHARED_HOME_SCRIPT", "backup-shared-home.sh"),
    ...file(NOTIFY_SCRIPT_PATH, "0755", "BACKUP_SHARED_HOME_NOTIFY", "notify-backup-failure.sh"),
    ...file(INSTALL_PACKAGES_PATH, "0755", "BACKUP_SHARED_HOME_INSTALL", "install-packages.sh"),
    ...heredoc(ENVIRONMENT_FILE_PATH, "0644", "BACKUP_SHARED_HOME_ENV", environment),
    ...heredoc(`/etc/systemd/system/${UNIT_NAME}.service`, "0644", "BACKUP_SHARED_HOME_SERVICE", [
      withFinalNewline(service),
    ]),
    ...file(
      `/etc/systemd/system/${FAILURE_UNIT_NAME}.service`,
      "0644",
      "BACKUP_SHARED_HOME_FAILED",
      "backup-shared-home-failed@.service",
    ),
    ...heredoc(`/etc/systemd/system/${UNIT_NAME}.timer`, "0644", "BACKUP_SHARED_HOME_TIMER", [
      withFinalNewline(timer),
    ]),
    "systemctl daemon-reload\n",
    `systemctl enable --now ${UNIT_NAME}.timer\n`,
    // Last, after the timer: if rsync still cannot be installed, every run fails and reports it
    // to the alarm topic, instead of the host staying silent without a timer.
    `if ! command -v rsync >/dev/null 2>&1; then ${INSTALL_PACKAGES_PATH} rsync; fi\n`,
  ];
}

/**
 * Joins the parts in Terraform. Literal text travels base64-encoded and Terraform decodes it, so
 * nothing in a shell script (`${...}`, `%{`, backslashes) is ever read as Terraform syntax, whether
 * the result is used as a whole attribute or nested in another expression (cdktf escapes neither
 * case fully).
 */
export function terraformText(parts: readonly SetupPart[]): string {
  const merged: SetupPart[] = [];
  for (const part of parts) {
    const last = merged.length - 1;
    if (!Token.isUnresolved(part) && last >= 0 && !Token.isUnresolved(merged[last])) merged[last] += part;
    else merged.push(part);
  }
  return Fn.join(
    "",
    merged.map((part) =>
      Token.isUnresolved(part) ? part : Fn.base64decode(Buffer.from(part, "utf8").toString("base64")),
    ),
  );
}
