import { LocalBackend, TerraformStack } from "cdktf";

/**
 * A local backend with a path relative to the stack's working directory
 * (`cdktf.out/stacks/<stack>`), so the state file lands in the project root, where cdktf keeps it,
 * without writing the build machine's absolute path into the synthesized JSON.
 */
export function useLocalBackend(stack: TerraformStack, stackName: string): void {
  new LocalBackend(stack, { path: `../../../terraform.${stackName}.tfstate` });
}
