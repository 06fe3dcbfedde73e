import { join } from "node:path";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";
import { fullSynth } from "../helpers/synth";
import { planStack, PlanResult, plannedResources } from "../helpers/terraform";
import { EXISTING_NETWORK, MINIMAL_SETTINGS } from "./fixtures";

// `network.existing` from a settings file, through toStackProps and Network.fromExisting, planned
// offline: the ids are plain strings, so the plan needs no AWS call and creates no network.
// (The stack's configuration itself is validated by the plan tests in __tests__/stacks.)

const SETTINGS = { ...MINIMAL_SETTINGS, network: { existing: EXISTING_NETWORK } };

let result: PlanResult;

beforeAll(async () => {
  const props = toStackProps(parseSettings(SETTINGS, "existing-vpc.json"));
  const outdir = fullSynth((app) => new EfsWithBackupStack(app, "efs-with-backup", props));
  result = await planStack(join(outdir, "stacks", "efs-with-backup"), [], { validate: false });
});

test("plans no VPC, subnet or route, only what goes into the existing network", () => {
  const types = new Set((result.plan.resource_changes ?? []).map((change: any) => change.type));
  for (const type of ["aws_vpc", "aws_subnet", "aws_route_table", "aws_internet_gateway", "aws_flow_log"]) {
    expect(types.has(type)).toBe(false);
  }
  expect(
    (result.plan.resource_changes ?? []).every((change: any) => change.change.actions[0] === "create"),
  ).toBe(true);
});

test("puts the mount targets in the private subnets and the machines in the public ones, by id", () => {
  const mountTargets = plannedResources(result.plan, "aws_efs_mount_target").map((m) => m.after.subnet_id);
  expect(mountTargets.sort()).toEqual(["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]);
  const instances = plannedResources(result.plan, "aws_instance").map((i) => [
    i.after.availability_zone,
    i.after.subnet_id,
  ]);
  // Two clients, one per AZ, and the backup host in the first public subnet.
  expect(instances.sort()).toEqual([
    ["eu-west-1a", "subnet-0aaaaaaaaaaaaaaa1"],
    ["eu-west-1a", "subnet-0aaaaaaaaaaaaaaa1"],
    ["eu-west-1b", "subnet-0aaaaaaaaaaaaaaa2"],
  ]);
  const groups = plannedResources(result.plan, "aws_security_group").map((g) => g.after.vpc_id);
  expect(groups.length).toBeGreaterThan(0);
  expect(new Set(groups)).toEqual(new Set(["vpc-0123456789abcdef0"]));
  expect(result.plan.planned_values.outputs.vpc_id.value).toBe("vpc-0123456789abcdef0");
  expect(result.plan.planned_values.outputs.public_subnet_ids.value).toEqual({
    "eu-west-1a": "subnet-0aaaaaaaaaaaaaaa1",
    "eu-west-1b": "subnet-0aaaaaaaaaaaaaaa2",
  });
});
