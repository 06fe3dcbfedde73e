import { addressByName, ExampleExpectations, planned, planOf } from "./plan-queries";

const STACK = "two-file-systems";

export const expectations: ExampleExpectations = {
  checks: {
    "plans two encrypted file systems and only creates": (plans) => {
      const plan = planOf(plans, STACK);
      expect(new Set(planned(plan).flatMap((r) => r.actions))).toEqual(new Set(["create"]));
      const fileSystems = planned(plan, "aws_efs_file_system");
      expect(fileSystems.map((f) => f.after.encrypted)).toEqual([true, true]);
    },

    "grants the one role on both file systems through two inline policies with distinct names": (plans) => {
      const plan = planOf(plans, STACK);
      const role = addressByName(plan, "aws_iam_role", "app-role");
      const grants = planned(plan, "aws_iam_role_policy").filter((p) => p.references.role?.includes(role));
      expect(grants).toHaveLength(2);
      // Two inline policies of one name on one role overwrite each other in AWS and never settle. A name
      // is either known at plan, or built from what it references (e.g. its file system's id).
      const names = grants.map((g) => g.after.name ?? `references ${g.references.name?.join(", ")}`);
      expect(names.filter((name) => typeof name !== "string" || name === "references undefined")).toEqual([]);
      expect(new Set(names).size).toBe(2);
    },

    "allows the one security group into each file system's own mount-target group": (plans) => {
      const plan = planOf(plans, STACK);
      const appGroup = addressByName(plan, "aws_security_group", "app-security-group");
      const rules = planned(plan, "aws_vpc_security_group_ingress_rule").filter((r) =>
        r.references.referenced_security_group_id?.includes(appGroup),
      );
      expect(rules.map((r) => [r.after.ip_protocol, r.after.from_port, r.after.to_port])).toEqual([
        ["tcp", 2049, 2049],
        ["tcp", 2049, 2049],
      ]);
      const targets = rules.map((r) => r.references.security_group_id?.[0]);
      const mountTargetGroups = planned(plan, "aws_security_group")
        .map((g) => g.address)
        .filter((address) => address.includes("mount-target-security-group"));
      expect(new Set(targets)).toEqual(new Set(mountTargetGroups));
      expect(mountTargetGroups).toHaveLength(2);
    },
  },
};
