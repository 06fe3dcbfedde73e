import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { isKnown, show, ValidationErrors } from "../shared/validation";
import { jsonDocument } from "../shared/json";
import { NOT_AN_S3_BUCKET_NAME, REGION_PATTERN, S3_BUCKET_NAME_PATTERN } from "../shared/patterns";
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

/**
 * The bucket of a Region's Amazon Linux 2023 package repositories, which dnf reads through the S3
 * gateway. AWS names it `al2023-repos-<region>-de612dc2` in every Region: `dnf repolist -v` on an
 * AL2023 host shows it (e.g. github.com/shamimice03/aws-secure-env, "al2023-repos-ap-northeast-1-
 * de612dc2.s3.dualstack..."), and restrictive endpoint policies in public repositories allow exactly
 * `arn:aws:s3:::al2023-repos-${region}-de612dc2/*`.
 */
export function amazonLinuxRepositoryBucket(region: string): string {
  return `al2023-repos-${region}-de612dc2`;
}

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
  /**
   * The account the hosts' roles and our buckets are in (a Terraform expression is fine): the
   * endpoint policies let only its principals through, and the S3 gateway only to its buckets
   * (plus the Amazon Linux repositories and the buckets given to `allowS3BucketRead`).
   */
  readonly accountId: string;
  /** The VPC's partition, for bucket ARNs. @default "aws" */
  readonly partition?: string;
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
  private readonly readableBuckets: string[] = [];

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
      policy: Lazy.stringValue({ produce: () => jsonDocument(this.s3GatewayPolicy()) }),
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
      // Only our principals: credentials of another account cannot use the endpoint to reach their
      // own resources (exfiltration) from the hosts.
      policy: jsonDocument({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OurAccountsPrincipalsOnly",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": this.props.accountId } },
          },
        ],
      }),
      tags: { Name: `${this.props.namePrefix}-${service}` },
    });
    this.interfaceEndpoints.set(service, endpoint);
    return endpoint;
  }

  /**
   * Lets our principals read `bucketName` (GetObject, ListBucket) through the S3 gateway, wherever
   * the bucket is: a code bucket in another account, say. Once per bucket.
   */
  allowS3BucketRead(bucketName: string): void {
    const errors = new ValidationErrors(`${this.node.path}.allowS3BucketRead`);
    errors.checkFormat("bucketName", bucketName, S3_BUCKET_NAME_PATTERN, NOT_AN_S3_BUCKET_NAME);
    errors.throwIfAny();
    if (isKnown(bucketName) && this.readableBuckets.includes(bucketName)) return;
    this.readableBuckets.push(bucketName);
  }

  /**
   * What the S3 gateway lets through: the Amazon Linux repositories (read, any caller: dnf signs
   * nothing), the buckets given to `allowS3BucketRead` (read, our principals), and our account's
   * buckets (our principals). Everything else, an upload to a bucket elsewhere above all, is refused.
   */
  private s3GatewayPolicy() {
    const partition = this.props.partition ?? "aws";
    const ourPrincipals = { "aws:PrincipalAccount": this.props.accountId };
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AmazonLinuxRepositories",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:GetObject",
          Resource: `arn:${partition}:s3:::${amazonLinuxRepositoryBucket(this.props.region)}/*`,
        },
        {
          Sid: "OurAccountsBuckets",
          Effect: "Allow",
          Principal: "*",
          Action: "s3:*",
          Resource: "*",
          Condition: { StringEquals: { ...ourPrincipals, "aws:ResourceAccount": this.props.accountId } },
        },
        ...(this.readableBuckets.length > 0
          ? [
              {
                Sid: "ReadableBuckets",
                Effect: "Allow",
                Principal: "*",
                Action: ["s3:GetObject", "s3:ListBucket"],
                Resource: this.readableBuckets.flatMap((bucket) => [
                  `arn:${partition}:s3:::${bucket}`,
                  `arn:${partition}:s3:::${bucket}/*`,
                ]),
                Condition: { StringEquals: ourPrincipals },
              },
            ]
          : []),
      ],
    };
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
