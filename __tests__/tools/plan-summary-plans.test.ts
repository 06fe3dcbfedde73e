import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { EfsStack, EfsStackProps } from "../../stacks/efs-stack";
import { LifecycleTransition, PerformanceMode, ThroughputMode } from "../../modules/efs/types";
import { TEST_STACK_PROPS } from "../helpers/app";
import { fullSynth } from "../helpers/synth";
import { planStack, planStacks, PlanJson } from "../helpers/terraform";
import { appliedState, TerraformState, writeState } from "../helpers/state";
import { renderComment } from "../../tools/plan-summary/render";
import { summarizePlan } from "../../tools/plan-summary/summarize";

// Real offline plans: the base setup is planned once and turned into a state "as if applied"; each
// changed setup is then planned against that state (`plan -refresh=false`), all in parallel.
// prevent_destroy is off in every setup: with it on, Terraform refuses to plan a replacement at all.
// The clients are a fleet (Auto Scaling group): with fixed instances, any change that touches their
// launch template (a replaced file system does) makes the AWS provider call EC2 DescribeTags at plan
// time for each existing instance, which an offline plan cannot do.

const ROOT = join(__dirname, "..", "..");
const FILE_SYSTEM = "aws_efs_file_system.shared-file-system_B732B056";

type Change = Pick<EfsStackProps, "fileSystem" | "clients">;

function stackDir(change: Change = {}): string {
  const props: EfsStackProps = {
    ...TEST_STACK_PROPS,
    fileSystem: { preventDestroy: false, ...change.fileSystem },
    clients: { placement: "fleet", ...change.clients },
  };
  return join(
    fullSynth((app) => new EfsStack(app, "efs", props)),
    "stacks",
    "efs",
  );
}

const CHANGED_SETUPS = {
  "performance mode": {
    fileSystem: {
      performanceMode: PerformanceMode.MAX_IO,
      // maxIO is not available with elastic throughput.
      throughputMode: ThroughputMode.BURSTING,
    },
  },
  "KMS key": { fileSystem: { createKmsKey: true } },
  // Both in-place changes in one plan: each offline plan costs about 5 s of CPU, and the summary must
  // stay banner-free with either; the test checks that both attributes change.
  "throughput mode and lifecycle": {
    fileSystem: {
      throughputMode: ThroughputMode.BURSTING,
      lifecycle: { transitionToIa: LifecycleTransition.AFTER_90_DAYS },
    },
  },
  // The base setup has the default 2 clients.
  "client count": { clients: { placement: "fleet", count: 3 } },
} satisfies Record<string, Change>;
type Setup = keyof typeof CHANGED_SETUPS;

let state: TerraformState;
const plans = {} as Record<Setup, { plan: PlanJson; planText: string }>;

beforeAll(async () => {
  // `plan` validates; the variants below differ from the base only in values.
  state = await appliedState(await planStack(stackDir(), [], { validate: false }));
  // The changed setups are planned together, as one configuration (see `planStacks`), each against its
  // own copy of the base state; `plan` validates, so there is no separate `terraform validate`.
  const dirs = Object.fromEntries(
    (Object.keys(CHANGED_SETUPS) as Setup[]).map((setup) => {
      const dir = stackDir(CHANGED_SETUPS[setup]);
      writeState(dir, state);
      return [setup, dir];
    }),
  ) as Record<Setup, string>;
  const results = await planStacks(dirs, { validate: false });
  for (const setup of Object.keys(results) as Setup[]) {
    plans[setup] = { plan: results[setup].plan, planText: results[setup].planText };
  }
}, 600_000);

// Each plan's text is what `terraform plan` printed (the changed setups were planned together, so it holds
// all of them); `terraform show` of the saved plan prints the same and would load the provider again.

const fileSystemChange = (plan: PlanJson) =>
  plan.resource_changes.find((rc: { address: string }) => rc.address === FILE_SYSTEM).change;

