import {
  expectAccessPointOnlyGrant,
  mountTargetAddresses,
  onlyAddress,
  plannedConfiguration,
} from "./access-point-grant";
import { ExampleExpectations, planned, planOf, stackOf } from "./plan-queries";

const STACK = "ecs-fargate";

export const expectations: ExampleExpectations = {
  checks: {
    "scopes the task role to the access point in both policies, and denies it the file-system root": (
      plans,
      synthesized,
    ) => {
      expectAccessPointOnlyGrant(planOf(plans, STACK), stackOf(synthesized, STACK), "aws_iam_role.task-role");
    },

    "the task mounts with TLS, IAM and the access point, on Fargate 1.4.0, after the mount targets": (
      plans,
      synthesized,
    ) => {
      const plan = planOf(plans, STACK);
      const json = stackOf(synthesized, STACK);
      const [taskDefinition] = planned(plan, "aws_ecs_task_definition");
      expect(taskDefinition?.after.volume).toEqual([
        expect.objectContaining({
          name: "web-content",
          efs_volume_configuration: [
            expect.objectContaining({
              transit_encryption: "ENABLED",
              authorization_config: [expect.objectContaining({ iam: "ENABLED" })],
            }),
          ],
        }),
      ]);
      const volume = plannedConfiguration(plan, taskDefinition?.address ?? "").expressions.volume[0]
        .efs_volume_configuration[0];
      expect(volume.authorization_config[0].access_point_id.references).toContain(
        `${onlyAddress(json, "aws_efs_access_point")}.id`,
      );
      const [service] = planned(plan, "aws_ecs_service");
      expect(service?.after).toMatchObject({ launch_type: "FARGATE", platform_version: "1.4.0" });
      expect([...plannedConfiguration(plan, service?.address ?? "").depends_on].sort()).toEqual(
        mountTargetAddresses(json),
      );
    },
  },
};
