import { readFileSync } from "node:fs";
import { join } from "node:path";
import { addProjectStacks } from "../helpers/app";
import { fullSynth } from "../helpers/synth";

const STACKS = ["efs", "efs-with-backup"];

describe("synthesized output", () => {
  const first = fullSynth((app) => addProjectStacks(app));
  const second = fullSynth((app) => addProjectStacks(app));
  const text = (outdir: string, stack: string) =>
    readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");

  test.each(STACKS)("%s is byte-identical across two synths in different directories", (stack) => {
    expect(text(first, stack)).toBe(text(second, stack));
  });

  test.each(STACKS)("%s holds no absolute path of the build machine", (stack) => {
    const json = text(first, stack);
    expect(json).not.toContain(first);
    expect(json).not.toContain(process.cwd());
    expect(JSON.parse(json).terraform.backend).toEqual({
      local: { path: `../../../terraform.${stack}.tfstate` },
    });
  });

  test.each(STACKS)("%s ships no credentials or skip flags in its provider block", (stack) => {
    const provider = JSON.parse(text(first, stack)).provider.aws;
    for (const config of provider) {
      expect(Object.keys(config).filter((k) => /key|token|skip_|profile/.test(k))).toEqual([]);
    }
  });
});

test("cdktf synth runs the same fast path as npm run synth", () => {
  // GIVEN the two entry points users have
  const root = join(__dirname, "..", "..");
  const cdktfApp = JSON.parse(readFileSync(join(root, "cdktf.json"), "utf8")).app;
  const npmSynth = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.synth;
  // THEN both run the bundled launcher with plain node: no ts-node, no tsx, no type-check
  expect(cdktfApp).toBe(npmSynth);
  expect(npmSynth).toBe("node scripts/synth.js");
});
