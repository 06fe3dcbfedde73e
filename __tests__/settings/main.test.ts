import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

// End-to-end: `main.ts` as a child process, through the same launcher `npm run synth` and
// `cdktf synth` use (scripts/synth.js). The long
// list of bad inputs is covered in-process (schema.test.ts, module-errors.test.ts); here one run per
// phase proves the exit status, the message and that the previous output survives byte for byte.

const ROOT = join(__dirname, "..", "..");
const SYNTH_LAUNCHER = join(ROOT, "scripts", "synth.js");

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outdir: string;
  readonly before: Record<string, string>;
}

/** Every file under `dir` with its bytes (base64), by relative path. */
function treeOf(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const visit = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) visit(full);
      else files[relative(dir, full)] = readFileSync(full).toString("base64");
    }
  };
  visit(dir);
  return files;
}

/** Settings given as the exact text of the file, for what JSON.stringify cannot write (duplicate keys). */
interface SettingsText {
  readonly text: string;
}

/**
 * Runs main.ts with `settings` (an object, the file's text, or a path under config/) into an output
 * seeded with known bytes. `interrupt`: once the synth has written its staging directory, send this
 * signal (main.ts pauses before the swap, through its test hook).
 */
function runMain(settings: object | string | SettingsText, interrupt?: NodeJS.Signals): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "efs-main-"));
  const outdir = join(dir, "cdktf.out");
  mkdirSync(join(outdir, "stacks", "efs"), { recursive: true });
  writeFileSync(join(outdir, "manifest.json"), '{"previous":true}');
  writeFileSync(join(outdir, "stacks", "efs", "cdk.tf.json"), "previous good synth \u00e9\n");
  const before = treeOf(outdir);
  let configFile: string;
  if (typeof settings === "string") {
    configFile = join(ROOT, settings);
  } else {
    configFile = join(dir, "settings.json");
    writeFileSync(configFile, "text" in settings ? settings.text : JSON.stringify(settings));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, STACK_CONFIG: configFile, CDKTF_OUTDIR: outdir };
  if (interrupt) env.EFS_SYNTH_PAUSE_BEFORE_SWAP_MS = "120000";
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [SYNTH_LAUNCHER], { cwd: ROOT, env }, (_error, stdout, stderr) =>
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr, outdir, before }),
    );
    if (interrupt) {
      // The synth is done and paused before the swap once its staging output holds a stack.
      const synthesized = join(`${outdir}.tmp-${child.pid}`, "stacks", "efs", "cdk.tf.json");
      const poll = setInterval(() => {
        if (!existsSync(synthesized)) return;
        clearInterval(poll);
        child.kill(interrupt);
      }, 50);
      child.on("exit", () => clearInterval(poll));
    }
  });
}

const BAD_SETTINGS = {
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1a"],
  tags: { Team: 7 },
  network: {
    vpcCidr: "10.0.0.0/16",
    publicSubnetCidrs: ["10.0.0.0/24", "10.9.0.0/24"],
    privateSubnetCidrs: ["10.0.0.0/25", "10.0.1.0/33"],
  },
  fileSystem: { throughputMode: "fast", lifecycel: {} },
  monitoring: { alarmEmails: ["oncall@"] },
  clients: { count: 0 },
  backup: { awsBackup: { schedule: "rate(1 day)", deleteAfterDays: 0 } },
  state: { bucket: "Terraform_State", region: "eu-west" },
};

/**
 * BAD_SETTINGS as a file, after a first `fileSystem` and `tags` that JSON.parse drops (the later key
 * wins) and that hold what only the text shows: a reserved key and a number too large.
 */
const BAD_TEXT = `{
  "fileSystem": { "createKmsKey": true, "provisionedThroughputMibps": 1e999 },
  "tags": { "__proto__": { "Team": "x" } },
${JSON.stringify(BAD_SETTINGS, null, 2).slice(2)}`;

/**
 * Rules of the modules, two or more in each of four sections, while another section (state) fails
 * the schema: every one is reported in one run.
 */
