import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Fn, IFragmentConcatenator, Token, Tokenization } from "cdktf";
import { RUN_SYNC_COMMANDS, SYNC_SCRIPT, SYNC_SCRIPT_PATH, SYNC_SETTINGS_PATH } from "./code-sync";

/** The mount script, as shipped in this folder; the instance runs exactly these bytes. */
export const MOUNT_SCRIPT = readFileSync(join(__dirname, "scripts", "mount-shared-home.sh"), "utf8");

/** Where the user data installs the script and its settings, so an admin can run it again. */
export const MOUNT_SCRIPT_PATH = "/usr/local/sbin/mount-shared-home";
export const MOUNT_SETTINGS_PATH = "/etc/mount-shared-home.env";
export const ADDITIONAL_SETUP_PATH = "/usr/local/sbin/shared-home-additional-setup";

/**
 * EC2 takes at most 16 KB of user data before base64 (RunInstances API reference). We send it
 * gzip-compressed, which cloud-init unpacks ("User-data formats": gzip-compressed content), so
 * the limit applies to the compressed size.
 */
export const USER_DATA_MAX_BYTES = 16 * 1024;
/** Room kept for values only Terraform knows (file-system id, DNS name): each well under 100 bytes. */
const RESERVED_FOR_TERRAFORM_VALUES = 512;

/** The values the mount script reads from its environment. */
export interface MountSettings {
  readonly fileSystemId: string;
  readonly dnsName: string;
  readonly mountPath: string;
  readonly mountMethod: string;
  readonly readOnly: boolean;
  readonly seedFromLocal: boolean;
  readonly waitSeconds: number;
}

const HEREDOC_END = {
  settings: "MOUNT_SHARED_HOME_SETTINGS_END",
  script: "MOUNT_SHARED_HOME_SCRIPT_END",
  additional: "SHARED_HOME_ADDITIONAL_SETUP_END",
  syncSettings: "SYNC_CODE_SETTINGS_END",
  syncScript: "SYNC_CODE_SCRIPT_END",
} as const;

/** The code sync's settings (`syncSettings()` of ./code-sync), when the machines sync code from S3. */
export type CodeSyncSettings = Readonly<Record<string, string | number>>;

/**
 * The boot script: writes the mount script and its settings to disk, runs it, then runs the
 * additional setup, if any, once the share is mounted. Returns a Terraform expression that yields
 * the gzip-compressed, base64-encoded user data.
 */
export function renderUserData(
  settings: MountSettings,
  additionalUserData?: string,
  codeSync?: CodeSyncSettings,
): string {
  return Fn.base64gzip(terraformConcat(userDataParts(settings, additionalUserData, codeSync)));
}

/** The user data's literal text, without the values only Terraform knows; for synth-time checks. */
function userDataTemplate(
  settings: MountSettings,
  additionalUserData?: string,
  codeSync?: CodeSyncSettings,
): string {
  return userDataParts(settings, additionalUserData, codeSync)
    .flatMap(splitTokens)
    .map((part) => (Token.isUnresolved(part) ? "" : part))
    .join("");
}

/** Compressed size of the user data's literal text plus a margin for Terraform values. */
export function estimatedUserDataBytes(
  settings: MountSettings,
  additionalUserData?: string,
  codeSync?: CodeSyncSettings,
): number {
  return (
    gzipSync(Buffer.from(userDataTemplate(settings, additionalUserData, codeSync))).length +
    RESERVED_FOR_TERRAFORM_VALUES
  );
}

/** A heredoc end marker must not appear as a line of the text it ends (checked on its literal parts). */
export function heredocConflicts(text: string): string[] {
  const lines = new Set(
    splitTokens(text)
      .filter((part) => !Token.isUnresolved(part))
      .flatMap((part) => part.split("\n")),
  );
  return Object.values(HEREDOC_END).filter((marker) => lines.has(marker));
}

