import { addressByName, ExampleExpectations, planned, planOf } from "./plan-queries";

const STACK = "byo-vpc";
const VPC_ID = "vpc-0a1b2c3d4e5f60718";
const PRIVATE_SUBNET_IDS = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"];

export const expectations: ExampleExpectations = {
  checks: {
    "creates no network, role or application security group: those exist already": (plans) => {
      const plan = planOf(plans, STACK);
      expect(new Set(planned(plan).flatMap((r) => r.actions))).toEqual(new Set(["create"]));
      const types = new Set(planned(plan).map((r) => r.type));
      for (const type of ["aws_vpc", "aws_subnet", "aws_iam_role", "aws_internet_gateway"]) {
        expect(types).not.toContain(type);
      }
      // Only the module's own two groups: the mount targets' and the client marker.
      const groups = planned(plan, "aws_security_group");
      expect(groups.map((g) => g.after.vpc_id)).toEqual([VPC_ID, VPC_ID]);
    },

    "puts the mount targets in the existing private subnets": (plans) => {
      const mountTargets = planned(planOf(plans, STACK), "aws_efs_mount_target");
      expect(mountTargets.map((m) => m.after.subnet_id).sort()).toEqual(PRIVATE_SUBNET_IDS);
    },

    "allows NFS from the existing security group, by id": (plans) => {
      const rules = planned(planOf(plans, STACK), "aws_vpc_security_group_ingress_rule").filter(
        (r) => r.after.referenced_security_group_id === "sg-0123456789abcdef0",
      );
      expect(rules.map((r) => [r.after.ip_protocol, r.after.from_port, r.after.to_port])).toEqual([
        ["tcp", 2049, 2049],
      ]);
    },

    "grants the existing role, by ARN, through the access point": (plans) => {
      const plan = planOf(plans, STACK);
      const accessPoint = addressByName(plan, "aws_efs_access_point", "home_access-point-app");
      const [ap] = planned(plan, "aws_efs_access_point");
      expect(ap?.after.root_directory[0].path).toBe("/app");
      expect(ap?.after.posix_user[0]).toMatchObject({ uid: 1000, gid: 1000 });
      const grants = planned(plan, "aws_iam_role_policy");
      expect(grants.map((g) => g.after.role)).toEqual(["app-server"]);
      // The policy text is known only at apply (it holds the ARNs); its references show the scoping.
      expect(grants[0]?.references.policy).toContain(accessPoint);
    },

    "subscribes the platform team to the alarms": (plans) => {
      const plan = planOf(plans, STACK);
      const subscriptions = planned(plan, "aws_sns_topic_subscription");
      expect(subscriptions.map((s) => [s.after.protocol, s.after.endpoint])).toEqual([
        ["email", "platform-team@example.com"],
      ]);
      const alarms = planned(plan, "aws_cloudwatch_metric_alarm");
      expect(alarms.length).toBeGreaterThan(0);
      const topic = addressByName(plan, "aws_sns_topic", "monitoring_");
      for (const alarm of alarms) expect(alarm.references.alarm_actions).toContain(topic);
    },
  },
};
