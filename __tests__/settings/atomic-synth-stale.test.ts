import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { synthIntoPlace } from "../../settings/atomic-synth";

/** Every directory and file under `dir`, hidden ones included: relative path → file bytes, or "<dir>". */
function treeOf(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      const key = relative(dir, path);
      if (statSync(path).isDirectory()) {
        tree[`${key}/`] = "<dir>";
        walk(path);
      } else {
        tree[key] = readFileSync(path).toString("base64");
      }
    }
  };
  walk(dir);
  return tree;
}

/** A stack that builds fine and fails only while the app writes it, i.e. inside `app.synth()`. */
class FailsInSynth extends TerraformStack {
  constructor(scope: Construct, name: string) {
    super(scope, name);
    new TerraformOutput(this, "marker", { value: name });
  }
  toTerraform(): ReturnType<TerraformStack["toTerraform"]> {
    throw new Error("cannot write this stack");
  }
}

/**
 * An earlier run's output: the stack `efs`, with Terraform's working files, and `retired`, a stack
 * folder of an earlier run whose stack the app no longer has.
 */
function earlierOutput(): { parent: string; target: string } {
  const parent = mkdtempSync(join(tmpdir(), "efs-atomic-stale-"));
  const target = join(parent, "cdktf.out");
  mkdirSync(join(target, "stacks", "efs", ".terraform", "providers"), { recursive: true });
  mkdirSync(join(target, "stacks", "retired"), { recursive: true });
  writeFileSync(join(target, "manifest.json"), '{"stacks":{"efs":{},"retired":{}}}');
  writeFileSync(join(target, "stacks", "efs", "cdk.tf.json"), '{"earlier":"efs"}');
  writeFileSync(join(target, "stacks", "efs", ".terraform", "terraform.tfstate"), "backend record");
  writeFileSync(join(target, "stacks", "efs", ".terraform.lock.hcl"), "lock");
  writeFileSync(join(target, "stacks", "retired", "cdk.tf.json"), '{"earlier":"retired"}');
  return { parent, target };
}

test("a failure inside app.synth(), after a stack was written, leaves the earlier output byte-identical", async () => {
  // GIVEN an earlier output, stale stack folder included
  const { parent, target } = earlierOutput();
  const before = treeOf(target);
  // WHEN the app writes `efs`, then fails on the next stack
  await expect(
    synthIntoPlace(target, (app) => {
      const efs = new TerraformStack(app, "efs");
      new TerraformOutput(efs, "marker", { value: "new efs" });
      new FailsInSynth(app, "zz-broken");
    }),
  ).rejects.toThrow("cannot write this stack");
  // THEN nothing of the earlier output changed, the stale folder included, and no staging is left
  expect(treeOf(target)).toEqual(before);
  expect(treeOf(target)["stacks/retired/cdk.tf.json"]).toBe(
    Buffer.from('{"earlier":"retired"}').toString("base64"),
  );
  expect(readdirSync(parent)).toEqual(["cdktf.out"]);
});

test("a good synth drops the stale stack folder and keeps the working files of the stacks that remain", async () => {
  // GIVEN
  const { target } = earlierOutput();
  // WHEN
  await synthIntoPlace(target, (app) => {
    const efs = new TerraformStack(app, "efs");
    new TerraformOutput(efs, "marker", { value: "new efs" });
  });
  // THEN `retired` is gone: a stale stack folder would otherwise be planned as if it were current
  expect(readdirSync(join(target, "stacks")).sort()).toEqual(["efs"]);
  expect(readFileSync(join(target, "stacks", "efs", ".terraform", "terraform.tfstate"), "utf8")).toBe(
    "backend record",
  );
  expect(
    JSON.parse(readFileSync(join(target, "stacks", "efs", "cdk.tf.json"), "utf8")).output.marker.value,
  ).toBe("new efs");
});
