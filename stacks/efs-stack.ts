import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Network, NetworkProps, NetworkRef, SubnetRef } from "../modules/network";
import { SharedFileSystem, SharedFileSystemProps } from "../modules/efs";
import { EfsMonitoring, EfsMonitoringProps } from "../modules/monitoring";
import { EfsClients, EfsClientsProps } from "../modules/clients";
import { RemoteStateOptions, useBackend } from "./backend";

/** The clients' settings a stack takes: plain values, so that a settings file can fill them. */
export type EfsStackClientsOptions = Pick<
  EfsClientsProps,
  | "count"
  | "placement"
  | "instanceType"
  | "amiId"
  | "mountPath"
  | "mountMethod"
  | "sshIngressCidrs"
  | "allowSshFromAnywhere"
  | "mountTargetWaitSeconds"
>;

/** Everything a stack of this project is built from; `main.ts` fills it from validated settings. */
export interface EfsStackProps {
  /** AWS Region, e.g. "eu-west-1". */
  readonly region: string;
  /** The network to create. Its `availabilityZones` must be in `region`. */
  readonly network: NetworkProps;
  /**
   * An existing VPC and its subnets, used instead of creating `network` (of which only
   * `availabilityZones` then matters). Checked by `Network.fromExisting`.
   * @default - the stack creates the network
   */
  readonly existingNetwork?: NetworkRef;
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
  /**
   * Alarms, alarm topic and dashboard for the file system. Always on; this tunes them.
   * @default - the module's defaults: an encrypted topic without subscriptions, the book's thresholds
   */
  readonly monitoring?: Omit<EfsMonitoringProps, "fileSystem" | "region">;
  /**
   * Keep the state in S3 (encrypted, S3-native locking), key `<keyPrefix>/<stack>.tfstate`.
   * @default - a local state file `terraform.<stack>.tfstate` in the project root
   */
  readonly remoteState?: RemoteStateOptions;
  /**
   * The machines that mount the share at `/home`, in the public subnets.
   * @default - 2 fixed t3.micro instances in distinct AZs, no SSH, sessions through SSM
   */
  readonly clients?: EfsStackClientsOptions;
}

/**
 * The book's shared `/home`: a VPC over two or more AZs and an encrypted EFS file system with one
 * mount target per AZ.
 */
export class EfsStack extends TerraformStack {
  readonly network: NetworkRef;
  readonly sharedFileSystem: SharedFileSystem;
  readonly monitoring: EfsMonitoring;
  readonly clients: EfsClients;

  constructor(scope: Construct, name: string, props: EfsStackProps) {
    super(scope, name);
    useBackend(this, name, props.remoteState);
    new AwsProvider(this, "aws", {
      region: props.region,
      defaultTags: [{ tags: { Project: "efs-shared-home", Stack: name, ManagedBy: "cdktf", ...props.tags } }],
    });

    this.network = props.existingNetwork
      ? Network.fromExisting(props.existingNetwork)
      : new Network(this, "network", props.network);
    this.sharedFileSystem = new SharedFileSystem(this, "shared-file-system", {
      ...props.fileSystem,
      vpcId: this.network.vpcId,
      subnets: mountTargetSubnets(this.network.privateSubnets, props.fileSystem?.oneZoneAvailabilityZone),
    });
    this.monitoring = new EfsMonitoring(this, "monitoring", {
      namePrefix: name,
      ...props.monitoring,
      fileSystem: this.sharedFileSystem,
      region: props.region,
    });
    this.clients = new EfsClients(this, "clients", {
      ...props.clients,
      vpcId: this.network.vpcId,
      subnets: this.network.publicSubnets,
      fileSystem: this.sharedFileSystem,
      region: props.region,
      namePrefix: `${name}-client`,
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
      alarm_topic_arn: {
        value: this.monitoring.topicArn,
        description: "SNS topic of the EFS alarms; subscribe to it to be notified",
      },
      dashboard_name: {
        value: this.monitoring.dashboardName,
        description: "CloudWatch dashboard of the file system",
      },
    };
    Object.assign(outputs, this.clientOutputs());
    for (const [id, output] of Object.entries(outputs)) {
      new TerraformOutput(this, id, output);
    }
  }

  private clientOutputs(): Record<string, { value: unknown; description: string }> {
    const clients = this.clients;
    const adminGroup = {
      client_admin_security_group_id: {
        value: clients.adminSecurityGroup.id,
        description: "Security group for administering the clients (SSH rules go here)",
      },
    };
    if (clients.autoScalingGroup) {
      return {
        ...adminGroup,
        client_auto_scaling_group_name: {
          value: clients.autoScalingGroup.name,
          description: "Auto Scaling group of the clients",
        },
        client_ssm_session_command: {
          value: clients.sessionCommands[0],
          description: "Opens an SSM session on a client of the fleet",
        },
      };
    }
    const byName = (pick: (i: (typeof clients.instances)[number]) => string) =>
      Object.fromEntries(clients.instances.map((instance) => [instance.name, pick(instance)]));
    return {
      ...adminGroup,
      client_instance_ids: { value: byName((i) => i.id), description: "Client instance ids by name" },
      client_availability_zones: {
        value: byName((i) => i.availabilityZone),
        description: "AZ of each client",
      },
      client_private_ips: { value: byName((i) => i.privateIp), description: "Private IP of each client" },
      client_public_ips: { value: byName((i) => i.publicIp), description: "Public IP of each client" },
      client_ssm_session_commands: {
        value: byName((i) => i.sessionCommand),
        description: "Opens an SSM session on each client: aws ssm start-session --target <id>",
      },
    };
  }
}

/** A regional file system gets a mount target in every private subnet; a One Zone one only in its AZ. */
function mountTargetSubnets(
  privateSubnets: readonly SubnetRef[],
  oneZone: string | undefined,
): readonly SubnetRef[] {
  return oneZone === undefined
    ? privateSubnets
    : privateSubnets.filter((s) => s.availabilityZone === oneZone);
}
