import { Construct } from "constructs";
import { TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Network } from "../modules/network";
import { SharedFileSystem } from "../modules/efs";
import { EfsMonitoring } from "../modules/monitoring";

export interface ScalingStackProps {
  /** How many file systems the stack holds, each with its mount targets, security groups and alarms. */
  readonly fileSystems: number;
  /**
   * AWS Region of the provider and the alarms.
   * @default "eu-west-1"
   */
  readonly region?: string;
  /**
   * AZs of the shared network; every file system gets one mount target in each.
   * @default ["eu-west-1a", "eu-west-1b"]
   */
  readonly availabilityZones?: readonly string[];
}

/**
 * The benchmark's workload: one stack, one network and `fileSystems` copies of what the `efs` stack
 * adds per file system (the file system, its mount targets, security groups and policy) plus its
 * monitoring (alarm topic, alarms, dashboard). Only the file-system count varies, so the cost of one
 * more file system is the difference between two sizes.
 */
export class ScalingStack extends TerraformStack {
  readonly sharedFileSystems: SharedFileSystem[] = [];

  constructor(scope: Construct, id: string, props: ScalingStackProps) {
    super(scope, id);
    if (!Number.isInteger(props.fileSystems) || props.fileSystems < 1) {
      throw new Error(`fileSystems: ${props.fileSystems} is not allowed; use a whole number of 1 or more`);
    }
    const region = props.region ?? "eu-west-1";
    new AwsProvider(this, "aws", { region });
    const network = new Network(this, "network", {
      availabilityZones: props.availabilityZones ?? ["eu-west-1a", "eu-west-1b"],
    });
    for (let index = 1; index <= props.fileSystems; index++) {
      const sharedFileSystem = new SharedFileSystem(this, `shared-file-system-${index}`, {
        name: `home-${index}`,
        vpcId: network.vpcId,
        subnets: network.privateSubnets,
      });
      new EfsMonitoring(this, `monitoring-${index}`, {
        fileSystem: sharedFileSystem,
        region,
        namePrefix: `home-${index}`,
      });
      this.sharedFileSystems.push(sharedFileSystem);
    }
  }
}
