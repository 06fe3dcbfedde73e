import { Construct } from "constructs";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { cidrContains, cidrSubnet, cidrsOverlap, formatCidr, Ipv4Block, parseCidr } from "../shared/cidr";
import { isKnown, show, ValidationErrors } from "../shared/validation";
import { accountIdOfArn, partitionOfArn } from "../shared/arn";
import { AZ_NAME_PATTERN, NOT_A_VPC_ID, NOT_AN_AZ_NAME, VPC_ID_PATTERN } from "../shared/patterns";
import { jsonDocument } from "../shared/json";
import { roleArguments, RoleOptions, validateRoleOptions } from "../shared/iam";
import { checkVpcEndpointOptions, PrivateEndpoints, VpcEndpointOptions } from "./endpoints";

export * from "./endpoints";

/** A subnet and the availability zone it lives in; the zone decides where a mount target goes. */
export interface SubnetRef {
  readonly id: string;
  readonly availabilityZone: string;
}

/** What the other modules need from a network, whether this module created it or it already existed. */
export interface NetworkRef {
  readonly vpcId: string;
  readonly availabilityZones: readonly string[];
  /** Subnets that map public IPs on launch: where clients go. One per AZ. */
  readonly publicSubnets: readonly SubnetRef[];
  /** Subnets without public IPs or an internet route: where mount targets go (FSBP EFS.6). One per AZ. */
  readonly privateSubnets: readonly SubnetRef[];
  /**
   * The VPC endpoints of the private subnets, when this module made them (`vpcEndpoints`).
   * @default - none: an existing VPC brings its own
   */
  readonly endpoints?: PrivateEndpoints;
}

/** VPC flow-log settings. */
export interface FlowLogOptions {
  /**
   * Whether to record VPC flow logs to CloudWatch Logs.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Days to keep flow-log records. Must be a value CloudWatch Logs accepts.
   * @default 90
   */
  readonly retentionDays?: number;
}

/** `RoleOptions` apply to the flow-log role, the one role a network creates. */
export interface NetworkProps extends RoleOptions {
  /**
   * Availability-zone names, one public and one private subnet each. At least 2, no duplicates.
   * Names come from props, not a data source, so that a plan makes no AWS API call.
   */
  readonly availabilityZones: readonly string[];
  /**
   * IPv4 CIDR of the VPC.
   * @default "10.0.0.0/16"
   */
  readonly vpcCidr?: string;
  /**
   * CIDRs of the public subnets, in the order of `availabilityZones`.
   * @default - /24 blocks from the start of the VPC CIDR (10.0.0.0/24, 10.0.1.0/24, ...)
   */
  readonly publicSubnetCidrs?: readonly string[];
  /**
   * CIDRs of the private subnets, in the order of `availabilityZones`.
   * @default - /24 blocks from the middle of the VPC CIDR (10.0.128.0/24, 10.0.129.0/24, ...)
   */
  readonly privateSubnetCidrs?: readonly string[];
  /**
   * VPC flow logs.
   * @default - on, kept 90 days
   */
  readonly flowLogs?: FlowLogOptions;
  /**
   * Prefix for the Name tag of every resource.
   * @default "efs"
   */
  readonly namePrefix?: string;
  /**
   * VPC endpoints for hosts in the private subnets, which have no internet route: an S3 gateway
   * endpoint (free; dnf's Amazon Linux repositories are in S3) and interface endpoints (charged per
   * AZ and hour) that take HTTPS only from the groups given to `endpoints.allowHttpsFrom`.
   * @default - none: hosts that need AWS APIs or packages go in the public subnets
   */
  readonly vpcEndpoints?: VpcEndpointOptions;
  /**
   * Whether the public subnets give instances a public IPv4 address at launch. Turn it off when no
   * host runs there (FSBP EC2.15 flags subnets that do); an instance can still ask for one.
   * @default true
   */
  readonly publicSubnetsMapPublicIp?: boolean;
}

