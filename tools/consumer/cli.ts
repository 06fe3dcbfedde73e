/**
 * `npm run test:consumer`: this package as a new platform engineer installs it. An app laid out by the
 * cdktf 0.21 TypeScript template (fixture/template, with the template's own unpinned install step),
 * the documented TypeScript pin, then the packed tarball and the peers with plain `npm install` from
 * the registry; synth through the template's runner (`cdktf synth`, which runs cdktf.json's
 * `npx ts-node main.ts`); an offline `terraform plan`; and a newcomer's mistake under plain node,
 * tsx, ts-node and `cdktf synth`, each of which must print the one message and no stack.
 *
 * Prints one PASS/FAIL line per check and `N passed, N failed`; exits 1 when any failed.
 * npm's downloads are kept in $TMPDIR/cdktf-efs-consumer-npm-cache (the provider is about 360 MB
 * unpacked), so a second run downloads only what the registry changed. KEEP_CONSUMER_APP=1 keeps the app.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { planStack, plannedResources } from "../../__tests__/helpers/terraform";

const ROOT = resolve(__dirname, "..", "..");
const FIXTURE = join(__dirname, "fixture");
const CDKTF_CLI = join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf");
const TSX_CLI = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const NPM_CACHE = join(process.env.TMPDIR || tmpdir(), "cdktf-efs-consumer-npm-cache");

/** What the README tells a user of the cdktf template to run first (see `pinTypescript`). */
export const TYPESCRIPT_PIN = "typescript@5.9";
/** The peers a consumer installs next to the package. */
const PEERS = ["@cdktf/provider-aws@^20"];

const EXPECTED_ERROR =
  "Invalid props for app/home:\n" +
  '  - subnets[0].id: "subnet-12345" is not a subnet id such as "subnet-0123456789abcdef0"';

const results: { name: string; ok: boolean }[] = [];

async function check(name: string, work: () => string | void | Promise<string | void>): Promise<boolean> {
  const start = performance.now();
  try {
    const note = await work();
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`PASS ${name} (${seconds} s)${note ? `: ${note}` : ""}`);
    results.push({ name, ok: true });
    return true;
  } catch (error) {
    console.log(`FAIL ${name}: ${(error as Error).message}`);
    results.push({ name, ok: false });
    return false;
  }
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NPM_CONFIG_CACHE: NPM_CACHE,
    NPM_CONFIG_AUDIT: "false",
    NPM_CONFIG_FUND: "false",
    NPM_CONFIG_UPDATE_NOTIFIER: "false",
    CHECKPOINT_DISABLE: "1",
    ...extra,
  };
}

