import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Network, NetworkProps } from "../modules/network";
import { SharedFileSystem, SharedFileSystemProps } from "../modules/efs";
import { useLocalBackend } from "./backend";

/** Everything a stack of this project is built from; `main.ts` fills it from validated settings. */
export interface EfsStackProps {
  /** AWS Region, e.g. "eu-west-1". */
  readonly region: string;
  /** The network to create. Its `availabilityZones` must be in `region`. */
  readonly network: NetworkProps;
  /**
   * File-system settings. The VPC and mount-target subnets come from the network.
   * @default - the module's defaults: encrypted, elastic, generalPurpose, IA after 30 days
   */
  readonly fileSystem?: Omit<SharedFileSystemProps, "vpcId" | "subnets">;
  /**
   * Tags on every resource, through the provider's default tags.
   * @default - Project, Stack and ManagedBy tags only
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The book's shared `/home`: a VPC over two or more AZs and an encrypted EFS file system with one
 * mount target per AZ.
 */
export class EfsStack extends TerraformStack {
  readonly network: Network;
  readonly sharedFileSystem: SharedFileSystem;

  constructor(scope: Construct, name: string, props: EfsStackProps) {
    super(scope, name);
    useLocalBackend(this, name);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { Project: "efs-shared-home", Stack: name, ManagedBy: "cdktf", ...props.tags } }],
    });

    this.network = new Network(this, "network", props.network);
    this.sharedFileSystem = new SharedFileSystem(this, "shared-file-system", {
      ...props.fileSystem,
      vpcId: this.network.vpcId,
      subnets: this.network.privateSubnets,
    });
    this.addOutputs();
  }

  private addOutputs(): void {
    const fs = this.sharedFileSystem;
    const outputs: Record<string, { value: unknown; description: string }> = {
      vpc_id: { value: this.network.vpcId, description: "VPC id" },
      availability_zones: { value: this.network.availabilityZones, description: "AZs of the subnets" },
      public_subnet_ids: {
        value: Object.fromEntries(this.network.publicSubnets.map((s) => [s.availabilityZone, s.id])),
        description: "Public (client) subnet ids by AZ",
      },
      private_subnet_ids: {
        value: Object.fromEntries(this.network.privateSubnets.map((s) => [s.availabilityZone, s.id])),
        description: "Private (mount-target) subnet ids by AZ",
      },
      file_system_id: { value: fs.fileSystemId, description: "EFS file system id" },
      file_system_arn: { value: fs.fileSystemArn, description: "EFS file system ARN" },
      file_system_dns_name: { value: fs.dnsName, description: "DNS name clients mount" },
      mount_target_ids: {
        value: Object.fromEntries(fs.mountTargets.map((m) => [m.availabilityZone, m.id])),
        description: "Mount target ids by AZ",
      },
      mount_target_ips: {
        value: Object.fromEntries(fs.mountTargets.map((m) => [m.availabilityZone, m.ipAddress])),
        description: "Mount target IP addresses by AZ",
      },
      mount_target_security_group_id: {
        value: fs.mountTargetSecurityGroup.id,
        description: "Security group on the mount targets",
      },
      client_security_group_id: {
        value: fs.clientSecurityGroup.id,
        description: "Security group that lets a machine reach the mount targets",
      },
    };
    for (const [id, output] of Object.entries(outputs)) {
      new TerraformOutput(this, id, output);
    }
  }
}
