import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Measurement } from "./stats";

/**
 * Runs the command under python3, which every machine that runs this project has, because node cannot
 * read a child's peak memory and GNU time is often missing. ru_maxrss of RUSAGE_CHILDREN is the
 * largest resident set of any process in the tree, as GNU time's %M reports it; its ru_utime and
 * ru_stime are the user and system CPU time of the whole tree (of every process that was waited for). The wall time is taken
 * around the command only, without python's own start-up.
 */
const MEASURE_PY = `
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall_ms = (time.perf_counter() - start) * 1000
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
user_ms = usage.ru_utime * 1000
sys_ms = usage.ru_stime * 1000
with open(sys.argv[1], "w") as result:
    json.dump({"wallMs": wall_ms, "maxRssKb": usage.ru_maxrss, "cpuMs": user_ms + sys_ms,
               "userMs": user_ms, "systemMs": sys_ms, "exitCode": code}, result)
`;

export interface MeasuredRun extends Measurement {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function measure(command: readonly string[], options: RunOptions): MeasuredRun {
  const resultDir = mkdtempSync(join(tmpdir(), "efs-bench-"));
  const resultFile = join(resultDir, "result.json");
  try {
    const child = spawnSync("python3", ["-c", MEASURE_PY, resultFile, ...command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    if (child.error)
      throw new Error(`cannot run python3 to measure ${command.join(" ")}: ${child.error.message}`);
    let result: Measurement;
    try {
      result = JSON.parse(readFileSync(resultFile, "utf8")) as Measurement;
    } catch {
      throw new Error(`measuring ${command.join(" ")} failed:\n${child.stderr}`);
    }
    return { ...result, stdout: child.stdout, stderr: child.stderr };
  } finally {
    rmSync(resultDir, { recursive: true, force: true });
  }
}

/** Fails with the command's own output when it did not exit 0: a benchmark of a failing synth is worthless. */
export function requireSuccess(command: readonly string[], run: MeasuredRun): MeasuredRun {
  if (run.exitCode !== 0) {
    throw new Error(
      `${command.join(" ")} exited with ${run.exitCode}:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`,
    );
  }
  return run;
}
