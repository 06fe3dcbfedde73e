import type { PlanJson } from "../helpers/terraform";

/**
 * Checks of the offline plan of `examples/web-fleet`, in the shape `ExampleExpectations` of
 * `./plan-queries` (helper pkg's consumer test runs every example's checks against the plan of the
 * packed package). `web-fleet.test.ts` runs the same checks against a plan of the example built
 * from this repository's modules.
 */
type Plans = Readonly<Record<string, PlanJson>>;
export const expectations: { readonly checks: Readonly<Record<string, (plans: Plans) => void>> } = {
  checks: {
    "the fleet registers with the load balancer's target group and takes its health checks": (plans) => {
      const plan = planOf(plans);
      const [group] = resources(plan, "aws_autoscaling_group");
      expect(group?.after).toMatchObject({ health_check_type: "ELB", min_size: 2, max_size: 2 });
      const [targetGroup] = resources(plan, "aws_lb_target_group");
      expect(referencesOf(plan, group?.address, "target_group_arns")).toContain(
        `${targetGroup?.address}.arn`,
      );
      const [listener] = resources(plan, "aws_lb_listener");
      expect(listener?.after).toMatchObject({ port: 80, protocol: "HTTP" });
    },

    "an SSM Command document runs the installed sync script on the fleet": (plans) => {
      const [document] = resources(planOf(plans), "aws_ssm_document");
      expect(document?.after).toMatchObject({
        name: "web-fleet-web-sync-code",
        document_type: "Command",
        target_type: "/AWS::EC2::Instance",
      });
      const step = JSON.parse(document?.after.content).mainSteps[0];
      expect(step.action).toBe("aws:runShellScript");
      expect(step.inputs.runCommand).toEqual([
        "set -a; . /etc/sync-code.env; set +a",
        "exec /usr/local/sbin/sync-code {{ action }}",
      ]);
      // SSM refuses any action but these two before the script runs.
      expect(JSON.parse(document?.after.content).parameters.action.allowedValues).toEqual([
        "sync",
        "rollback",
      ]);
    },

    "the machines are tagged for Run Command, and the output says how to sync them": (plans) => {
      const plan = planOf(plans);
      const [template] = resources(plan, "aws_launch_template");
      const instanceTags = template?.after.tag_specifications.find(
        (spec: { resource_type: string }) => spec.resource_type === "instance",
      );
      expect(instanceTags.tags).toMatchObject({ CodeSyncGroup: "web-fleet-web" });
      expect(plan.planned_values.outputs.code_sync_command.value).toBe(
        "aws ssm send-command --region eu-west-1 --document-name web-fleet-web-sync-code --targets Key=tag:CodeSyncGroup,Values=web-fleet-web --max-concurrency 10% --max-errors 0 --query Command.CommandId --output text",
      );
    },

    "HTTP reaches the fleet only from the load balancer": (plans) => {
      const plan = planOf(plans);
      const [lb] = resources(plan, "aws_lb");
      const albGroup = referencesOf(plan, lb?.address, "security_groups").find(
        (ref) => ref.split(".").length === 2,
      );
      const httpIn = resources(plan, "aws_vpc_security_group_ingress_rule").filter(
        (r) => r.after.from_port === 80,
      );
      const fromAlb = httpIn.filter((r) =>
        referencesOf(plan, r.address, "referenced_security_group_id").includes(albGroup ?? "-"),
      );
      expect(fromAlb).toHaveLength(1);
      expect(httpIn.filter((r) => r.after.cidr_ipv4 === "0.0.0.0/0")).toHaveLength(1); // the load balancer's own
    },
  },
};

function planOf(plans: Plans): PlanJson {
  const plan = plans["web-fleet"];
  if (!plan) throw new Error(`no plan for stack web-fleet; got ${Object.keys(plans)}`);
  return plan;
}

function resources(plan: PlanJson, type: string): { address: string; after: any }[] {
  return (plan.resource_changes ?? [])
    .filter((change: any) => change.type === type)
    .map((change: any) => ({ address: change.address, after: change.change.after ?? {} }));
}

/** The references of a resource's configured attribute (what a value unknown at plan points at). */
function referencesOf(plan: PlanJson, address: string | undefined, attribute: string): string[] {
  const resource = (plan.configuration?.root_module?.resources ?? []).find((r: any) => r.address === address);
  return resource?.expressions?.[attribute]?.references ?? [];
}
