import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  actionsFor,
  deployerPolicy,
  deployerPolicyFiles,
  everyFeatureResourceTypes,
  MANAGED_POLICY_MAX_CHARS,
  policyParts,
  REGENERATE_COMMAND,
} from "../../tools/deployer-policy/index";
import { BOUNDARY_FILE, permissionsBoundaryText } from "../../tools/deployer-policy/boundary";
import { FEATURE_SETTINGS } from "../../tools/deployer-policy/features";
import { actionExists, takesConditionKey } from "../helpers/iam-dataset";

const ROOT = join(__dirname, "..", "..");
// One synth of every stack for every feature, shared by the tests below.
const resourceTypes = everyFeatureResourceTypes();
const policy = deployerPolicy(resourceTypes);
const boundary = JSON.parse(permissionsBoundaryText());
type Statement = {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Condition?: Record<string, object>;
};
const allStatements: Statement[] = [...policy.Statement, ...boundary.Statement];

test("the stacks of every feature synthesize the types that sample configs never reach, and all are mapped", () => {
  // GIVEN settings with every feature on (private hosts, a fleet, code sync, replication, ...)
  // THEN the types that made the old generator throw are among them, and none is unmapped
  expect(resourceTypes).toEqual(
    expect.arrayContaining([
      "aws_autoscaling_group",
      "aws_ssm_document",
      "aws_vpc_endpoint",
      "aws_efs_replication_configuration",
    ]),
  );
  expect(() => actionsFor(resourceTypes)).not.toThrow();
});

test("a resource type missing from the map fails the generation, naming it", () => {
  expect(() => deployerPolicy(["aws_efs_file_system", "aws_nat_gateway"])).toThrow(
    "no IAM actions for resource type(s) aws_nat_gateway: add them to ACTIONS_BY_RESOURCE_TYPE in tools/deployer-policy/actions.ts",
  );
});

test("every key of the settings schema is set by at least one of the feature settings", () => {
  // GIVEN the generated JSON schema of the settings file
  const schema = JSON.parse(readFileSync(join(ROOT, "config", "settings.schema.json"), "utf8"));
  const paths: string[] = [];
  const walk = (node: any, path: string) => {
    for (const [key, child] of Object.entries<any>(node.properties ?? {})) {
      if (key === "$schema") continue;
      const childPath = path ? `${path}.${key}` : key;
      paths.push(childPath);
      if (child.type === "object" && child.properties) walk(child, childPath);
      else if (child.type === "object" && typeof child.additionalProperties === "object") {
        walk(child.additionalProperties, `${childPath}.*`);
      }
    }
  };
  walk(schema, "");
  // WHEN each path is looked up in every feature settings file
  const isSet = (value: any, parts: string[]): boolean => {
    if (parts.length === 0) return value !== undefined;
    if (value === null || typeof value !== "object") return false;
    const [head, ...rest] = parts;
    return head === "*" ? Object.values(value).some((child) => isSet(child, rest)) : isSet(value[head], rest);
  };
  const unset = paths.filter(
    (path) => !Object.values(FEATURE_SETTINGS).some((settings) => isSet(settings, path.split("."))),
  );
  // THEN none is left out: a new setting fails here until a feature file switches it on
  expect(unset).toEqual([]);
});

test("the committed deployer policies and boundary are the ones generated from the current stacks", () => {
  // On failure: run `npx tsx tools/deployer-policy/cli.ts` and commit the files.
  const files = deployerPolicyFiles();
  for (const [file, text] of [...Object.entries(files), [BOUNDARY_FILE, permissionsBoundaryText()]]) {
    expect({
      file,
      regenerate: REGENERATE_COMMAND,
      document: JSON.parse(readFileSync(join(ROOT, file), "utf8")),
    }).toEqual({ file, regenerate: REGENERATE_COMMAND, document: JSON.parse(text) });
  }
  // The single file of old would be an admin-equivalent leftover.
  expect(existsSync(join(ROOT, "docs", "deployer-policy.json"))).toBe(false);
});

test("each part fits a managed policy, and the parts hold every statement once", () => {
  const parts = policyParts(policy);
  for (const [part, document] of Object.entries(parts)) {
    expect({ part, chars: JSON.stringify(document).length <= MANAGED_POLICY_MAX_CHARS }).toEqual({
      part,
      chars: true,
    });
  }
  const sids = Object.values(parts).flatMap((document) => document.Statement.map((s) => s.Sid));
  expect(sids.sort()).toEqual(policy.Statement.map((s) => s.Sid).sort());
});

test("every action in the deployer policy and the boundary exists in the IAM dataset", async () => {
  const actions = [...new Set(allStatements.flatMap((s) => [s.Action].flat()))];
  const missing: string[] = [];
  for (const action of actions) if (!(await actionExists(action))) missing.push(action);
  expect(missing).toEqual([]);
  // No wildcards: each action is one the dataset names.
  expect(actions.filter((action) => action.includes("*"))).toEqual([]);
});

test("every condition key of an Allow is one that each of its actions takes, per the IAM dataset", async () => {
  // An Allow whose key the action never receives never matches: the deploy would fail AccessDenied.
  const mismatches: string[] = [];
  for (const statement of allStatements.filter((s) => s.Effect === "Allow" && s.Condition)) {
    const keys = Object.values(statement.Condition!).flatMap((operands) => Object.keys(operands));
    for (const action of [statement.Action].flat()) {
      for (const key of keys) {
        if (!(await takesConditionKey(action, key))) mismatches.push(`${statement.Sid}: ${action} ${key}`);
      }
    }
  }
  expect(mismatches).toEqual([]);
});

test("the boundary fits one managed policy", () => {
  expect(JSON.stringify(boundary).length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
});

test("the boundary holds no IAM, STS or Organizations action", () => {
  const actions = boundary.Statement.flatMap((s: Statement) => [s.Action].flat());
  expect(actions.filter((a: string) => /^(iam|sts|organizations|account):/.test(a))).toEqual([]);
});
