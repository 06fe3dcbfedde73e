import {
  expectAccessPointOnlyGrant,
  mountTargetAddresses,
  onlyAddress,
  plannedConfiguration,
} from "./access-point-grant";
import { ExampleExpectations, planned, planOf, stackOf } from "./plan-queries";

const STACK = "lambda";

export const expectations: ExampleExpectations = {
  checks: {
    "scopes the function role to the access point in both policies, and denies it the file-system root": (
      plans,
      synthesized,
    ) => {
      expectAccessPointOnlyGrant(
        planOf(plans, STACK),
        stackOf(synthesized, STACK),
        "aws_iam_role.function-role",
      );
    },

    "the function mounts the access point at /mnt/data from the VPC, after the mount targets": (
      plans,
      synthesized,
    ) => {
      const plan = planOf(plans, STACK);
      const json = stackOf(synthesized, STACK);
      const [fn] = planned(plan, "aws_lambda_function");
      expect(fn?.after.file_system_config).toEqual([
        expect.objectContaining({ local_mount_path: "/mnt/data" }),
      ]);
      const config = plannedConfiguration(plan, fn?.address ?? "");
      expect(config.expressions.file_system_config[0].arn.references).toContain(
        `${onlyAddress(json, "aws_efs_access_point")}.arn`,
      );
      expect(config.expressions.vpc_config[0].subnet_ids.references).toEqual(
        expect.arrayContaining([expect.stringMatching(/^aws_subnet\.network_private-subnet-eu-west-1a_/)]),
      );
      expect([...config.depends_on].sort()).toEqual(mountTargetAddresses(json));
    },
  },
};
