import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

/** Runs main.ts with `settings` (an object, or a path under config/) into an output seeded with known bytes. */
function runMain(settings: object | string): Promise<Run> {
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
    writeFileSync(configFile, JSON.stringify(settings));
  }
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [SYNTH_LAUNCHER],
      { cwd: ROOT, env: { ...process.env, STACK_CONFIG: configFile, CDKTF_OUTDIR: outdir } },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr, outdir, before }),
    );
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

const MODULE_CONTRADICTIONS = {
  region: "eu-west-1",
  availabilityZones: ["eu-west-1a", "eu-west-1b"],
  fileSystem: {
    performanceMode: "maxIO",
    lifecycle: { transitionToIa: "AFTER_30_DAYS", transitionToArchive: "AFTER_30_DAYS" },
  },
};

let runs: { bad: Run; contradictions: Run; prod: Run; default: Run };

beforeAll(async () => {
  const [bad, contradictions, prod, defaults] = await Promise.all([
    runMain(BAD_SETTINGS),
    runMain(MODULE_CONTRADICTIONS),
    runMain("config/prod.json"),
    runMain("config/default.json"),
  ]);
  runs = { bad, contradictions, prod, default: defaults };
});

function stackJson(run: Run, stack: string): any {
  return JSON.parse(readFileSync(join(run.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
}

describe("bad settings", () => {
  test("exit non-zero and name every field at once", () => {
    const { code, stderr } = runs.bad;
    expect(code).toBe(1);
    expect(stderr).toContain("ERROR: invalid settings in ");
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
      "clients.count: must be a whole number of client machines, at least 1 (got 0)",
      "backup.awsBackup.deleteAfterDays: must be a whole number of days, at least 1 (got 0)",
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

describe("settings the modules reject", () => {
  test("exit non-zero, reported against the settings paths that caused them", () => {
    const { code, stderr } = runs.contradictions;
    expect(code).toBe(1);
    expect(stderr).toContain(
      '  - fileSystem.throughputMode: "elastic" cannot be combined with performanceMode "maxIO"; use "generalPurpose", or throughput "bursting" or "provisioned" (got nothing)\n',
    );
    expect(stderr).toContain(
      '  - fileSystem.lifecycle.transitionToArchive: "AFTER_30_DAYS" must come later than transitionToIa "AFTER_30_DAYS" (got "AFTER_30_DAYS")\n',
    );
    expect(stderr).not.toContain("efs/shared-file-system");
  });

  test("leave the previous output byte-for-byte unchanged, with no staging directory left", () => {
    const { outdir, before } = runs.contradictions;
    expect(treeOf(outdir)).toEqual(before);
    expect(readdirSync(join(outdir, ".."))).toEqual(["cdktf.out", "settings.json"]);
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
