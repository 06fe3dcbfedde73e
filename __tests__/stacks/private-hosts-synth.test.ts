import { Testing } from "cdktf";
import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Network } from "../../modules/network";
import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";
import { EfsStack } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";
import { configsOf, resourcesOf, synth, testStack, TerraformJson } from "../helpers/synth";

// Fast, synth-level checks of what only the offline plans caught before (issue #23): hosts in private
// subnets get no public IP anywhere, and each host group may call the VPC endpoints on HTTPS.

const BASE = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] };

function stacksFor(settings: object) {
  const props = toStackProps(parseSettings({ ...BASE, ...settings }, "env.json"));
  const app = Testing.app();
  return {
    efs: synth(new EfsStack(app, "efs", props)),
    "efs-with-backup": synth(new EfsWithBackupStack(app, "efs-with-backup", props)),
  };
}

function efsStackFor(settings: object) {
  return synth(
    new EfsStack(Testing.app(), "efs", toStackProps(parseSettings({ ...BASE, ...settings }, "env.json"))),
  );
}

/** The one resource of `type` whose Terraform name starts with `prefix`, as `${type.name}`. */
function addressStartingWith(json: TerraformJson, type: string, prefix: string): string {
  const names = Object.keys(resourcesOf(json, type)).filter((name) => name.startsWith(prefix));
  expect(names).toHaveLength(1);
  return `${type}.${names[0]}`;
}

/** Protocol, ports and source group of each ingress rule on the endpoints' security group. */
function endpointIngress(json: TerraformJson) {
  const group = `\${${addressStartingWith(json, "aws_security_group", "network_endpoints_security-group_")}.id}`;
  return configsOf(json, "aws_vpc_security_group_ingress_rule")
    .filter((rule) => rule.security_group_id === group)
    .map((rule) => ({
      protocol: rule.ip_protocol,
      ports: [rule.from_port, rule.to_port],
      cidr: rule.cidr_ipv4,
      source: rule.referenced_security_group_id,
    }));
}

describe('network.hostSubnets: "private"', () => {
  const stacks = stacksFor({ network: { hostSubnets: "private" } });

  test.each(Object.keys(stacks) as (keyof typeof stacks)[])(
    "%s: no subnet hands out public IPs and no host asks for one",
    (name) => {
      const json = stacks[name];
      const subnets = configsOf(json, "aws_subnet");
      expect(subnets).toHaveLength(4);
      expect(subnets.map((s) => s.map_public_ip_on_launch)).toEqual([false, false, false, false]);
      const instances = configsOf(json, "aws_instance");
      expect(instances).toHaveLength(name === "efs" ? 2 : 3);
      for (const instance of instances) {
        expect(instance.associate_public_ip_address).toBe(false);
        expect(instance.subnet_id).toMatch(/^\$\{aws_subnet\.network_private-subnet-eu-west-1[ab]_/);
      }
    },
  );

  test("a fleet (which follows its subnets' setting) launches only into private subnets, which map no public IP", () => {
    const efs = efsStackFor({ network: { hostSubnets: "private" }, clients: { placement: "fleet" } });
    const [group] = configsOf(efs, "aws_autoscaling_group");
    expect(group.vpc_zone_identifier).toEqual([
      expect.stringMatching(/^\$\{aws_subnet\.network_private-subnet-eu-west-1a_/),
      expect.stringMatching(/^\$\{aws_subnet\.network_private-subnet-eu-west-1b_/),
    ]);
    expect(configsOf(efs, "aws_subnet").every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    expect(JSON.stringify(configsOf(efs, "aws_launch_template"))).not.toMatch(
      /associate_public_ip_address":\s*"?true/,
    );
  });

  test.each([
    ["efs", ["clients_admin-security-group_"]],
    ["efs-with-backup", ["backup-host_admin-security-group_", "clients_admin-security-group_"]],
  ] as const)("%s: the endpoints take HTTPS from each host group, and from nothing else", (name, groups) => {
    const json = stacks[name];
    expect(endpointIngress(json).sort((a, b) => a.source.localeCompare(b.source))).toEqual(
      groups.map((group) => ({
        protocol: "tcp",
        ports: [443, 443],
        cidr: undefined,
        source: `\${${addressStartingWith(json, "aws_security_group", group)}.id}`,
      })),
    );
  });
});

describe('network.hostSubnets: "public" (the default)', () => {
  const stacks = stacksFor({});

  test.each(Object.keys(stacks) as (keyof typeof stacks)[])(
    "%s: only the public subnets hand out public IPs, and no endpoints are made",
    (name) => {
      const json = stacks[name];
      const mapping = configsOf(json, "aws_subnet").map((s) => [s.tags.Name, s.map_public_ip_on_launch]);
      expect(mapping.sort()).toEqual([
        ["efs-private-eu-west-1a", false],
        ["efs-private-eu-west-1b", false],
        ["efs-public-eu-west-1a", true],
        ["efs-public-eu-west-1b", true],
      ]);
      for (const instance of configsOf(json, "aws_instance")) {
        expect(instance).not.toHaveProperty("associate_public_ip_address");
      }
      expect(configsOf(json, "aws_vpc_endpoint")).toEqual([]);
    },
  );
});

test("two host groups with the same construct id in different scopes each get their HTTPS rule", () => {
  // GIVEN: the stacks' clients and backup host both call their group "admin-security-group"
  const stack = testStack();
  const network = new Network(stack, "network", {
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    vpcEndpoints: { region: "eu-west-1" },
  });
  const groups = ["clients", "backup-host"].map(
    (host) => new SecurityGroup(new Construct(stack, host), "admin-security-group", {}),
  );
  // WHEN
  for (const group of groups) network.endpoints!.allowHttpsFrom(group);
  const json = synth(stack);
  // THEN
  expect(
    endpointIngress(json)
      .map((rule) => rule.source)
      .sort(),
  ).toEqual([
    expect.stringMatching(/^\$\{aws_security_group\.backup-host_admin-security-group_[0-9A-F]+\.id\}$/),
    expect.stringMatching(/^\$\{aws_security_group\.clients_admin-security-group_[0-9A-F]+\.id\}$/),
  ]);
});
