import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";

// How an uncaught PropsValidationError reads under plain node and tsx. ts-node and `cdktf synth` run in
// the template app of `npm run test:consumer` (tools/consumer), where they are installed as a user has them.

const ROOT = resolve(__dirname, "..", "..", "..");
const TSX_CLI = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** Two AZs short and a malformed VPC id: two problems in one error. */
const BAD_FILE_SYSTEM = `
import { App, TerraformStack } from "cdktf";
import { SharedFileSystem } from "${join(ROOT, "modules", "efs")}";
const stack = new TerraformStack(new App(), "app");
`;
const CONSTRUCT = `new SharedFileSystem(stack, "home", {
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnets: [{ id: "subnet-0bbbbbbbbbbbbbbb1", availabilityZone: "eu-west-1a" }],
});`;
const EXPECTED =
  "Invalid props for app/home:\n" +
  '  - subnets: a regional file system needs mount targets in at least 2 distinct AZs, got ["eu-west-1a"]';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "efs-uncaught-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `source` as a .ts file; returns the command that runs it with `runner`. */
function program(name: string, source: string, runner: "node" | "tsx"): string[] {
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, BAD_FILE_SYSTEM + source);
  if (runner === "tsx") return [TSX_CLI, file];
  // Plain node runs JavaScript: our sources compiled as the package ships them, the framework from node_modules.
  const outfile = join(dir, `${name}.js`);
  buildSync({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: "node",
    packages: "external",
    logLevel: "error",
  });
  return [outfile];
}

function run(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "", NODE_PATH: join(ROOT, "node_modules") },
  });
  return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe.each(["node", "tsx"] as const)("under %s", (runner) => {
  test("a construct's bad props print once: the construct path, each prop, value and rule, no stack", () => {
    // GIVEN an app whose file system has one AZ, WHEN it runs
    const { status, stderr } = run(program(`top-level-${runner}`, CONSTRUCT, runner));
    // THEN exactly the message, nothing else, and a failing status
    expect({ status, stderr }).toEqual({ status: 1, stderr: EXPECTED });
  });

  test("thrown from an async main (an unhandled rejection), the same one message", () => {
    const source = `async function main() { await new Promise((r) => setTimeout(r, 5)); ${CONSTRUCT} }\nvoid main();`;
    expect(run(program(`async-${runner}`, source, runner))).toEqual({
      status: 1,
      stderr: EXPECTED,
      stdout: "",
    });
  });
});

test("an error the app catches leaves no listener behind, and a later error of its own reads as Node prints it", () => {
  // GIVEN an app that catches our error, then fails with its own on a timer
  const source = `try { ${CONSTRUCT} } catch (error) { console.log((error as any).problems.length, Object.keys(error as object).length); }
setTimeout(() => { console.log(process.listenerCount("uncaughtException")); throw new TypeError("the app's own bug"); }, 50);`;
  // WHEN it runs under plain node
  const { status, stdout, stderr } = run(program("caught", source, "node"));
  // THEN the caught error held its problems (not enumerable), nothing listens afterwards, and the
  // app's own error is reported by Node with its stack
  expect(stdout.split("\n")).toEqual(["1 0", "0"]);
  expect(status).toBe(1);
  expect(stderr).toMatch(/TypeError: the app's own bug\n\s+at /);
  expect(stderr).not.toMatch(/Invalid props/);
});

test("an error of the app's own in the same turn as a caught one is still Node's report, not swallowed", () => {
  const source = `try { ${CONSTRUCT} } catch {}\nthrow new RangeError("the app's own bug");`;
  const { status, stderr } = run(program("same-turn", source, "node"));
  expect(status).toBe(1);
  expect(stderr).toMatch(/RangeError: the app's own bug\n\s+at .*same-turn/);
  expect(stderr).not.toMatch(/Invalid props/);
});

test("an app with its own uncaughtException listener keeps it: the library adds none", () => {
  const source = `process.on("uncaughtException", (e) => { console.log("app handler:", (e as Error).name); process.exit(3); });\n${CONSTRUCT}`;
  const { status, stdout } = run(program("own-handler", source, "node"));
  expect({ status, stdout }).toEqual({ status: 3, stdout: "app handler: PropsValidationError" });
});