function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}) {
  const result: SpawnSyncReturns<string> = spawnSync(command, args, {
    cwd,
    env: env(extra),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

function mustRun(command: string, args: string[], cwd: string, extra: Record<string, string> = {}): string {
  const result = run(command, args, cwd, extra);
  if (result.status !== 0) {
    throw new Error(
      `${[command, ...args].join(" ")} exited ${result.status}\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

/** What `cdktf init` does with the template: its files, placeholders filled, then its install hook. */
function layOutTemplate(app: string): void {
  cpSync(join(FIXTURE, "template"), app, { recursive: true });
  renameSync(join(app, "{{}}.gitignore"), join(app, ".gitignore"));
  for (const file of ["package.json", "main.ts", "cdktf.json"]) {
    const text = readFileSync(join(app, file), "utf8")
      .replaceAll("{{ $base }}", "app")
      .replaceAll("{{projectId}}", "00000000-0000-4000-8000-000000000000")
      .replaceAll("{{sendCrashReports}}", "false")
      // cdktf 0.21 has no future flags (cdktf/lib/features.js: FUTURE_FLAGS = {}).
      .replace(/^\{\{futureFlags\}\}\n/m, "");
    writeFileSync(join(app, file), text);
  }
  const hook = `process.chdir(${JSON.stringify(app)});
require(${JSON.stringify(join(app, ".hooks.sscaff.js"))}).post({ $base: "app", npm_cdktf: "cdktf@^0.21.0", OrganizationName: "", silent: true });`;
  mustRun(process.execPath, ["-e", hook], app);
  rmSync(join(app, ".hooks.sscaff.js"));
}

function installedVersion(app: string, name: string): string {
  return JSON.parse(readFileSync(join(app, "node_modules", name, "package.json"), "utf8")).version;
}

function megabytes(dir: string): number {
  return Math.round(Number(execFileSync("du", ["-sk", dir], { encoding: "utf8" }).split("\t")[0]) / 1024);
}

/** The message and nothing else: no stack frame, no source excerpt, no `problems: [` dump. */
function assertOneMessage(output: string, copies = 1): void {
  const count = output.split(EXPECTED_ERROR).length - 1;
  if (count !== copies) throw new Error(`the message appears ${count} times, not ${copies}:\n${output}`);
  if (/^\s+at /m.test(output) || /problems: \[/.test(output) || /\^\n/.test(output)) {
    throw new Error(`a stack, source excerpt or problems dump is printed:\n${output}`);
  }
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "cdktf-efs-template-app-"));
  const app = join(work, "app");
  let tarball = "";
  try {
    const packed = await check("npm pack (prepack builds dist/)", () => {
      const stdout = mustRun("npm", ["pack", "--json", "--pack-destination", work], ROOT);
      tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
      return `${Math.round(readFileSync(tarball).length / 1024)} KB`;
    });
    const laidOut =
      packed &&
      (await check("cdktf init --template=typescript, with the template's own install step", () => {
        layOutTemplate(app);
        return `typescript ${installedVersion(app, "typescript")}, ts-node ${installedVersion(app, "ts-node")}, ts-jest ${installedVersion(app, "ts-jest")}`;
      }));
    const pinned =
      laidOut &&
      (await check(`npm install -D ${TYPESCRIPT_PIN} (the README's line for the template)`, () => {
        mustRun("npm", ["install", "-D", TYPESCRIPT_PIN], app);
        return `typescript ${installedVersion(app, "typescript")}`;
      }));
    const installed =
      pinned &&
      (await check("npm install <tarball> @cdktf/provider-aws@^20, plain, from the registry", () => {
        mustRun("npm", ["install", tarball, ...PEERS], app);
        const tree = run("npm", ["ls", "--all"], app);
        if (tree.status !== 0) throw new Error(`npm ls reports problems:\n${tree.stderr}`);
        return `node_modules ${megabytes(join(app, "node_modules"))} MB, npm cache ${megabytes(NPM_CACHE)} MB`;
      }));
    if (installed) {
      cpSync(join(FIXTURE, "main.ts"), join(app, "main.ts"));
      cpSync(join(FIXTURE, "mistakes.ts"), join(app, "mistakes.ts"));
      await check("tsc --noEmit with the template's tsconfig", () => {
        mustRun(
          process.execPath,
          [join(app, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", app],
          app,
        );
      });
      const synthesized = await check("cdktf synth through cdktf.json's app (npx ts-node main.ts)", () => {
        mustRun(process.execPath, [CDKTF_CLI, "synth"], app);
        if (!existsSync(join(app, "cdktf.out", "stacks", "app", "cdk.tf.json")))
          throw new Error("no stack synthesized");
      });
      if (synthesized) {
        await check("terraform init and plan, offline", async () => {
          const plan = await planStack(join(app, "cdktf.out", "stacks", "app"));
          const created = plannedResources(plan.plan, "aws_efs_file_system");
          if (created.length !== 1 || !created[0]!.actions.includes("create")) {
            throw new Error("the plan creates no EFS file system");
          }
          return `${plan.plan.resource_changes.length} resources to create`;
        });
      }
      await check("a malformed subnet id under plain node: one message, no stack", () => {
        mustRun(process.execPath, [join(app, "node_modules", "typescript", "bin", "tsc"), "-p", app], app);
        const result = run(process.execPath, ["mistakes.js"], app);
        if (result.status !== 1) throw new Error(`exit status ${result.status}`);
        assertOneMessage(result.stderr);
      });
      await check("the same under tsx", () => {
        const result = run(process.execPath, [TSX_CLI, "mistakes.ts"], app);
        if (result.status !== 1) throw new Error(`exit status ${result.status}`);
        assertOneMessage(result.stderr);
      });
      await check("the same under ts-node (the template's runner)", () => {
        const result = run("npx", ["ts-node", "mistakes.ts"], app);
        if (result.status !== 1) throw new Error(`exit status ${result.status}`);
        assertOneMessage(result.stderr);
      });
      // cdktf-cli logs each chunk of the app's stderr as it comes and quotes it again in its summary
      // (@cdktf/commons exec and shell): the one message the app prints shows twice, and nothing else.
      await check(
        "the same under cdktf synth: the app's one message, shown live and in cdktf's summary",
        () => {
          const result = run(
            process.execPath,
            [CDKTF_CLI, "synth", "--app", "npx ts-node mistakes.ts"],
            app,
            {
              NO_COLOR: "1",
            },
          );
          if (result.status !== 1) throw new Error(`exit status ${result.status}`);
          const output = (result.stdout + result.stderr).replace(/\n {4}/g, "\n").replace(/^ {4}/gm, "");
          assertOneMessage(output, 2);
        },
      );
    }
  } finally {
    if (process.env.KEEP_CONSUMER_APP === "1") console.log(`app kept in ${app}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const passed = results.filter((r) => r.ok).length;
  console.log(`${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}

if (require.main === module) void main().then((status) => process.exit(status));
