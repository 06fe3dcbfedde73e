/**
 * A Lambda function that mounts the shared file system at /mnt/data through an access point.
 *
 * - `lambdaFileSystemConfig` checks the mount path and returns the function's `fileSystemConfig`,
 *   `vpcConfig` and `dependsOn` (the mount targets).
 * - The function's role gets a grant scoped to the access point; `accessPointsOnly` denies it the
 *   file-system root. Lambda always mounts with TLS and IAM, as the file-system policy requires.
 * - The function's security group is allowed on NFS and may reach the mount targets.
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { lambdaFileSystemConfig } from "cdktf-efs-shared-home/clients";
import { NFS_PORT, SharedFileSystem } from "cdktf-efs-shared-home/efs";
import { Network } from "cdktf-efs-shared-home/network";

const NAME = "lambda";

class LambdaStack extends TerraformStack {
  constructor(scope: Construct, name: string) {
    super(scope, name);
    new AwsProvider(this, "aws", { region: "eu-west-1" });

    const network = new Network(this, "network", { availabilityZones: ["eu-west-1a", "eu-west-1b"] });
    const fileSystem = new SharedFileSystem(this, "shared-file-system", {
      name: NAME,
      vpcId: network.vpcId,
      subnets: network.privateSubnets,
      preventDestroy: false,
      accessPoints: {
        data: {
          path: "/lambda-data",
          posixUser: { uid: 1001, gid: 1001 },
          creationInfo: { ownerUid: 1001, ownerGid: 1001, permissions: "0750" },
        },
      },
    });
    const accessPoint = fileSystem.accessPoints["data"];
    if (!accessPoint) throw new Error("the data access point is declared above");

    const role = new IamRole(this, "function-role", {
      namePrefix: `${NAME}-function-`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    });
    // Logs, and the network interfaces a function in a VPC needs.
    new IamRolePolicyAttachment(this, "function-vpc-access", {
      role: role.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    });
    fileSystem.grantReadWrite(role, { accessPoint, accessPointsOnly: true });

    const functionSecurityGroup = new SecurityGroup(this, "function-security-group", {
      namePrefix: `${NAME}-function-`,
      description: "The function: NFS to the mount targets only",
      vpcId: network.vpcId,
    });
    new VpcSecurityGroupEgressRule(this, "function-nfs-egress", {
      securityGroupId: functionSecurityGroup.id,
      description: "NFS out to the mount targets",
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      referencedSecurityGroupId: fileSystem.mountTargetSecurityGroup.id,
    });
    fileSystem.allowNfsFrom(functionSecurityGroup);

    new LambdaFunction(this, "function", {
      functionName: `${NAME}-efs-reader`,
      role: role.arn,
      runtime: "python3.12",
      handler: "handler.main",
      // Your deployment package; the example plans without it.
      s3Bucket: "my-artifacts-bucket",
      s3Key: "efs-reader.zip",
      ...lambdaFileSystemConfig({
        fileSystem,
        accessPoint,
        localMountPath: "/mnt/data",
        subnetIds: network.privateSubnets.map((subnet) => subnet.id),
        securityGroupIds: [functionSecurityGroup.id],
      }),
    });
  }
}

const app = new App();
new LambdaStack(app, NAME);
app.synth();
