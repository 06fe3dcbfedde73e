import { Lazy, Token } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Network } from "../../modules/network";
import {
  configsOf,
  onlyResource,
  parsePolicy,
  resourcesOf,
  synth,
  testStack,
  TerraformJson,
} from "../helpers/synth";

const AZS = ["eu-west-1a", "eu-west-1b"];

function networkJson(props: Partial<ConstructorParameters<typeof Network>[2]> = {}) {
  const stack = testStack();
  const network = new Network(stack, "network", { availabilityZones: AZS, ...props });
  return { network, json: synth(stack) };
}

describe("Network", () => {
  test("creates a VPC with DNS support and DNS hostnames on", () => {
    // GIVEN / WHEN
    const { json } = networkJson();
    // THEN
    expect(onlyResource(json, "aws_vpc")).toMatchObject({
      cidr_block: "10.0.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  test("puts a public and a private subnet in each AZ, with computed CIDRs", () => {
    const { json } = networkJson({ availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"] });
    const subnets = configsOf(json, "aws_subnet");
    const byZone = (a: string[], b: string[]) => a[0].localeCompare(b[0]);
    const publicSubnets = subnets.filter((s) => s.map_public_ip_on_launch === true);
    const privateSubnets = subnets.filter((s) => s.map_public_ip_on_launch === false);
    expect(publicSubnets.map((s) => [s.availability_zone, s.cidr_block]).sort(byZone)).toEqual([
      ["eu-west-1a", "10.0.0.0/24"],
      ["eu-west-1b", "10.0.1.0/24"],
      ["eu-west-1c", "10.0.2.0/24"],
    ]);
    expect(privateSubnets.map((s) => [s.availability_zone, s.cidr_block]).sort(byZone)).toEqual([
      ["eu-west-1a", "10.0.128.0/24"],
      ["eu-west-1b", "10.0.129.0/24"],
      ["eu-west-1c", "10.0.130.0/24"],
    ]);
  });

  test("public subnets can stop handing out public IPs, for networks whose hosts are all private", () => {
    const { json } = networkJson({ publicSubnetsMapPublicIp: false });
    const subnets = configsOf(json, "aws_subnet");
    expect(subnets.map((s) => [s.tags.Name, s.map_public_ip_on_launch]).sort()).toEqual([
      ["efs-private-eu-west-1a", false],
      ["efs-private-eu-west-1b", false],
      ["efs-public-eu-west-1a", false],
      ["efs-public-eu-west-1b", false],
    ]);
  });

  test("routes only the public tier to the internet gateway", () => {
    const { json } = networkJson();
    const route = onlyResource(json, "aws_route");
    expect(route.destination_cidr_block).toBe("0.0.0.0/0");
    expect(route.gateway_id).toMatch(/aws_internet_gateway/);
    const publicTable = route.route_table_id.match(/aws_route_table\.([^.]+)\.id/)[1];
    const associations = configsOf(json, "aws_route_table_association");
    const publicAssociations = associations.filter((a) => a.route_table_id.includes(publicTable));
    expect(publicAssociations).toHaveLength(2);
    for (const association of publicAssociations) expect(association.subnet_id).toMatch(/public-subnet/);
  });

  test("locks down the default security group", () => {
    const { json } = networkJson();
    expect(onlyResource(json, "aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  test("turns on flow logs with a retention period by default", () => {
    const { json } = networkJson();
    expect(onlyResource(json, "aws_flow_log")).toMatchObject({ traffic_type: "ALL" });
    expect(onlyResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(90);
    const trust = parsePolicy(onlyResource(json, "aws_iam_role").assume_role_policy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
    expect(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]).toContain("aws_vpc.");
  });

  test("flow logs can be switched off", () => {
    const { json } = networkJson({ flowLogs: { enabled: false } });
    expect(configsOf(json, "aws_flow_log")).toHaveLength(0);
    expect(configsOf(json, "aws_cloudwatch_log_group")).toHaveLength(0);
  });

  test("uses given subnet CIDRs", () => {
    const { json } = networkJson({
      vpcCidr: "172.16.0.0/20",
      publicSubnetCidrs: ["172.16.0.0/24", "172.16.1.0/24"],
      privateSubnetCidrs: ["172.16.8.0/24", "172.16.9.0/24"],
    });
    expect(
      configsOf(json, "aws_subnet")
        .map((s) => s.cidr_block)
        .sort(),
    ).toEqual(["172.16.0.0/24", "172.16.1.0/24", "172.16.8.0/24", "172.16.9.0/24"]);
  });

  describe("validation", () => {
    test.each([
      [
        { availabilityZones: ["eu-west-1a"] },
        /availabilityZones: needs at least 2 AZs, got \["eu-west-1a"\]/,
      ],
      [
        { availabilityZones: ["eu-west-1a", "eu-west-1a"] },
        /availabilityZones: has duplicates \["eu-west-1a"\]/,
      ],
      [{ availabilityZones: ["eu-west-1a", "west"] }, /availabilityZones: "west" is not an AZ name/],
      [{ vpcCidr: "10.0.0.0/33" }, /vpcCidr: "10.0.0.0\/33" is not an IPv4 CIDR block/],
      [{ vpcCidr: "10.0.0.1/16" }, /vpcCidr: "10.0.0.1\/16" is not an IPv4 CIDR block/],
      [{ vpcCidr: "10.0.0.0/8" }, /vpcCidr: "10.0.0.0\/8" has prefix \/8; AWS allows \/16 to \/28/],
      [
        { publicSubnetCidrs: ["10.1.0.0/24", "10.0.1.0/24"] },
        /publicSubnetCidrs\[0\]: "10.1.0.0\/24" is outside the VPC CIDR "10.0.0.0\/16"/,
      ],
      [
        { publicSubnetCidrs: ["10.0.0.0/24", "10.0.0.128/25"] },
        /publicSubnetCidrs\[1\]: "10.0.0.128\/25" overlaps publicSubnetCidrs\[0\] "10.0.0.0\/24"/,
      ],
      [
        { privateSubnetCidrs: ["10.0.0.0/24", "10.0.200.0/24"] },
        /privateSubnetCidrs\[0\]: "10.0.0.0\/24" overlaps publicSubnetCidrs\[0\]/,
      ],
      [{ publicSubnetCidrs: ["10.0.0.0/24"] }, /publicSubnetCidrs: has 1 CIDRs for 2 AZs/],
      [{ flowLogs: { retentionDays: 10 } }, /flowLogs.retentionDays: 10 is not a CloudWatch Logs retention/],
    ])("rejects %j", (props, message) => {
      expect(() => networkJson(props)).toThrow(message);
    });

    test("lists every problem at once", () => {
      expect(() =>
        networkJson({ availabilityZones: ["eu-west-1a"], flowLogs: { retentionDays: 2 } }),
      ).toThrow(/availabilityZones: needs at least 2 AZs[\s\S]*flowLogs.retentionDays: 2/);
    });
  });

  describe("VPC endpoints for hosts in the private subnets", () => {
    /** A network with endpoints, and two host groups (clients and a backup host) allowed to use them. */
    function withEndpoints(props: Partial<ConstructorParameters<typeof Network>[2]> = {}) {
      const stack = testStack();
      const network = new Network(stack, "network", {
        availabilityZones: AZS,
        vpcEndpoints: { region: "eu-west-1" },
        ...props,
      });
      for (const host of ["clients", "backup-host"]) {
        const group = new SecurityGroup(stack, `${host}-admin`, {});
        network.endpoints!.allowHttpsFrom(group);
        network.endpoints!.allowHttpsFrom(group); // twice: still one rule
      }
      const json = synth(stack);
      return { network, json, endpoints: configsOf(json, "aws_vpc_endpoint") };
    }
    /** `${<type>.<name>.id}` of the one resource whose Terraform name is `<name>_<hash>`. */
    function idOf(json: TerraformJson, type: string, name: string): string {
      const names = Object.keys(resourcesOf(json, type)).filter((key) =>
        new RegExp(`^${name}(_[0-9A-F]+)?$`).test(key),
      );
      expect(names).toHaveLength(1);
      return `\${${type}.${names[0]}.id}`;
    }
    const privateSubnet = (zone: string) =>
      new RegExp(`^\\$\\{aws_subnet\\.network_private-subnet-${zone}_[0-9A-F]+\\.id\\}$`);

    test("none by default", () => {
      const { json, network } = networkJson();
      expect(configsOf(json, "aws_vpc_endpoint")).toEqual([]);
      expect(network.endpoints).toBeUndefined();
    });

    test("an S3 gateway endpoint on the private route table only, for dnf's Amazon Linux repositories", () => {
      const { json, endpoints } = withEndpoints();
      const privateTable = idOf(json, "aws_route_table", "network_private-route-table");
      expect(endpoints.filter((e) => e.vpc_endpoint_type === "Gateway")).toEqual([
        expect.objectContaining({
          service_name: "com.amazonaws.eu-west-1.s3",
          route_table_ids: [privateTable],
        }),
      ]);
      // and still no route to the internet from the private tier
      for (const route of configsOf(json, "aws_route")) {
        expect(route.route_table_id).not.toBe(privateTable);
      }
    });

    test("Session Manager's interface endpoints in every private subnet, with private DNS, behind one group", () => {
      const { json, endpoints } = withEndpoints();
      const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
      expect(interfaces.map((e) => e.service_name).sort()).toEqual([
        "com.amazonaws.eu-west-1.ec2messages",
        "com.amazonaws.eu-west-1.ssm",
        "com.amazonaws.eu-west-1.ssmmessages",
      ]);
      const group = idOf(json, "aws_security_group", "network_endpoints_security-group");
      for (const endpoint of interfaces) {
        expect(endpoint.private_dns_enabled).toBe(true);
        expect(endpoint.security_group_ids).toEqual([group]);
        expect(endpoint.subnet_ids).toEqual([
          expect.stringMatching(privateSubnet("eu-west-1a")),
          expect.stringMatching(privateSubnet("eu-west-1b")),
        ]);
      }
    });

    test("the endpoints' group takes HTTPS from the host groups it is given, and nothing else", () => {
      const { json } = withEndpoints();
      const group = idOf(json, "aws_security_group", "network_endpoints_security-group");
      const ingress = configsOf(json, "aws_vpc_security_group_ingress_rule").filter(
        (rule) => rule.security_group_id === group,
      );
      const rules = ingress.map((rule) => [
        rule.ip_protocol,
        rule.from_port,
        rule.to_port,
        rule.referenced_security_group_id,
      ]);
      expect(rules.sort()).toEqual([
        ["tcp", 443, 443, idOf(json, "aws_security_group", "backup-host-admin")],
        ["tcp", 443, 443, idOf(json, "aws_security_group", "clients-admin")],
      ]);
      for (const rule of ingress) expect(rule.cidr_ipv4).toBeUndefined();
      expect(
        configsOf(json, "aws_vpc_security_group_egress_rule").filter(
          (rule) => rule.security_group_id === group,
        ),
      ).toEqual([]);
      // no inline rules either
      const groupName = group.slice("${aws_security_group.".length, -".id}".length);
      expect(resourcesOf(json, "aws_security_group")[groupName]).not.toHaveProperty("ingress");
    });

    test("more services on request, each once", () => {
      const { network } = withEndpoints({
        vpcEndpoints: { region: "eu-west-1", interfaceServices: ["ssm"] },
      });
      const first = network.endpoints!.addInterfaceEndpoint("ec2");
      expect(network.endpoints!.addInterfaceEndpoint("ec2")).toBe(first);
      expect(network.endpoints!.services).toEqual(["ssm", "ec2"]);
    });

    test("refuses an unknown service and a malformed Region, naming the field", () => {
      expect(() =>
        networkJson({ vpcEndpoints: { region: "Ireland", interfaceServices: ["ssm", "s3" as never] } }),
      ).toThrow(
        /vpcEndpoints\.region: "Ireland" is not a Region such as "eu-west-1"[\s\S]*vpcEndpoints\.interfaceServices\[1\]: "s3" is not allowed; use one of \["ssm",/,
      );
    });
  });

  describe("fromExisting", () => {
    const existing = {
      vpcId: "vpc-12312312",
      availabilityZones: AZS,
      publicSubnets: [
        { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
        { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
      ],
      privateSubnets: [
        { id: "subnet-0000000c", availabilityZone: "eu-west-1a" },
        { id: "subnet-0000000d", availabilityZone: "eu-west-1b" },
      ],
    };

    test("returns the given VPC and subnets", () => {
      expect(Network.fromExisting(existing).privateSubnets.map((s) => s.id)).toEqual([
        "subnet-0000000c",
        "subnet-0000000d",
      ]);
    });

    test("refuses a malformed VPC id, a malformed subnet id and an empty publicSubnets in one error", () => {
      // GIVEN the newcomer's mistakes
      const attempt = () =>
        Network.fromExisting({
          ...existing,
          vpcId: "vpc-123",
          publicSubnets: [],
          privateSubnets: [
            { id: "subnet-12345", availabilityZone: "eu-west-1a" },
            existing.privateSubnets[1]!,
          ],
        });
      // WHEN / THEN one message, every problem named by its field
      expect(attempt).toThrow(
        "Invalid props for Network.fromExisting:\n" +
          '  - vpcId: "vpc-123" is not a VPC id such as "vpc-0123456789abcdef0"\n' +
          '  - publicSubnets: needs a subnet in each of availabilityZones; none in ["eu-west-1a","eu-west-1b"]\n' +
          '  - privateSubnets[0].id: "subnet-12345" is not a subnet id such as "subnet-0123456789abcdef0"',
      );
    });

    test("refuses a tier that leaves an AZ without a subnet", () => {
      expect(() =>
        Network.fromExisting({ ...existing, privateSubnets: [existing.privateSubnets[0]!] }),
      ).toThrow('privateSubnets: needs a subnet in each of availabilityZones; none in ["eu-west-1b"]');
    });

    test("takes ids and AZs that are tokens (from remote state) without checking them", () => {
      const token = (value: string) => Token.asString(Lazy.stringValue({ produce: () => value }));
      expect(() =>
        Network.fromExisting({
          vpcId: token("vpc"),
          availabilityZones: [token("a"), token("b")],
          publicSubnets: [{ id: token("p"), availabilityZone: token("a") }],
          privateSubnets: [{ id: token("q"), availabilityZone: token("b") }],
        }),
      ).not.toThrow();
    });

    test("rejects two private subnets in one AZ", () => {
      expect(() =>
        Network.fromExisting({
          ...existing,
          privateSubnets: [
            { id: "subnet-0000000c", availabilityZone: "eu-west-1a" },
            { id: "subnet-0000000d", availabilityZone: "eu-west-1a" },
          ],
        }),
      ).toThrow(/privateSubnets: needs one subnet per AZ, got AZs \["eu-west-1a","eu-west-1a"\]/);
    });

    test("rejects a subnet outside the listed AZs", () => {
      expect(() =>
        Network.fromExisting({
          ...existing,
          publicSubnets: [
            { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
            { id: "subnet-0000000b", availabilityZone: "eu-west-1c" },
          ],
        }),
      ).toThrow(/publicSubnets: subnet AZ "eu-west-1c" is not in availabilityZones/);
    });
  });
});
