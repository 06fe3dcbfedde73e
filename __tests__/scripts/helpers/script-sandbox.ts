import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * A temporary machine for running an instance script: `root/` stands for `/` (passed as ROOT_DIR),
 * `share/` is the EFS file system, and `bin/` holds stand-ins for the system commands the script
 * calls, first on PATH. The stand-ins record each call in `state/calls.log` and keep their state
 * (what is mounted, a fake clock, when the mount target answers) in `state/`.
 *
 * Time is fake: `date +%s` reads `state/clock`, and `sleep N` or a timed-out probe advances it, so
 * a test can check how long the script waited without waiting itself.
 */
export interface Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly share: string;
  readonly state: string;
  readonly console: string;
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The fake clock's starting value, in seconds. */
export const CLOCK_START = 1_000_000;

function realCommand(name: string): string {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(delimiter)) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} is not on PATH`);
}

/**
 * The stand-ins' bodies, each both a file in `bin/` and a function (`stubFunctions`). A wait loop
 * calls them dozens of times, so they use bash builtins where the real command is not the point:
 * `$(<file)` and globs instead of `cat`, `ls` and `seq`, which would each cost a process.
 */
function stubs(): Record<string, string> {
  const realDate = realCommand("date");
  const realFlock = realCommand("flock");
  const realSleep = realCommand("sleep");
  const clock = `
clock_file="$STUB_STATE/clock"
advance_clock() { echo $(( $(<"$clock_file") + $1 )) >"$clock_file"; }
reached() { [[ -f $1 ]] && (( $(<"$clock_file") >= $(<"$1") )); }
`;
  return {
    mount: `
key=\${!#}; key=\${key//\\//_}
target=\${!#}
printf 'mount %s\\n' "$*" >>"$STUB_STATE/calls.log"
# An empty mount point shows the share (a symlink stands in for the mount); a non-empty one keeps its
# local content, and the mount is only recorded.
shopt -s nullglob dotglob
if [[ -d $target && ! -L $target ]]; then
  entries=("$target"/*)
  if (( \${#entries[@]} == 0 )); then rmdir "$target"; ln -s "$FAKE_SHARE" "$target"; fi
fi
: >"$STUB_STATE/mounts/$key"
`,
    umount: `
target=\${!#}; key=\${target//\\//_}
printf 'umount %s\\n' "$*" >>"$STUB_STATE/calls.log"
rm -f "$STUB_STATE/mounts/$key"
if [[ -L $target ]]; then rm "$target"; mkdir "$target"; fi
`,
    mountpoint: `
target=\${!#}; key=\${target//\\//_}
[[ -e "$STUB_STATE/mounts/$key" ]]
`,
    getent: `${clock}
printf 'getent %s\\n' "$*" >>"$STUB_STATE/calls.log"
reached "$STUB_STATE/dns-resolves-at" || exit 2
ip=$(<"$STUB_STATE/mount-target-ip")
printf '%s       STREAM %s\\n%s       DGRAM\\n' "$ip" "$2" "$ip"
`,
    timeout: `${clock}
seconds=$1; shift
if [[ "$*" == *"/dev/tcp/"* ]]; then
  printf 'probe %s %s\\n' "\${@: -2:1}" "\${@: -1}" >>"$STUB_STATE/calls.log"
  reached "$STUB_STATE/port-opens-at" && exit 0
  advance_clock "$seconds"; exit 124
fi
exec "$@"
`,
    date: `${clock}
if [[ $# -eq 1 && $1 == +%s ]]; then printf '%s\\n' "$(<"$clock_file")"; else exec ${realDate} "$@"; fi
`,
    sleep: `${clock}
printf 'sleep %s\\n' "$*" >>"$STUB_STATE/calls.log"
advance_clock "$1"
`,
    flock: `
# Lets concurrent runs meet just before they queue for the seeding lock, so that each has already
# looked at the share; then the real flock takes the lock on the inherited descriptor.
if [[ -n \${SEED_BARRIER_PARTIES:-} && $1 == -w ]]; then
  : >"$STUB_STATE/barrier/$BASHPID"
  for (( poll = 0; poll < 400; poll++ )); do
    arrived=("$STUB_STATE"/barrier/*)
    (( \${#arrived[@]} >= SEED_BARRIER_PARTIES )) && exec ${realFlock} "$@"
    ${realSleep} 0.05
  done
  echo "stub flock: barrier not reached" >&2; exit 1
fi
exec ${realFlock} "$@"
`,
    dnf: `
printf 'dnf %s\\n' "$*" >>"$STUB_STATE/calls.log"
[[ -e "$STUB_STATE/dnf-fails" ]] && exit 1
case "\${!#}" in
  amazon-efs-utils) helper=mount.efs ;;
  nfs-utils) helper=mount.nfs4 ;;
  *) exit 0 ;;
esac
printf '#!/bin/sh\\nexit 0\\n' >"$STUB_BIN/$helper"; chmod +x "$STUB_BIN/$helper"
`,
  };
}

/**
 * Stand-ins (name → bash body) as bash functions, in the environment form in which bash imports
 * them (`export -f`): a call from the script then starts no process, which costs about 10 ms of CPU
 * here, and a run makes dozens of calls.
 *
 * Each body runs in a subshell, as a file would run in a process of its own: its `exit`, variables
 * and options stay there, and it starts without the script's `set -euo pipefail`, as a new bash
 * would. It does see the script's variables and functions, so a body sets what it reads and calls
 * no name the script defines as a function; and it uses `$BASHPID`, never `$$` or `$0`, which differ
 * in a function. The stand-ins must also be files first on PATH: `exec`, `timeout` and the like run
 * commands without the shell, and so miss functions.
 */
export function stubFunctions(bodies: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(bodies).map(([name, body]) => [
      `BASH_FUNC_${name}%%`,
      `() { (\nset +euo pipefail\n${body}\n) }`,
    ]),
  );
}

function stubBody(body: string): string {
  return `set -euo pipefail\n${body.trimStart()}`;
}

// Not `#!/usr/bin/env bash`: that is one more process, and a PATH search, on every call.
function stubFile(bash: string, body: string): string {
  return `#!${bash}\n${stubBody(body)}`;
}

/**
 * The sandbox's stand-ins as functions (`stubFunctions`), but for a stand-in that a test has
 * rewritten in `bin/`: the rewritten file is what must run.
 */
function exportedStubs(bin: string): Record<string, string> {
  const bash = realCommand("bash");
  const unchanged: Record<string, string> = {};
  for (const [name, body] of Object.entries(stubs())) {
    if (readFileSync(join(bin, name), "utf8") === stubFile(bash, body)) unchanged[name] = stubBody(body);
  }
  return stubFunctions(unchanged);
}

export function createSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "mount-shared-home-"));
  const sandbox = {
    dir,
    root: join(dir, "root"),
    share: join(dir, "share"),
    state: join(dir, "state"),
    console: join(dir, "console.log"),
  };
  for (const sub of ["bin", "root", "share", "state/mounts", "state/barrier"]) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const bash = realCommand("bash");
  for (const [name, body] of Object.entries(stubs())) {
    const path = join(dir, "bin", name);
    writeFileSync(path, stubFile(bash, body));
    chmodSync(path, 0o755);
  }
  writeFileSync(join(sandbox.state, "clock"), `${CLOCK_START}\n`);
  writeFileSync(join(sandbox.state, "mount-target-ip"), "10.0.128.10\n");
  writeFileSync(join(sandbox.state, "calls.log"), "");
  reachableAt(sandbox, 0);
  return sandbox;
}