test("the state the changed setups plan against holds the base file system, as applied", () => {
  const fileSystem = state.resources.find((r) => r.type === "aws_efs_file_system");
  expect(fileSystem?.instances[0].attributes).toMatchObject({
    id: expect.stringMatching(/^fs-[0-9a-f]{17}$/),
    arn: expect.stringMatching(/^arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system\/fs-/),
    performance_mode: "generalPurpose",
    throughput_mode: "elastic",
  });
});

test("switching the performance mode shows the banner and names performance_mode", () => {
  // GIVEN a plan that switches generalPurpose to maxIO
  const { plan } = plans["performance mode"];
  expect(fileSystemChange(plan).actions).toEqual(["delete", "create"]);

  // WHEN
  const summary = summarizePlan(plan);
  const { markdown, dataLoss } = renderComment([{ name: "efs", plan }]);

  // THEN
  expect(dataLoss).toBe(true);
  expect(summary.dataLoss).toEqual([
    expect.objectContaining({
      address: FILE_SYSTEM,
      action: "replace",
      forcedBy: [{ path: "performance_mode", before: '"generalPurpose"', after: '"maxIO"' }],
    }),
  ]);
  expect(markdown).toContain("> [!CAUTION]");
  expect(markdown).toContain(
    `\`efs\`: \`${FILE_SYSTEM}\` is **replaced** (destroyed, then created again) because \`performance_mode\` changes (\`"generalPurpose"\` → \`"maxIO"\`)`,
  );
  expect(markdown).toContain("🛑 **Deletes data:** destroys or replaces 1 stateful resource.");
});

