/** Pure arithmetic and formatting of the benchmark; `bench/index.ts` does the measuring. */

/** One run of a command, as `bench/measure.ts` reports it. */
export interface Measurement {
  /** Wall time from start to exit. */
  readonly wallMs: number;
  /** Largest resident set of any process in the command's tree (getrusage RUSAGE_CHILDREN), in KiB. */
  readonly maxRssKb: number;
  /** User + system CPU time of every process in the command's tree: what it costs a shared machine. */
  readonly cpuMs?: number;
  /** The user and the system (kernel) part of `cpuMs`. */
  readonly userMs?: number;
  readonly systemMs?: number;
  readonly exitCode: number;
}

/** What `bench/scaling-app.ts` prints: in-process timings, module loading excluded. */
export interface ScalingRun {
  readonly fileSystems: number;
  readonly resources: number;
  /** Building the construct tree. */
  readonly buildMs: number;
  /** `app.synth()`: resolving tokens and writing the JSON. */
  readonly synthMs: number;
}

export interface Summary {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** The largest peak over all runs. */
  readonly peakRssMb: number;
}

/** A size and the time it took, for the scaling arithmetic. */
export interface SizedTime {
  readonly fileSystems: number;
  readonly ms: number;
}

export interface Linearity {
  /** ms per file system between the smallest and the middle size. */
  readonly lowSlopeMs: number;
  /** ms per file system between the middle and the largest size. */
  readonly highSlopeMs: number;
  /** True when the high slope is at most `ratio` times the low one, plus `slackMs` for noise. */
  readonly linear: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median: no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function summarize(measurements: readonly Measurement[]): Summary {
  const walls = measurements.map((m) => m.wallMs);
  return {
    runs: measurements.length,
    medianMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    peakRssMb: Math.max(...measurements.map((m) => m.maxRssKb)) / 1024,
  };
}

/** Cost of one more file system: (t_large − t_small) / (n_large − n_small), e.g. (t50 − t1) / 49. */
export function costPerExtraFileSystem(small: SizedTime, large: SizedTime): number {
  if (large.fileSystems <= small.fileSystems) {
    throw new Error(`costPerExtraFileSystem: ${large.fileSystems} is not larger than ${small.fileSystems}`);
  }
  return (large.ms - small.ms) / (large.fileSystems - small.fileSystems);
}

/**
 * Linear growth check over three sizes: the slope may not rise from the lower interval to the upper
 * one by more than `ratio`, plus `slackMs` so that sub-millisecond noise cannot fail it. Growth that
 * is quadratic from 1 to 50 file systems has an upper slope about 6 times the lower one.
 */
export function linearity(
  points: readonly [SizedTime, SizedTime, SizedTime],
  ratio = 1.5,
  slackMs = 0.5,
): Linearity {
  const [small, middle, large] = points;
  const lowSlopeMs = costPerExtraFileSystem(small, middle);
  const highSlopeMs = costPerExtraFileSystem(middle, large);
  return { lowSlopeMs, highSlopeMs, linear: highSlopeMs <= lowSlopeMs * ratio + slackMs };
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export function milliseconds(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

export function megabytes(mb: number): string {
  return `${Math.round(mb)} MB`;
}

/** "✓ ≤ 0.6 s" when `value` is within `limit`, "✗ > 0.6 s" when not. */
export function verdict(value: number, limit: number, format: (n: number) => string): string {
  return value <= limit ? `✓ ≤ ${format(limit)}` : `✗ > ${format(limit)}`;
}

/** A Markdown table with padded columns, readable as plain text and pasteable into the README. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    if (row.length !== header.length) {
      throw new Error(`markdownTable: a row has ${row.length} cells, the header ${header.length}`);
    }
  }
  const widths = header.map((cell, column) =>
    Math.max([...cell].length, ...rows.map((row) => [...row[column]].length), 3),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell + " ".repeat(widths[column] - [...cell].length)).join(" | ")} |`;
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

/** What the terraform commands of a run cost, from the log `bench/terraform-shim.sh` writes. */
export interface TerraformCommands {
  readonly count: number;
  readonly failed: number;
  /** Commands per subcommand, most frequent first: `{ plan: 9, show: 9, init: 5 }`. */
  readonly bySubcommand: Readonly<Record<string, number>>;
  /** CPU time of the commands and their provider processes. */
  readonly userMs: number;
  readonly systemMs: number;
}

/**
 * Reads the shim's log: one line per command, tab-separated: subcommand, exit code, wall, user and
 * system seconds, directory. A line that does not parse is an error, not a zero.
 */
export function terraformCommands(log: string): TerraformCommands {
  const counts = new Map<string, number>();
  let failed = 0;
  let userMs = 0;
  let systemMs = 0;
  const lines = log.split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) {
    const [subcommand, code, , user, system] = line.split("\t");
    const numbers = [code, user, system].map(Number);
    if (!subcommand || numbers.some((n) => !Number.isFinite(n)) || [code, user, system].includes("")) {
      throw new Error(`terraformCommands: cannot read the log line ${JSON.stringify(line)}`);
    }
    counts.set(subcommand, (counts.get(subcommand) ?? 0) + 1);
    if (numbers[0] !== 0) failed++;
    userMs += numbers[1] * 1000;
    systemMs += numbers[2] * 1000;
  }
  const bySubcommand = Object.fromEntries(
    [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  );
  return { count: lines.length, failed, bySubcommand, userMs, systemMs };
}
