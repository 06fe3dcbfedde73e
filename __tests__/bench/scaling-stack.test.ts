import { Testing } from "cdktf";
import { ScalingStack } from "../../bench/scaling-stack";
import { configsOf, synth, TerraformJson } from "../helpers/synth";

/** What the scaling benchmark measures must be what it claims: N file systems, each complete. */
describe("the scaling benchmark's stack", () => {
  let json: TerraformJson;

  beforeAll(() => {
    // GIVEN / WHEN a stack of three file systems
    json = synth(new ScalingStack(Testing.app(), "scaling", { fileSystems: 3 }));
  });

  test("holds one file system per count, each with its own name", () => {
    const names = configsOf(json, "aws_efs_file_system").map((fs) => fs.tags.Name);
    expect(names.sort()).toEqual(["home-1", "home-2", "home-3"]);
  });

  test("gives every file system a mount target in each of the two AZs", () => {
    expect(configsOf(json, "aws_efs_mount_target")).toHaveLength(6);
  });

  test("gives every file system its mount-target and client security groups", () => {
    expect(configsOf(json, "aws_security_group")).toHaveLength(6);
  });

  test("gives every file system its own alarms and dashboard", () => {
    const alarms = configsOf(json, "aws_cloudwatch_metric_alarm");
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    expect(alarms.length % 3).toBe(0);
    expect(configsOf(json, "aws_cloudwatch_dashboard")).toHaveLength(3);
  });

  test("shares one network", () => {
    expect(configsOf(json, "aws_vpc")).toHaveLength(1);
  });

  test("refuses a count that is not a whole number of 1 or more", () => {
    expect(() => new ScalingStack(Testing.app(), "scaling", { fileSystems: 0 })).toThrow(
      "fileSystems: 0 is not allowed; use a whole number of 1 or more",
    );
  });
});