test("setting a KMS key on an existing file system shows the banner and names kms_key_id", () => {
  const { plan } = plans["KMS key"];
  const { markdown, dataLoss } = renderComment([{ name: "efs", plan }]);

  expect(dataLoss).toBe(true);
  const [loss] = summarizePlan(plan).dataLoss;
  expect(loss).toMatchObject({ address: FILE_SYSTEM, action: "replace" });
  expect(loss.forcedBy).toEqual([
    { path: "kms_key_id", before: expect.stringContaining('"arn:aws:kms:'), after: "(known after apply)" },
  ]);
  expect(markdown).toMatch(/because `kms_key_id` changes \(`"arn:aws:kms:[^`]+` → `\(known after apply\)`\)/);
});

test("changing the throughput mode and the lifecycle updates the file system in place: no banner", () => {
  const { plan } = plans["throughput mode and lifecycle"];
  const change = fileSystemChange(plan);
  expect(change.actions).toEqual(["update"]);
  expect(change.before.throughput_mode).toBe("elastic");
  expect(change.after.throughput_mode).toBe("bursting");
  expect(change.after.lifecycle_policy).not.toEqual(change.before.lifecycle_policy);

  const summary = summarizePlan(plan);
  const { markdown, dataLoss } = renderComment([{ name: "efs", plan }]);

  expect(dataLoss).toBe(false);
  expect(summary.dataLoss).toEqual([]);
  expect(summary.counts.destroy).toBe(0);
  expect(summary.counts.change).toBeGreaterThanOrEqual(1);
  expect(markdown).not.toContain("[!CAUTION]");
  expect(markdown).toContain("⚠️ **Changes** without data loss.");
  expect(markdown).toMatch(/^Plan: \d+ to add, \d+ to change, 0 to destroy\.$/m);
});

test("adding a client grows the fleet in place and destroys nothing: no banner", () => {
  const { plan } = plans["client count"];
  const summary = summarizePlan(plan);
  const { markdown, dataLoss } = renderComment([{ name: "efs", plan }]);

  expect(dataLoss).toBe(false);
  expect(summary.counts.destroy).toBe(0);
  expect(summary.changes).toEqual([
    expect.objectContaining({
      action: "update",
      address: expect.stringMatching(/^aws_autoscaling_group\.clients_/),
      changedAttributes: expect.arrayContaining(["desired_capacity"]),
    }),
  ]);
  expect(fileSystemChange(plan).actions).toEqual(["no-op"]);
  expect(markdown).not.toContain("[!CAUTION]");
});

test("the CLI summarizes real plan files, shows terraform's text and reports data loss to GitHub", async () => {
  // GIVEN the JSON and text of two stacks' plans, as the workflow writes them
  const dir = mkdtempSync(join(tmpdir(), "plan-summary-cli-"));
  const files = {
    replaced: plans["performance mode"],
    updated: plans["throughput mode and lifecycle"],
  };
  for (const [name, { plan, planText }] of Object.entries(files)) {
    writeFileSync(join(dir, `${name}.plan.json`), JSON.stringify(plan));
    writeFileSync(join(dir, `${name}.plan.txt`), planText);
  }
  const githubOutput = join(dir, "github-output");

  // WHEN
  const { stdout } = await promisify(execFile)(
    join(ROOT, "node_modules", ".bin", "tsx"),
    [
      join(ROOT, "tools", "plan-summary", "cli.ts"),
      "--text",
      `replaced=${join(dir, "replaced.plan.txt")}`,
      "--github-output",
      githubOutput,
      join(dir, "replaced.plan.json"),
      join(dir, "updated.plan.json"),
    ],
    { cwd: dir },
  );

  // THEN
  expect(stdout.split("\n")[0]).toBe("<!-- efs-plan-summary -->");
  expect(stdout).toContain("### `replaced`");
  expect(stdout).toContain("### `updated`");
  expect(stdout.indexOf("[!CAUTION]")).toBeLessThan(stdout.indexOf("### `replaced`"));
  // terraform's own text, with its markers moved to the line start for diff highlighting
  expect(stdout).toMatch(/^-\/\+ resource "aws_efs_file_system" "shared-file-system_B732B056" \{$/m);
  expect(stdout).toMatch(/^~ +performance_mode += "generalPurpose" -> "maxIO" # forces replacement$/m);
  // the stack without a text file gets the compact list
  expect(stdout).toContain(`~ update ${FILE_SYSTEM} (changes `);
  expect(readFileSync(githubOutput, "utf8")).toBe("data-loss=true\n");
});

test("trimming to fit the comment limit keeps the summary and the banner and cuts only plan text", async () => {
  // GIVEN the replacement plan with terraform's full text, longer than the limit
  const { plan, planText } = plans["performance mode"];
  const stacks = [{ name: "efs", plan, planText }];
  const limit = 4_000;
  const full = renderComment(stacks);
  expect(full.markdown.length).toBeGreaterThan(limit);

  // WHEN
  const trimmed = renderComment(stacks, { limit, fullPlanUrl: "https://github.com/o/r/actions/runs/1" });

  // THEN
  const outsideDetails = (markdown: string) => markdown.slice(0, markdown.indexOf("```diff"));
  expect(trimmed.markdown.length).toBeLessThanOrEqual(limit);
  expect(outsideDetails(trimmed.markdown)).toBe(outsideDetails(full.markdown));
  expect(outsideDetails(trimmed.markdown)).toContain("[!CAUTION]");
  const kept = trimmed.markdown.slice(
    trimmed.markdown.indexOf("```diff"),
    trimmed.markdown.indexOf("\n```\n"),
  );
  expect(kept.length).toBeGreaterThan(1_000);
  expect(full.markdown).toContain(kept);
  expect(trimmed.trimmedCharacters).toBe(stacks[0].planText.length - (kept.length - "```diff\n".length) - 1);
  expect(trimmed.markdown).toContain(
    `_… trimmed ${trimmed.trimmedCharacters.toLocaleString("en-US")} characters to fit GitHub's comment limit. ` +
      "The whole plan is in [the CI run](https://github.com/o/r/actions/runs/1)._",
  );
  expect(trimmed.markdown.endsWith("</details>\n")).toBe(true);
});
