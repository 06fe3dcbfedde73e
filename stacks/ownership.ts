/**
 * How the deployer policy (`tools/deployer-policy`) recognises what these stacks own: every resource
 * carries the ownership tag (the provider's default tags; settings cannot override it), and every
 * role and instance profile lives under the IAM path. Changing either locks the deployer out of
 * the resources it made.
 */
export const OWNERSHIP_TAG = { key: "Project", value: "efs-shared-home" } as const;

/** The IAM path of every role and instance profile the stacks create: `role/efs-shared-home/...`. */
export const STACK_IAM_PATH = "/efs-shared-home/";

/** The provider's default tags of stack `name`: the ownership tag always wins over `tags`. */
export function stackDefaultTags(
  name: string,
  tags: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  return { Stack: name, ManagedBy: "cdktf", ...tags, [OWNERSHIP_TAG.key]: OWNERSHIP_TAG.value };
}
