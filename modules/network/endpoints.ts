import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { show, ValidationErrors } from "../shared/validation";
import { REGION_PATTERN } from "../shared/patterns";
import type { SubnetRef } from "./index";

/**
 * AWS services a host in a private subnet may need, by the last part of their endpoint service name
 * (`com.amazonaws.<region>.<service>`): `ssm`, `ssmmessages`, `ec2messages` for Session Manager and
 * Run Command; `ec2` for the backup host's snapshots; `monitoring` (CloudWatch) for metrics; `sns`
 * for failure notifications; `kms`, `logs` and `sts` for callers that use them directly.
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ssm",
  "ssmmessages",
  "ec2messages",
  "ec2",
  "monitoring",
  "sns",
  "kms",
  "logs",
  "sts",
] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** What SSM Agent needs to register and to open sessions (Systems Manager User Guide, "VPC endpoints"). */
export const SSM_ENDPOINT_SERVICES: readonly InterfaceEndpointService[] = [
  "ssm",
  "ssmmessages",
  "ec2messages",
];

const HTTPS_PORT = 443;

/** VPC endpoints, so that hosts in the private subnets reach AWS without a public IP or a NAT gateway. */
export interface VpcEndpointOptions {
  /** The VPC's Region: endpoint service names are `com.amazonaws.<region>.<service>`. */
  readonly region: string;
  /**
   * One interface endpoint per service, in every private subnet, with private DNS, so the service's
   * usual name resolves to it. Each costs per AZ and hour (docs/modules/network.md, "Hosts in private subnets").
   * More can be added later with `Network.endpoints.addInterfaceEndpoint`.
   * @default ["ssm", "ssmmessages", "ec2messages"] (Session Manager)
   */
  readonly interfaceServices?: readonly InterfaceEndpointService[];
}

/** Checks `vpcEndpoints` into `errors`, each problem naming the field. */
export function checkVpcEndpointOptions(errors: ValidationErrors, options: VpcEndpointOptions): void {
  errors.checkFormat(
    "vpcEndpoints.region",
    options.region,
    REGION_PATTERN,
    'is not a Region such as "eu-west-1"',
  );
  (options.interfaceServices ?? []).forEach((service, i) => {
    errors.check(
      (INTERFACE_ENDPOINT_SERVICES as readonly string[]).includes(service),
      `vpcEndpoints.interfaceServices[${i}]`,
      `${show(service)} is not allowed; use one of ${show(INTERFACE_ENDPOINT_SERVICES)}`,
    );
  });
}

export interface PrivateEndpointsProps extends VpcEndpointOptions {
  readonly vpcId: string;
  /** The private subnets, one per AZ: each interface endpoint gets a network interface in each. */
  readonly subnets: readonly SubnetRef[];
  /** Route tables of the private subnets, for the S3 gateway endpoint. */
  readonly routeTableIds: readonly string[];
  readonly namePrefix: string;
}

/**
 * The endpoints behind `NetworkProps.vpcEndpoints`: a free S3 gateway endpoint on the private route
 * table (the Amazon Linux 2023 package repositories are S3 buckets in each Region, so dnf works
 * through it), and interface endpoints behind one security group that takes HTTPS only from the
 * groups given to `allowHttpsFrom`.
 */
export class PrivateEndpoints extends Construct {
  /** On every interface endpoint. Ingress: TCP 443 from each group given to `allowHttpsFrom`, nothing else. */
  readonly securityGroup: SecurityGroup;
  readonly s3Gateway: VpcEndpoint;
  private readonly interfaceEndpoints = new Map<InterfaceEndpointService, VpcEndpoint>();
  private readonly allowedGroups = new Set<string>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PrivateEndpointsProps,
  ) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "security-group", {
      namePrefix: `${props.namePrefix}-endpoints-`,
      description: `Interface endpoints of ${props.namePrefix}: HTTPS in from the hosts' groups only`,
      vpcId: props.vpcId,
      tags: { Name: `${props.namePrefix}-endpoints` },
      lifecycle: { createBeforeDestroy: true },
    });
    this.s3Gateway = new VpcEndpoint(this, "s3", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: [...props.routeTableIds],
      tags: { Name: `${props.namePrefix}-s3` },
    });
    for (const service of props.interfaceServices ?? SSM_ENDPOINT_SERVICES)
      this.addInterfaceEndpoint(service);
  }

  /** The services that have an interface endpoint, in the order they were added. */
  get services(): readonly InterfaceEndpointService[] {
    return [...this.interfaceEndpoints.keys()];
  }

  /** An interface endpoint for `service`, created once however often it is asked for. */
  addInterfaceEndpoint(service: InterfaceEndpointService): VpcEndpoint {
    const existing = this.interfaceEndpoints.get(service);
    if (existing) return existing;
    const endpoint = new VpcEndpoint(this, service, {
      vpcId: this.props.vpcId,
      serviceName: `com.amazonaws.${this.props.region}.${service}`,
      vpcEndpointType: "Interface",
      subnetIds: this.props.subnets.map((subnet) => subnet.id),
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: true,
      tags: { Name: `${this.props.namePrefix}-${service}` },
    });
    this.interfaceEndpoints.set(service, endpoint);
    return endpoint;
  }

  /** Lets machines in `source` call the interface endpoints (TCP 443); once per group. */
  allowHttpsFrom(source: { readonly id: string; readonly node: { readonly path: string } }): void {
    // Named after the group's path below the stack: clients and a backup host each have an
    // `admin-security-group`.
    const name = source.node.path.split("/").slice(1).join("-");
    if (this.allowedGroups.has(name)) return;
    this.allowedGroups.add(name);
    new VpcSecurityGroupIngressRule(this, `https-from-${name}`, {
      securityGroupId: this.securityGroup.id,
      description: `HTTPS in from ${name}`,
      ipProtocol: "tcp",
      fromPort: HTTPS_PORT,
      toPort: HTTPS_PORT,
      referencedSecurityGroupId: source.id,
    });
  }
}