const MODULE_RULES_IN_FOUR_SECTIONS = {
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  state: { bucket: "Not_A_Bucket" },
  fileSystem: {
    performanceMode: "maxIO",
    lifecycle: { transitionToIa: "AFTER_30_DAYS", transitionToArchive: "AFTER_30_DAYS" },
    kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/efs",
  },
  monitoring: {
    existingTopicArn: "arn:aws:sns:eu-west-1:111122223333:alarms",
    alarmEmails: ["ops@example.com"],
  },
  clients: { sshIngressCidrs: ["0.0.0.0/0"], mountPath: "/etc" },
  backup: {
    awsBackup: { deleteAfterDays: 30, coldStorageAfterDays: 10 },
  },
};

let runs: {
  bad: Run;
  fourSections: Run;
  prod: Run;
  default: Run;
  SIGINT: Run;
  SIGTERM: Run;
};

beforeAll(async () => {
  // One run first: on a cold cache it bundles the app once, instead of once in every parallel run.
  const defaults = await runMain("config/default.json");
  const [bad, fourSections, prod, sigint, sigterm] = await Promise.all([
    runMain({ text: BAD_TEXT }),
    runMain(MODULE_RULES_IN_FOUR_SECTIONS),
    runMain("config/prod.json"),
    runMain("config/default.json", "SIGINT"),
    runMain("config/default.json", "SIGTERM"),
  ]);
  runs = { bad, fourSections, prod, default: defaults, SIGINT: sigint, SIGTERM: sigterm };
});

