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

test("the plan workflow assumes the role from a repository variable and gates data loss on the label", () => {
  expect(planWorkflow).toMatch(
    /^permissions:\n {2}contents: read\n {2}pull-requests: write\n {2}id-token: write\n/m,
  );
  expect(planWorkflow).toContain("role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}");
  expect(planWorkflow).toContain(
    "if: steps.summary.outputs.data-loss == 'true' && !contains(github.event.pull_request.labels.*.name, 'allow-data-loss')",
  );
  expect(planWorkflow).toMatch(/npm run --silent plan-summary -- [^\n]*--github-output "\$GITHUB_OUTPUT"/);
  // the sticky comment is found by the summary's own first line, the marker
  expect(planWorkflow).toContain('const marker = body.split("\\n")[0];');
});
