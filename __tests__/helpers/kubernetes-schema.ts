import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Validates Kubernetes manifests against the Kubernetes OpenAPI schema with `kubernetes-models`
 * (each model's `validate()`), and returns one problem per invalid manifest (empty when all pass).
 *
 * `kubernetes-models` ships ES modules only, which jest's CommonJS runtime cannot load, so the
 * validation runs in a child `node` process that imports the model of each manifest's kind.
 */
export function kubernetesSchemaProblems(manifests: readonly object[]): string[] {
  const script = `
    const manifests = JSON.parse(process.argv[1]);
    const problems = [];
    for (const manifest of manifests) {
      const group = manifest.apiVersion.includes("/") ? manifest.apiVersion : "v1";
      const path = "kubernetes-models/" + group + "/" + manifest.kind;
      const model = (await import(path))[manifest.kind];
      try {
        new model(manifest).validate();
      } catch (error) {
        problems.push(manifest.kind + " " + manifest.metadata?.name + ": " + error.message);
      }
    }
    console.log(JSON.stringify(problems));
  `;
  const stdout = execFileSync(
    process.execPath,
    ["--input-type=module", "--eval", script, JSON.stringify(manifests)],
    { cwd: resolve(__dirname, "..", ".."), encoding: "utf8" },
  );
  return JSON.parse(stdout) as string[];
}
