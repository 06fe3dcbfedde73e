import { TerraformOutput, TerraformStack } from "cdktf";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { removeAbandonedStagings, synthIntoPlace } from "../../settings/atomic-synth";

function emptyStack(app: ConstructorParameters<typeof TerraformStack>[0], name: string): void {
  const stack = new TerraformStack(app, name);
  new TerraformOutput(stack, "marker", { value: name });
}

/** A previous output with one stack, a Terraform working directory and a lock file in it. */
function previousOutput(): { parent: string; target: string } {
  const parent = mkdtempSync(join(tmpdir(), "efs-atomic-"));
  const target = join(parent, "cdktf.out");
  mkdirSync(join(target, "stacks", "efs", ".terraform"), { recursive: true });
  writeFileSync(join(target, "stacks", "efs", "cdk.tf.json"), "previous synth");
  writeFileSync(join(target, "stacks", "efs", ".terraform", "terraform.tfstate"), "backend record");
  writeFileSync(join(target, "stacks", "efs", ".terraform.lock.hcl"), "lock");
  return { parent, target };
}

test("a failing build leaves the previous output untouched and no staging directory behind", async () => {
  // GIVEN
  const { parent, target } = previousOutput();
  // WHEN
  await expect(
    synthIntoPlace(target, (app) => {
      emptyStack(app, "efs");
      throw new Error("bad settings");
    }),
  ).rejects.toThrow("bad settings");
  // THEN
  expect(readFileSync(join(target, "stacks", "efs", "cdk.tf.json"), "utf8")).toBe("previous synth");
  expect(readdirSync(parent)).toEqual(["cdktf.out"]);
});

test("a failure after the synth has written its output still leaves the previous output untouched", async () => {
  // GIVEN a previous output, and a synth that fails only after writing a stack of its own
  const { parent, target } = previousOutput();
  // WHEN
  await expect(
    synthIntoPlace(target, (app) => emptyStack(app, "new-stack"), {
      beforeSwap: async () => {
        throw new Error("late failure");
      },
    }),
  ).rejects.toThrow("late failure");
  // THEN nothing of the new synth reached the output, and its staging directory is gone
  expect(readdirSync(join(target, "stacks"))).toEqual(["efs"]);
  expect(existsSync(join(target, "manifest.json"))).toBe(false);
  expect(readFileSync(join(target, "stacks", "efs", "cdk.tf.json"), "utf8")).toBe("previous synth");
  expect(readdirSync(parent)).toEqual(["cdktf.out"]);
});

test("a good build replaces the output and keeps each stack's Terraform working files", async () => {
  // GIVEN
  const { parent, target } = previousOutput();
  // WHEN
  await synthIntoPlace(target, (app) => emptyStack(app, "efs"));
  // THEN
  const stackDir = join(target, "stacks", "efs");
  expect(JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).output.marker.value).toBe("efs");
  expect(readFileSync(join(stackDir, ".terraform", "terraform.tfstate"), "utf8")).toBe("backend record");
  expect(readFileSync(join(stackDir, ".terraform.lock.hcl"), "utf8")).toBe("lock");
  expect(readdirSync(parent)).toEqual(["cdktf.out"]);
});

test("creates the output when there was none", async () => {
  const parent = mkdtempSync(join(tmpdir(), "efs-atomic-"));
  const target = join(parent, "nested", "cdktf.out");
  await synthIntoPlace(target, (app) => emptyStack(app, "state"));
  expect(existsSync(join(target, "stacks", "state", "cdk.tf.json"))).toBe(true);
  expect(existsSync(join(target, "manifest.json"))).toBe(true);
});

/** The pid of a process that has ended: a child that ran `true` and was reaped. */
function deadPid(): number {
  const child = spawnSync("true");
  return child.pid as number;
}

test("a synth removes the staging directories of synths whose process is gone, and only those", async () => {
  // GIVEN a staging directory of a killed synth, one of a synth still running, and an unrelated one
  const { parent, target } = previousOutput();
  const gone = deadPid();
  const running = process.ppid;
  for (const name of [`cdktf.out.tmp-${gone}`, `cdktf.out.tmp-${running}`, `other.tmp-${gone}`]) {
    mkdirSync(join(parent, name, "stacks"), { recursive: true });
  }
  // WHEN
  await synthIntoPlace(target, (app) => emptyStack(app, "efs"));
  // THEN
  expect(readdirSync(parent).sort()).toEqual(["cdktf.out", `cdktf.out.tmp-${running}`, `other.tmp-${gone}`]);
});

test("an abandoned swap's previous output is put back when the output itself is missing", () => {
  // GIVEN a synth killed between moving the previous output aside and moving the new one in
  const parent = mkdtempSync(join(tmpdir(), "efs-atomic-"));
  const target = join(parent, "cdktf.out");
  const abandoned = join(parent, `cdktf.out.old-${deadPid()}`);
  mkdirSync(join(abandoned, "stacks", "efs"), { recursive: true });
  writeFileSync(join(abandoned, "stacks", "efs", "cdk.tf.json"), "previous synth");
  // WHEN
  removeAbandonedStagings(target);
  // THEN
  expect(readFileSync(join(target, "stacks", "efs", "cdk.tf.json"), "utf8")).toBe("previous synth");
  expect(readdirSync(parent)).toEqual(["cdktf.out"]);
});
