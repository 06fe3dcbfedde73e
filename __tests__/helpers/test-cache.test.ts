import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

// The cache and the harness read EFS_TEST_CACHE_DIR when they load: each test loads them afresh
// against its own empty cache directory.
let cacheDir: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "efs-test-cache-test-"));
  process.env.EFS_TEST_CACHE_DIR = cacheDir;
  delete process.env.EFS_TEST_CACHE;
  jest.resetModules();
});

afterEach(() => {
  process.env = { ...savedEnv };
  rmSync(cacheDir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = () => require("./test-cache") as typeof import("./test-cache");

describe("hashOf and hashDirectory", () => {
  test("parts are length-prefixed: moving a boundary changes the hash", () => {
    const { hashOf } = load();
    expect(hashOf("ab", "c")).not.toBe(hashOf("a", "bc"));
    expect(hashOf("ab", "c")).toBe(hashOf("ab", "c"));
  });

  test("a directory hashes by relative paths and contents, not by where it is; ignored names do not count", () => {
    // GIVEN two copies of one tree in different places, one with terraform's outputs in it
    const { hashDirectory } = load();
    const tree = (withOutputs: boolean) => {
      const dir = mkdtempSync(join(cacheDir, "tree-"));
      mkdirSync(join(dir, "assets"));
      writeFileSync(join(dir, "cdk.tf.json"), '{"resource":{}}');
      writeFileSync(join(dir, "assets", "code.zip"), "zip");
      if (withOutputs) {
        mkdirSync(join(dir, ".terraform"));
        writeFileSync(join(dir, ".terraform", "x"), "provider");
        writeFileSync(join(dir, "harness.tfplan"), "plan");
      }
      return dir;
    };
    const [clean, used] = [tree(false), tree(true)];

    // THEN
    const ignore = [".terraform", "harness.tfplan"];
    expect(hashDirectory(used, ignore)).toBe(hashDirectory(clean, ignore));
    expect(hashDirectory(used)).not.toBe(hashDirectory(clean));
    // WHEN a nested input changes, or a file moves
    writeFileSync(join(used, "assets", "code.zip"), "zip2");
    expect(hashDirectory(used, ignore)).not.toBe(hashDirectory(clean, ignore));
    rmSync(join(clean, "assets", "code.zip"));
    writeFileSync(join(clean, "code.zip"), "zip");
    expect(hashDirectory(clean, ignore)).not.toBe(hashDirectory(tree(false), ignore));
  });
});

describe("cached", () => {
  test("computes a key once, a new key again; EFS_TEST_CACHE=off always computes", async () => {
    const { cached } = load();
    const compute = jest.fn(async () => ({ plan: "value" }));
    await expect(cached("ns", "k1", compute)).resolves.toEqual({ plan: "value" });
    await expect(cached("ns", "k1", compute)).resolves.toEqual({ plan: "value" });
    expect(compute).toHaveBeenCalledTimes(1);
    await cached("ns", "k2", compute);
    expect(compute).toHaveBeenCalledTimes(2);

    process.env.EFS_TEST_CACHE = "off";
    await cached("ns", "k1", compute);
    expect(compute).toHaveBeenCalledTimes(3);
  });

  test("exclusive: of two concurrent callers of one key, one computes and the other waits for it", async () => {
    const { cached } = load();
    let running = 0;
    let overlapped = false;
    const compute = jest.fn(async () => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      running--;
      return 42;
    });
    const results = await Promise.all([
      cached("ns", "shared", compute, { exclusive: true }),
      cached("ns", "shared", compute, { exclusive: true }),
    ]);
    expect(results).toEqual([42, 42]);
    expect(compute).toHaveBeenCalledTimes(1);
    expect(overlapped).toBe(false);
  });

  test("an unreadable entry is computed again", async () => {
    const { cached } = load();
    mkdirSync(join(cacheDir, "ns"));
    writeFileSync(join(cacheDir, "ns", "k.json"), '{"half');
    await expect(cached("ns", "k", async () => "fresh")).resolves.toBe("fresh");
    expect(readFileSync(join(cacheDir, "ns", "k.json"), "utf8")).toBe('"fresh"');
  });
});

describe("planStack through the cache (a stand-in terraform that logs its commands)", () => {
  let log: string;
  let stackDir: string;

  beforeEach(() => {
    const bin = mkdtempSync(join(cacheDir, "bin-"));
    log = join(bin, "commands.log");
    writeFileSync(
      join(bin, "terraform"),
      `#!/usr/bin/env bash\necho "$1" >> ${JSON.stringify(log)}\n` +
        `case "$1" in init) touch .terraform.lock.hcl;; show) echo '{"resource_changes":[]}';; plan) echo "Plan: 1 to add";; esac\n`,
    );
    chmodSync(join(bin, "terraform"), 0o755);
    process.env.PATH = `${bin}${delimiter}${process.env.PATH}`;
    // The stand-in needs no provider: none is started for its plans.
    process.env.EFS_TEST_SHARED_PROVIDER = "off";
    stackDir = mkdtempSync(join(cacheDir, "stack-"));
    writeFileSync(
      join(stackDir, "cdk.tf.json"),
      JSON.stringify({ provider: { aws: [{ region: "eu-west-1" }] } }),
    );
  });

  const commands = () => readFileSync(log, "utf8").trim().split("\n");

  test("plans an unchanged stack once, and again when an input or the arguments change", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { planStack } = require("./terraform") as typeof import("./terraform");

    // WHEN the same stack is planned twice
    const first = await planStack(stackDir, [], { validate: false });
    const second = await planStack(stackDir, [], { validate: false });

    // THEN terraform ran for the first only, and both got its result
    expect(commands()).toEqual(["init", "plan", "show"]);
    expect(second).toEqual(first);
    expect(second.planText).toBe("Plan: 1 to add\n");

    // WHEN the state the plan reads changes, and then the arguments
    writeFileSync(join(stackDir, "harness.tfstate"), '{"version":4}');
    await planStack(stackDir, [], { validate: false });
    await planStack(stackDir, [], { validate: true });

    // THEN each is a new plan (init only once: the directory stays initialized)
    expect(commands()).toEqual(["init", "plan", "show", "plan", "show", "validate", "plan", "show"]);
  });
});

describe("pruneTestCache", () => {
  const DAY = 24 * 3600_000;
  const entry = (namespace: string, key: string, ageDays: number, now: number) => {
    mkdirSync(join(cacheDir, namespace), { recursive: true });
    const file = join(cacheDir, namespace, `${key}.json`);
    writeFileSync(file, "true");
    const at = new Date(now - ageDays * DAY);
    utimesSync(file, at, at);
    return file;
  };

  test("removes entries unused for the given days, keeps the rest, and a hit counts as a use", async () => {
    // GIVEN a fresh entry, a stale one, and a stale one that a run then reads
    const { cached, pruneTestCache } = load();
    const now = Date.now();
    const fresh = entry("plan", "fresh", 1, now);
    const stale = entry("plan", "stale", 8, now);
    const reused = entry("plan", "reused", 8, now);
    await expect(cached("plan", "reused", async () => false)).resolves.toBe(true);

    // WHEN
    pruneTestCache(7, now);

    // THEN
    expect([existsSync(fresh), existsSync(stale), existsSync(reused)]).toEqual([true, false, true]);
  });

  test("removes a kept consumer app whose entry is gone, unless it may still be being built", () => {
    // GIVEN an app with its entry, an orphan, and an orphan made within the day
    const { pruneTestCache } = load();
    const now = Date.now();
    const app = (key: string, ageDays: number) => {
      const dir = join(cacheDir, "consumer-apps", key);
      mkdirSync(join(dir, "node_modules"), { recursive: true });
      const at = new Date(now - ageDays * DAY);
      utimesSync(dir, at, at);
      return dir;
    };
    entry("consumer", "kept", 2, now);
    const kept = app("kept", 2);
    const orphan = app("orphan", 2);
    const building = app("building", 0);

    // WHEN
    pruneTestCache(7, now);

    // THEN
    expect([existsSync(kept), existsSync(orphan), existsSync(building)]).toEqual([true, false, true]);
  });
});

test("sourceTreeKey hashes files only: an untracked link to a directory (a linked node_modules) is skipped", () => {
  // GIVEN an untracked link to a directory in the checkout, as git lists it
  const { sourceTreeKey } = load();
  const link = join(__dirname, "..", "..", `zz-linked-dir-${process.pid}`);
  symlinkSync(cacheDir, link);
  try {
    // WHEN / THEN it is not read as a file
    expect(sourceTreeKey([])).toMatch(/^[0-9a-f]{64}$/);
  } finally {
    rmSync(link, { force: true });
  }
});
