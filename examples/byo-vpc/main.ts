/**
 * Bring your own VPC: a shared file system in a VPC, subnets, IAM role and security group that
 * already exist and that another team owns. Everything existing is named by id or ARN, with no data
 * source, so `cdktf synth` and `terraform plan` make no AWS call to look them up.
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SharedFileSystem } from "cdktf-efs-shared-home/efs";
import { EfsMonitoring } from "cdktf-efs-shared-home/monitoring";
import { Network } from "cdktf-efs-shared-home/network";

const REGION = "eu-west-1";

class ByoVpcStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: REGION });

    // The platform team's VPC: checked for one subnet per AZ, but not created or changed.
    const network = Network.fromExisting({
      vpcId: "vpc-0a1b2c3d4e5f60718",
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      publicSubnets: [
        { id: "subnet-0aaaaaaaaaaaaaaa1", availabilityZone: "eu-west-1a" },
        { id: "subnet-0aaaaaaaaaaaaaaa2", availabilityZone: "eu-west-1b" },
      ],
      privateSubnets: [
        { id: "subnet-0bbbbbbbbbbbbbbb1", availabilityZone: "eu-west-1a" },
        { id: "subnet-0bbbbbbbbbbbbbbb2", availabilityZone: "eu-west-1b" },
      ],
    });

    const home = new SharedFileSystem(this, "home", {
      vpcId: network.vpcId,
      subnets: network.privateSubnets,
      name: "team-home",
      accessPoints: {
        app: {
          path: "/app",
          posixUser: { uid: 1000, gid: 1000 },
          creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "750" },
        },
      },
    });
    const appAccessPoint = home.accessPoints["app"];
    if (appAccessPoint === undefined) throw new Error("the app access point was not created");

    // The application's role and security group exist already, by ARN and by id.
    home.grantReadWrite(
      { roleArn: "arn:aws:iam::111122223333:role/app-server" },
      { accessPoint: appAccessPoint },
    );
    home.allowNfsFrom("sg-0123456789abcdef0");

    new EfsMonitoring(this, "monitoring", {
      fileSystem: home,
      region: REGION,
      alarmEmails: ["platform-team@example.com"],
    });

    new TerraformOutput(this, "file-system-id", { value: home.fileSystemId });
    new TerraformOutput(this, "access-point-arn", { value: appAccessPoint.arn });
  }
}

const app = new App();
new ByoVpcStack(app, "byo-vpc");
app.synth();
