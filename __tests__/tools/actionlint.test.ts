import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lintWorkflow, workflowFiles } from "../../tools/actionlint";

const PLAN_WORKFLOW = join(__dirname, "..", "..", ".github", "workflows", "plan.yml");
const planWorkflow = readFileSync(PLAN_WORKFLOW, "utf8");

test("every workflow, the plan workflow included, passes actionlint", async () => {
  expect(workflowFiles()).toContain(PLAN_WORKFLOW);
  for (const file of workflowFiles()) {
    expect(await lintWorkflow(readFileSync(file, "utf8"), file)).toEqual([]);
  }
});

test("actionlint catches a broken plan workflow: a step output read from a misspelt step id", async () => {
  // GIVEN the plan workflow with its data-loss check pointing at a step that does not exist
  const broken = planWorkflow.replace("steps.summary.outputs.data-loss", "steps.sumary.outputs.data-loss");
  expect(broken).not.toBe(planWorkflow);

  // WHEN
  const results = await lintWorkflow(broken, "plan.yml");

  // THEN
  expect(results.map((r) => r.message)).toEqual([expect.stringMatching(/property "sumary" is not defined/)]);
});

test("only the old linter's false finding on the vars context is dropped: other undefined contexts are reported", async () => {
  const workflow = [
    "on: push",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - run: echo ${{ vars.ROLE }}",
    // actionlint reports one problem per string at most, so the typo gets a step of its own.
    "      - run: echo ${{ varz.ROLE }}",
    "",
  ].join("\n");
  const results = await lintWorkflow(workflow, "w.yml");
  expect(results.map((r) => r.message)).toEqual([expect.stringMatching(/^undefined variable "varz"/)]);
});

/** The text of one job of the plan workflow: from its `  <name>:` line to the next job. */
function jobOf(name: string): string {
  const match = new RegExp(`^  ${name}:\\n((?: {4,}.*\\n|\\n)*)`, "m").exec(planWorkflow);
  if (!match) throw new Error(`no job ${name} in plan.yml`);
  return match[1];
}

/** Each step of a job as its action (`uses: ...`) or its command (`run: ...`, the first line of a block). */
function stepsOf(job: string): string[] {
  return job
    .split(/^ {6}- /m)
    .slice(1)
    .map((step) => {
      const uses = /^(?: {8})?uses: (.*)$/m.exec(step);
      if (uses) return `uses: ${uses[1]}`;
      const run = /^(?: {8})?run: (?:\|\n\s*)?(.*)$/m.exec(step);
      if (run) return `run: ${run[1]}`;
      throw new Error(`a step with neither uses nor run: ${step}`);
    });
}

test("the workflow grants nothing by default; only the plan job may mint an OIDC token", () => {
  expect(planWorkflow).toMatch(/^permissions: \{\}\n/m);
  expect(jobOf("test")).toMatch(/^ {4}permissions:\n {6}contents: read\n {4}steps:/m);
  expect(jobOf("test")).not.toMatch(/^ +id-token:/m);
  expect(jobOf("plan")).toMatch(
    /^ {4}permissions:\n {6}contents: read\n {6}pull-requests: write\n {6}id-token: write\n/m,
  );
  // the role's trust policy names this environment in its `sub` condition (docs/operations.md)
  expect(jobOf("plan")).toMatch(/^ {4}environment: terraform-plan\n/m);
  expect(jobOf("plan")).toMatch(/^ {4}needs: test\n/m);
});

test("no checkout leaves the GITHUB_TOKEN in .git/config", () => {
  const checkouts = [...planWorkflow.matchAll(/- uses: actions\/checkout@v4\n((?: {8}.*\n)*)/g)];
  expect(checkouts).toHaveLength(2);
  for (const [, inputs] of checkouts) expect(inputs).toMatch(/^ {10}persist-credentials: false$/m);
});

test("the plan job runs no code of the pull request: base-commit tools, no npm scripts, synth done before", () => {
  const plan = jobOf("plan");
  expect(plan).toContain("ref: ${{ github.event.pull_request.base.sha }}");
  expect(stepsOf(plan)).toEqual([
    "uses: actions/checkout@v4",
    "uses: actions/setup-node@v4",
    "uses: hashicorp/setup-terraform@v3",
    "run: npm ci --no-audit --no-fund --ignore-scripts",
    "uses: actions/download-artifact@v4",
    "uses: aws-actions/configure-aws-credentials@v4",
    "run: mkdir -p plans",
    "run: args=()",
    "uses: actions/upload-artifact@v4",
    "uses: actions/github-script@v7",
    'run: echo "::error title=Data loss::This plan destroys or replaces a stateful resource (see the plan comment). If that is intended, restore or back up the data first, then add the allow-data-loss label."',
  ]);
  expect(plan).not.toMatch(/npm (run )?(test|synth|lint)\b/);
  // nor a cache the test job, which runs the pull request's code, could have written
  expect(plan).not.toMatch(/^ +cache:/m);
  // the pull request's code runs in the test job, which hands on only the synthesized stacks
  expect(stepsOf(jobOf("test"))).toEqual([
    "uses: actions/checkout@v4",
    "uses: actions/setup-node@v4",
    "run: npm ci --no-audit --no-fund",
    "run: npm run lint",
    "run: npm test",
    "run: npm run synth",
    "uses: actions/upload-artifact@v4",
  ]);
});

test("the plan job assumes the role from a repository variable and gates data loss on the label", () => {
  const plan = jobOf("plan");
  expect(plan).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
  expect(plan).toContain(
    "if: steps.summary.outputs.data-loss == 'true' && !contains(github.event.pull_request.labels.*.name, 'allow-data-loss')",
  );
  expect(plan).toMatch(/npm run --silent plan-summary -- [^\n]*--github-output "\$GITHUB_OUTPUT"/);
  // the sticky comment is found by the summary's own first line, the marker
  expect(plan).toContain('const marker = body.split("\\n")[0];');
});