/** Retention values CloudWatch Logs accepts (PutRetentionPolicy API reference). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The VPC CIDR block when `vpcCidr` is left out. */
export const DEFAULT_VPC_CIDR = "10.0.0.0/16";
const DEFAULT_FLOW_LOG_RETENTION_DAYS = 90;

/**
 * A VPC with a public and a private subnet in each of 2 or more AZs.
 *
 * Clients live in the public tier, as in the book. Mount targets live in the private tier, whose
 * subnets never map public IPs and have no internet route (FSBP control EFS.6); with
 * `vpcEndpoints`, hosts can live there too and reach AWS through VPC endpoints.
 */
export class Network extends Construct implements NetworkRef {
  /** Uses an existing VPC and subnets instead of creating them. */
  static fromExisting(attrs: NetworkRef): NetworkRef {
    const errors = new ValidationErrors("Network.fromExisting");
    errors.checkFormat("vpcId", attrs.vpcId, VPC_ID_PATTERN, NOT_A_VPC_ID);
    const zonesKnown = isKnown(attrs.availabilityZones) && attrs.availabilityZones.every((z) => isKnown(z));
    const zones = new Set(attrs.availabilityZones);
    if (zonesKnown) {
      errors.check(
        zones.size >= 2,
        "availabilityZones",
        `needs at least 2 distinct AZs, got ${show(attrs.availabilityZones)}`,
      );
      for (const zone of zones)
        errors.checkFormat("availabilityZones", zone, AZ_NAME_PATTERN, NOT_AN_AZ_NAME);
    }
    for (const tier of ["publicSubnets", "privateSubnets"] as const) {
      errors.checkSubnets(tier, attrs[tier]);
      if (!isKnown(attrs[tier])) continue;
      const subnetZones = attrs[tier].map((s) => s.availabilityZone);
      if (!zonesKnown || !subnetZones.every((zone) => isKnown(zone))) continue;
      errors.check(
        new Set(subnetZones).size === subnetZones.length,
        tier,
        `needs one subnet per AZ, got AZs ${show(subnetZones)}`,
      );
      for (const zone of subnetZones) {
        errors.check(
          zones.has(zone),
          tier,
          `subnet AZ ${show(zone)} is not in availabilityZones ${show([...zones])}`,
        );
      }
      // The clients and the backup host go in the public tier and the mount targets in the private
      // one, each in every AZ: a tier that misses an AZ (or is empty) leaves it without either.
      const missing = [...zones].filter((zone) => !subnetZones.includes(zone));
      errors.check(
        missing.length === 0,
        tier,
        `needs a subnet in each of availabilityZones; none in ${show(missing)}`,
      );
    }
    errors.throwIfAny();
    return attrs;
  }

  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly availabilityZones: readonly string[];
  readonly publicSubnets: readonly SubnetRef[];
  readonly privateSubnets: readonly SubnetRef[];
  readonly vpc: Vpc;
  /** The flow-log group, when flow logs are on. */
  readonly flowLogGroup?: CloudwatchLogGroup;
  /** The VPC endpoints of the private subnets, when `vpcEndpoints` is set. */
  readonly endpoints?: PrivateEndpoints;

  private readonly roleOptions: RoleOptions;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const plan = planSubnets(this.node.path, props);
    this.roleOptions = { permissionsBoundaryArn: props.permissionsBoundaryArn, iamPath: props.iamPath };
    const namePrefix = props.namePrefix ?? "efs";
    const name = (suffix: string) => ({ Name: `${namePrefix}-${suffix}` });