function stackJson(run: Run, stack: string): any {
  return JSON.parse(readFileSync(join(run.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

describe("bad settings", () => {
  test("exit non-zero and name every field at once", () => {
    const { code, stderr } = runs.bad;
    expect(code).toBe(1);
    expect(stderr).toContain("ERROR: invalid settings in ");
    expect(stderr).not.toContain("got null");
    for (const line of [
      'availabilityZones[1]: is listed twice; give each AZ once (got "eu-west-1a")',
      "tags.Team: must be a string, not a number (got 7)",
      'network.privateSubnetCidrs[1]: must be an IPv4 CIDR block without host bits, such as "10.0.0.0/16" (got "10.0.1.0/33")',
      'network.publicSubnetCidrs[1]: is outside the VPC CIDR "10.0.0.0/16"; use a block inside it (got "10.9.0.0/24")',
      'network.privateSubnetCidrs[0]: overlaps network.publicSubnetCidrs[0] "10.0.0.0/24"; subnets must not overlap (got "10.0.0.0/25")',
      'fileSystem.throughputMode: must be one of elastic, provisioned, bursting (got "fast")',
      "fileSystem.lifecycel: unknown key; allowed keys: name, performanceMode",
      "state.bucket: must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no '..', not an IP address (got \"Terraform_State\")",
      'state.region: must be an AWS Region name such as "eu-west-1" (got "eu-west")',
      'monitoring.alarmEmails[0]: must be an e-mail address such as "ops@example.com" (got "oncall@")',
      "clients.count: must be an integer from 1 to 100 (got 0)",
      "backup.awsBackup.deleteAfterDays: must be an integer from 1 to 36500 days (got 0)",
      // What only the text shows; zod's wording for Infinity ("not a number (got null)") is not shown too.
      'tags.__proto__: is a reserved key name: "__proto__", "constructor" and "prototype" are refused anywhere, because JavaScript gives them a meaning of their own and their values can be lost silently',
      "fileSystem: is given twice (lines 2 and 23); JSON keeps only the last one and silently drops the other: merge them into one",
      "tags: is given twice (lines 3 and 9); JSON keeps only the last one and silently drops the other: merge them into one",
      "fileSystem.provisionedThroughputMibps: must be a finite number (got 1e999)",
      'backup.awsBackup.schedule: must be an AWS cron expression with 6 fields such as "cron(0 5 * * ? *)" (daily at 05:00 UTC) (got "rate(1 day)")',
    ]) {
      expect(stderr).toContain(line);
    }
  });

  test("leave the previous output byte-for-byte unchanged, with no staging directory left", () => {
    const { outdir, before, stderr } = runs.bad;
    expect(stderr).toContain(`Nothing was written: ${outdir} is unchanged.`);
    expect(treeOf(outdir)).toEqual(before);
    expect(readdirSync(join(outdir, ".."))).toEqual(["cdktf.out", "settings.json"]);
  });
});

describe("module rules in four sections, and a schema error in a fifth", () => {
  test("every one is reported in one run, against the settings path that caused it", () => {
    const { code, stderr } = runs.fourSections;
    expect(code).toBe(1);
    for (const line of [
      "state.bucket: must be an S3 bucket name",
      'fileSystem.throughputMode: "elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned" (default "elastic")\n',
      'fileSystem.lifecycle.transitionToArchive: Archive needs throughputMode "elastic" and performanceMode "generalPurpose"; got "elastic" and "maxIO" (got "AFTER_30_DAYS")\n',
      'fileSystem.lifecycle.transitionToArchive: "AFTER_30_DAYS" must come later than transitionToIa "AFTER_30_DAYS" (got "AFTER_30_DAYS")\n',
      'fileSystem.kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/efs" is an alias ARN; EFS stores the key ARN it points to, so every later plan would replace the file system.',
      'monitoring.alarmEmails: ["ops@example.com"] cannot be combined with existingTopicArn; subscribe the addresses where that topic is managed (got ["ops@example.com"])\n',
      'clients.mountPath: "/etc" would hide a system directory;',
      'clients.sshIngressCidrs[0]: "0.0.0.0/0" opens SSH to the whole internet;',
      "backup.awsBackup.deleteAfterDays: 30 is too short for coldStorageAfterDays 10; AWS Backup keeps cold recovery points at least 90 days, so use 100 or more (got 30)\n",
    ]) {
      expect(stderr).toContain(`  - ${line}`);
    }
    expect(stderr).toContain("(9 problems)");
    expect(stderr).not.toContain("efs/shared-file-system");
  });

  test("leave the previous output byte-for-byte unchanged, with no staging directory left", () => {
    const { outdir, before } = runs.fourSections;
    expect(treeOf(outdir)).toEqual(before);
    expect(readdirSync(join(outdir, ".."))).toEqual(["cdktf.out", "settings.json"]);
  });
});

describe.each(["SIGINT", "SIGTERM"] as const)("a synth interrupted by %s", (signal) => {
  test("ends by that signal, removes its staging directory and leaves the output unchanged", () => {
    const { code, signal: endedBy, outdir, before } = runs[signal];
    expect({ code, endedBy }).toEqual({ code: null, endedBy: signal });
    expect(treeOf(outdir)).toEqual(before);
    expect(readdirSync(join(outdir, ".."))).toEqual(["cdktf.out"]);
  });
});

describe("config/prod.json (state.bucket set)", () => {
  test("synthesizes and replaces the previous output", () => {
    const { code, stderr, outdir } = runs.prod;
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining("WARNING") });
    expect(readdirSync(join(outdir, "stacks")).sort()).toEqual(["efs", "efs-with-backup", "state"]);
  });

  test.each(["efs", "efs-with-backup"])(
    "%s keeps its state in S3, encrypted, with S3-native locking",
    (stack) => {
      expect(stackJson(runs.prod, stack).terraform).toMatchObject({
        backend: {
          s3: {
            bucket: "example-prod-efs-tfstate-eu-west-1",
            key: `efs/prod/${stack}.tfstate`,
            region: "eu-west-1",
            encrypt: true,
            kms_key_id: "arn:aws:kms:eu-west-1:111122223333:alias/terraform-state",
            use_lockfile: true,
          },
        },
        required_version: ">= 1.11",
      });
    },
  );

  test("the state stack itself stays on a local backend, with a relative path", () => {
    expect(stackJson(runs.prod, "state").terraform.backend).toEqual({
      local: { path: "../../../terraform.state.example-prod-efs-tfstate-eu-west-1.tfstate" },
    });
  });
});

describe("config/default.json (no state bucket)", () => {
  test("uses local state and warns once, on stdout (cdktf prints an app's stderr as [ERROR])", () => {
    const { code, stdout, stderr } = runs.default;
    expect(code).toBe(0);
    expect(stdout.match(/WARNING: state\.bucket is not set/g)).toHaveLength(1);
    expect(stderr).not.toContain("WARNING");
    expect(stackJson(runs.default, "efs").terraform.backend).toEqual({
      local: { path: "../../../terraform.efs.tfstate" },
    });
  });
});