/** The mount target's name resolves and its port answers from fake time `CLOCK_START + seconds`. */
export function reachableAt(sandbox: Sandbox, seconds: number): void {
  writeFileSync(join(sandbox.state, "dns-resolves-at"), `${CLOCK_START + seconds}\n`);
  writeFileSync(join(sandbox.state, "port-opens-at"), `${CLOCK_START + seconds}\n`);
}

/** Fake seconds since the sandbox was created. */
export function elapsedSeconds(sandbox: Sandbox): number {
  return Number(readFileSync(join(sandbox.state, "clock"), "utf8")) - CLOCK_START;
}

/** The recorded calls of the stand-in commands, one per line. */
export function calls(sandbox: Sandbox): string[] {
  return readFileSync(join(sandbox.state, "calls.log"), "utf8").split("\n").filter(Boolean);
}

/** Writes `files` (relative path → content) under `base`. */
export function writeTree(base: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(base, relative);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Runs `script` under bash in the sandbox; resolves when it exits (or is killed after `guardMs`). */
export function runScript(
  sandbox: Sandbox,
  script: string,
  env: Record<string, string>,
  guardMs = 30_000,
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], {
      cwd: sandbox.dir,
      // A process group of its own, so the guard can kill the script's children too: a child that
      // hangs (a stuck resolver, say) would otherwise keep the output pipes, and the run, open.
      detached: true,
      env: {
        PATH: `${join(sandbox.dir, "bin")}${delimiter}${process.env.PATH ?? "/usr/bin:/bin"}`,
        LANG: "C",
        ROOT_DIR: sandbox.root,
        CONSOLE: sandbox.console,
        FAKE_SHARE: sandbox.share,
        STUB_STATE: sandbox.state,
        STUB_BIN: join(sandbox.dir, "bin"),
        ...exportedStubs(join(sandbox.dir, "bin")),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // A safety net for a script that hangs, not a measurement: the fake clock measures waits.
    const guard = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), guardMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}
