import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { validateStacks } from "../helpers/terraform";
import { cached, hashOf, readTree, sourceTreeKey } from "../helpers/test-cache";

// The way out of CDKTF: `cdktf synth --hcl` writes plain Terraform, which must stand on its own.
// One HCL synth of the real app (main.ts, default settings) for every test below.

const ROOT = join(__dirname, "..", "..");
const STACKS = ["state", "efs", "efs-with-backup"] as const;
const outdir = mkdtempSync(join(tmpdir(), "cdktf-efs-hcl-"));

/** What `cdktf synth --hcl` runs: the app, its settings and modules, cdktf, the provider bindings, and
 * the esbuild that scripts/synth.js bundles them with. */
const SYNTH_PACKAGES = ["cdktf", "cdktf-cli", "constructs", "@cdktf/provider-aws", "esbuild"];

beforeAll(async () => {
  // The CLI's output is a pure function of the repository and those packages: a re-run with none of
  // them changed writes the files it wrote last time (helpers/test-cache.ts), without the 5 s of CPU.
  const files = await cached(
    "hcl-synth",
    hashOf(process.version, sourceTreeKey(SYNTH_PACKAGES)),
    async () => {
      const fresh = mkdtempSync(join(tmpdir(), "cdktf-efs-hcl-"));
      await promisify(execFile)(
        join(ROOT, "node_modules", ".bin", "cdktf"),
        ["synth", "--hcl", "--output", fresh],
        {
          cwd: ROOT,
          maxBuffer: 64 * 1024 * 1024,
          // The default settings, whatever the caller's STACK_CONFIG: the cache key holds no settings path.
          env: {
            ...process.env,
            STACK_CONFIG: "",
            CHECKPOINT_DISABLE: "1",
            DISABLE_VERSION_CHECK: "1",
            CI: "1",
          },
        },
      );
      return readTree(fresh);
    },
  );
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(outdir, path)), { recursive: true });
    writeFileSync(join(outdir, path), content);
  }
}, 300_000);

test("writes one HCL directory per stack of the app", () => {
  const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
  expect(Object.keys(manifest.stacks).sort()).toEqual([...STACKS].sort());
});

describe.each(STACKS)("the %s stack as HCL", (stack) => {
  const stackDir = join(outdir, "stacks", stack);

  test("is Terraform's native syntax, not JSON", () => {
    expect(existsSync(join(stackDir, "cdk.tf.json"))).toBe(false);
    const hcl = readFileSync(join(stackDir, "cdk.tf"), "utf8");
    expect(hcl).toMatch(/^terraform \{$/m);
    expect(hcl).toMatch(/^provider "aws" \{$/m);
    expect(hcl).toMatch(/^resource "aws_[a-z0-9_]+" "[^"]+" \{$/m);
  });

  test("declares no aliased aws provider (the harness mocks the default one only)", () => {
    expect(readFileSync(join(stackDir, "cdk.tf"), "utf8")).not.toMatch(/^\s*alias\s*=/m);
  });
});

test("every stack as HCL passes terraform init and validate offline", async () => {
  // One configuration with each stack as a child module: one provider load instead of one per stack.
  const stackDirs = STACKS.map((stack) => join(outdir, "stacks", stack));
  await expect(validateStacks(stackDirs, { providerAliases: [] })).resolves.toBeUndefined();
}, 300_000);