    this.availabilityZones = [...props.availabilityZones];
    this.vpcCidr = plan.vpcCidr;
    // EFS clients resolve the file system by its DNS name: both DNS flags are required.
    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: plan.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: name("vpc"),
    });
    this.vpcId = this.vpc.id;

    // With no rules in the block, Terraform strips the default group's allow-all rules (CIS 5.4).
    new DefaultSecurityGroup(this, "default-security-group", {
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: name("default-locked"),
    });

    const internetGateway = new InternetGateway(this, "internet-gateway", {
      vpcId: this.vpc.id,
      tags: name("igw"),
    });
    const publicRouteTable = new RouteTable(this, "public-route-table", {
      vpcId: this.vpc.id,
      tags: name("public"),
    });
    new Route(this, "public-default-route", {
      routeTableId: publicRouteTable.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });
    const privateRouteTable = new RouteTable(this, "private-route-table", {
      vpcId: this.vpc.id,
      tags: name("private"),
    });

    const publicSubnets: SubnetRef[] = [];
    const privateSubnets: SubnetRef[] = [];
    props.availabilityZones.forEach((zone, index) => {
      const publicSubnet = new Subnet(this, `public-subnet-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: plan.publicCidrs[index],
        mapPublicIpOnLaunch: props.publicSubnetsMapPublicIp ?? true,
        tags: name(`public-${zone}`),
      });
      new RouteTableAssociation(this, `public-route-table-association-${zone}`, {
        subnetId: publicSubnet.id,
        routeTableId: publicRouteTable.id,
      });
      const privateSubnet = new Subnet(this, `private-subnet-${zone}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: plan.privateCidrs[index],
        mapPublicIpOnLaunch: false,
        tags: name(`private-${zone}`),
      });
      new RouteTableAssociation(this, `private-route-table-association-${zone}`, {
        subnetId: privateSubnet.id,
        routeTableId: privateRouteTable.id,
      });
      publicSubnets.push({ id: publicSubnet.id, availabilityZone: zone });
      privateSubnets.push({ id: privateSubnet.id, availabilityZone: zone });
    });
    this.publicSubnets = publicSubnets;
    this.privateSubnets = privateSubnets;

    if (props.vpcEndpoints) {
      this.endpoints = new PrivateEndpoints(this, "endpoints", {
        ...props.vpcEndpoints,
        vpcId: this.vpc.id,
        subnets: privateSubnets,
        routeTableIds: [privateRouteTable.id],
        namePrefix,
        accountId: accountIdOfArn(this.vpc.arn),
        partition: partitionOfArn(this.vpc.arn),
      });
    }

    if (props.flowLogs?.enabled ?? true) {
      this.flowLogGroup = this.addFlowLogs(
        props.flowLogs?.retentionDays ?? DEFAULT_FLOW_LOG_RETENTION_DAYS,
        namePrefix,
      );
    }
  }

  private addFlowLogs(retentionDays: number, namePrefix: string): CloudwatchLogGroup {
    const logGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      namePrefix: `/vpc-flow-logs/${namePrefix}-`,
      retentionInDays: retentionDays,
    });
    // The account id comes from the VPC's own ARN: a data source would call STS at plan time.
    const role = new IamRole(this, "flow-log-role", {
      namePrefix: `${namePrefix}-flow-logs-`,
      ...roleArguments(this.roleOptions),
      description: "Lets VPC Flow Logs write to its CloudWatch log group",
      assumeRolePolicy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "vpc-flow-logs.amazonaws.com" },
            Action: "sts:AssumeRole",
            // Confused-deputy guard: only flow logs of this account may use the role.
            Condition: { StringEquals: { "aws:SourceAccount": accountIdOfArn(this.vpc.arn) } },
          },
        ],
      }),
    });
    new IamRolePolicy(this, "flow-log-role-policy", {
      role: role.id,
      name: "write-flow-logs",
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroup.arn, `${logGroup.arn}:*`],
          },
        ],
      }),
    });
    new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 600,
    });
    return logGroup;
  }
}

interface SubnetPlan {
  readonly vpcCidr: string;
  readonly publicCidrs: readonly string[];
  readonly privateCidrs: readonly string[];
}