function userDataParts(
  settings: MountSettings,
  additionalUserData?: string,
  codeSync?: CodeSyncSettings,
): string[] {
  const setting = (name: string, value: string | number | boolean): string[] => [
    `${name}=`,
    ...quoted(String(value)),
    "\n",
  ];
  const parts: string[] = [
    "#!/bin/bash\n",
    "# Installs the shared-home mount script (modules/clients/scripts/mount-shared-home.sh) with its\n",
    "# settings, runs it, then runs the additional setup once the share is mounted.\n",
    "set -euo pipefail\n",
    "umask 022\n",
    `cat >${MOUNT_SETTINGS_PATH} <<'${HEREDOC_END.settings}'\n`,
    ...setting("EFS_FILE_SYSTEM_ID", settings.fileSystemId),
    ...setting("EFS_DNS_NAME", settings.dnsName),
    ...setting("MOUNT_PATH", settings.mountPath),
    ...setting("MOUNT_METHOD", settings.mountMethod),
    ...setting("MOUNT_READ_ONLY", settings.readOnly),
    ...setting("SEED_FROM_LOCAL", settings.seedFromLocal),
    ...setting("WAIT_SECONDS", settings.waitSeconds),
    `${HEREDOC_END.settings}\n`,
    `install -d -m 0755 ${dirOf(MOUNT_SCRIPT_PATH)}\n`,
    `cat >${MOUNT_SCRIPT_PATH} <<'${HEREDOC_END.script}'\n`,
    withFinalNewline(MOUNT_SCRIPT),
    `${HEREDOC_END.script}\n`,
    `chmod 0755 ${MOUNT_SCRIPT_PATH}\n`,
    `set -a\n. ${MOUNT_SETTINGS_PATH}\nset +a\n`,
    `${MOUNT_SCRIPT_PATH}\n`,
  ];
  if (codeSync !== undefined) {
    parts.push(
      `cat >${SYNC_SETTINGS_PATH} <<'${HEREDOC_END.syncSettings}'\n`,
      ...Object.entries(codeSync).flatMap(([name, value]) => setting(name, value)),
      `${HEREDOC_END.syncSettings}\n`,
      `cat >${SYNC_SCRIPT_PATH} <<'${HEREDOC_END.syncScript}'\n`,
      withFinalNewline(SYNC_SCRIPT),
      `${HEREDOC_END.syncScript}\n`,
      `chmod 0755 ${SYNC_SCRIPT_PATH}\n`,
    );
  }
  if (additionalUserData !== undefined && additionalUserData.trim() !== "") {
    // Written to a file of its own, so it runs as its own program (any `exit` ends only it) and an
    // admin can read what ran.
    parts.push(
      `cat >${ADDITIONAL_SETUP_PATH} <<'${HEREDOC_END.additional}'\n`,
      "#!/bin/bash\nset -euo pipefail\n",
      withFinalNewline(additionalUserData),
      `${HEREDOC_END.additional}\n`,
      `chmod 0700 ${ADDITIONAL_SETUP_PATH}\n`,
      `${ADDITIONAL_SETUP_PATH}\n`,
    );
  }
  if (codeSync !== undefined) {
    // Last, so that the web server the additional setup installs finds its code in place; a failed
    // first sync fails the boot like a failed mount.
    parts.push(`(${RUN_SYNC_COMMANDS.join("; ")})\n`);
  }
  return parts;
}

/** Single-quotes a shell word; a Terraform value is left as is between the quotes (ids and DNS names only). */
function quoted(value: string): string[] {
  if (Token.isUnresolved(value)) return ["'", value, "'"];
  return [`'${value.replace(/'/g, `'\\''`)}'`];
}

function withFinalNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * Joins the parts in Terraform. Literal text travels base64-encoded and is decoded by Terraform, so
 * nothing in a shell script (`${...}`, `%{`, quotes, backslashes) is ever read as Terraform syntax.
 */
function terraformConcat(parts: readonly string[]): string {
  const merged: string[] = [];
  for (const part of parts.flatMap(splitTokens)) {
    const last = merged.length - 1;
    if (!Token.isUnresolved(part) && last >= 0 && !Token.isUnresolved(merged[last])) {
      merged[last] += part;
    } else {
      merged.push(part);
    }
  }
  return Fn.join(
    "",
    merged.map((part) =>
      Token.isUnresolved(part) ? part : Fn.base64decode(Buffer.from(part, "utf8").toString("base64")),
    ),
  );
}

/**
 * Splits text that mixes literal text and Terraform values (say, a script that names a volume)
 * into pieces that are each one or the other, in order.
 */
function splitTokens(text: string): string[] {
  if (!Token.isUnresolved(text)) return [text];
  const fragments = Tokenization.reverseString(text);
  if (fragments.length <= 1) return [text];
  const collect: IFragmentConcatenator = {
    join: (left: unknown, right: unknown) => [...(Array.isArray(left) ? left : [left]), right],
  };
  return (fragments.join(collect) as unknown[]).map(String).filter((piece) => piece !== "");
}
