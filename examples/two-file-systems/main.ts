/**
 * Two shared file systems in one stack, both used by the same application: one role is granted on
 * both and one security group is allowed on both. Both keep the default name on purpose: every
 * resource and policy name a grant derives must still be unique.
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Network } from "cdktf-efs-shared-home/network";
import { SharedFileSystem } from "cdktf-efs-shared-home/efs";

const REGION = "eu-west-1";

class TwoFileSystemsStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: REGION });

    const network = new Network(this, "network", {
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      namePrefix: "two-fs",
    });

    const appRole = new IamRole(this, "app-role", {
      name: "two-fs-app",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    });
    const appSecurityGroup = new SecurityGroup(this, "app-security-group", {
      namePrefix: "two-fs-app-",
      description: "The application's instances",
      vpcId: network.vpcId,
    });

    const fileSystems = ["home", "projects"].map(
      (id) => new SharedFileSystem(this, id, { vpcId: network.vpcId, subnets: network.privateSubnets }),
    );
    for (const fileSystem of fileSystems) {
      fileSystem.grantReadWrite(appRole);
      fileSystem.allowNfsFrom(appSecurityGroup);
      new TerraformOutput(this, `${fileSystem.node.id}-dns-name`, { value: fileSystem.dnsName });
    }
  }
}

const app = new App();
new TwoFileSystemsStack(app, "two-file-systems");
app.synth();