/** Validates the props and works out every subnet CIDR; throws listing every problem at once. */
function planSubnets(path: string, props: NetworkProps): SubnetPlan {
  const errors = new ValidationErrors(path);
  const zones = props.availabilityZones;
  const vpcCidr = props.vpcCidr ?? DEFAULT_VPC_CIDR;

  errors.check(zones.length >= 2, "availabilityZones", `needs at least 2 AZs, got ${show(zones)}`);
  const duplicates = zones.filter((zone, i) => zones.indexOf(zone) !== i);
  errors.check(
    duplicates.length === 0,
    "availabilityZones",
    `has duplicates ${show(duplicates)}; each AZ once`,
  );
  for (const zone of zones) {
    errors.checkFormat("availabilityZones", zone, AZ_NAME_PATTERN, NOT_AN_AZ_NAME);
  }
  const retention = props.flowLogs?.retentionDays;
  if (retention !== undefined) {
    errors.check(
      (LOG_RETENTION_DAYS as readonly number[]).includes(retention),
      "flowLogs.retentionDays",
      `${show(retention)} is not a CloudWatch Logs retention; allowed: ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }

  if (props.vpcEndpoints) checkVpcEndpointOptions(errors, props.vpcEndpoints);

  const vpcBlock = parseCidr(vpcCidr);
  if (!vpcBlock) {
    errors.add("vpcCidr", `${show(vpcCidr)} is not an IPv4 CIDR block such as "10.0.0.0/16"`);
  } else {
    errors.check(
      vpcBlock.prefixLength >= 16 && vpcBlock.prefixLength <= 28,
      "vpcCidr",
      `${show(vpcCidr)} has prefix /${vpcBlock.prefixLength}; AWS allows /16 to /28`,
    );
  }
  validateRoleOptions(errors, props);
  errors.throwIfAny();

  const vpc = vpcBlock as Ipv4Block;
  const publicCidrs = props.publicSubnetCidrs ?? defaultSubnetCidrs(vpc, zones.length, 0);
  const privateCidrs = props.privateSubnetCidrs ?? defaultSubnetCidrs(vpc, zones.length, 1);
  const parsed: { prop: string; cidr: string; block: Ipv4Block }[] = [];
  for (const [prop, cidrs] of [
    ["publicSubnetCidrs", publicCidrs],
    ["privateSubnetCidrs", privateCidrs],
  ] as const) {
    errors.check(
      cidrs.length === zones.length,
      prop,
      `has ${cidrs.length} CIDRs for ${zones.length} AZs; give one per AZ, in AZ order`,
    );
    cidrs.forEach((cidr, i) => {
      const block = parseCidr(cidr);
      const field = `${prop}[${i}]`;
      if (!block) {
        errors.add(field, `${show(cidr)} is not an IPv4 CIDR block such as "10.0.1.0/24"`);
      } else if (!cidrContains(vpc, block)) {
        errors.add(field, `${show(cidr)} is outside the VPC CIDR ${show(vpcCidr)}`);
      } else if (block.prefixLength > 28) {
        errors.add(field, `${show(cidr)} is smaller than /28, the smallest subnet AWS allows`);
      } else {
        for (const other of parsed) {
          if (cidrsOverlap(other.block, block)) {
            errors.add(field, `${show(cidr)} overlaps ${other.prop} ${show(other.cidr)}`);
          }
        }
        parsed.push({ prop: field, cidr, block });
      }
    });
  }
  errors.throwIfAny();
  return { vpcCidr, publicCidrs, privateCidrs };
}

/**
 * Public subnets are carved from the first half of the VPC, private ones from the second, so
 * adding an AZ later never renumbers (and so never replaces) an existing subnet. A subnet that does
 * not fit in its half is "" (the settings check uses this to blame `vpcCidr`).
 */
export function defaultSubnetCidrs(vpc: Ipv4Block, count: number, half: 0 | 1): string[] {
  const halfBlock = cidrSubnet(vpc, 1, half);
  // /24 subnets in a /16 VPC; smaller VPCs get proportionally smaller subnets.
  const newBits = Math.max(1, Math.min(24 - halfBlock.prefixLength, 28 - halfBlock.prefixLength));
  const capacity = 2 ** newBits;
  return Array.from({ length: count }, (_, i) =>
    i < capacity ? formatCidr(cidrSubnet(halfBlock, newBits, i)) : "",
  );
}
