/**
 * An ECS Fargate service whose tasks mount the shared file system through an access point.
 *
 * - The task role gets a grant scoped to the access point, and `accessPointsOnly` denies it the
 *   file-system root.
 * - The volume comes from `ecsEfsVolume`: TLS in transit (the file-system policy denies every request
 *   without it), IAM authorization with the task role, and the access point.
 * - Fargate mounts EFS from platform version 1.4.0 on.
 * - The service waits for the mount targets (`dependsOn: mountTargetResources`).
 */
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { ecsEfsVolume } from "cdktf-efs-shared-home/clients";
import { NFS_PORT, SharedFileSystem } from "cdktf-efs-shared-home/efs";
import { Network } from "cdktf-efs-shared-home/network";

const NAME = "ecs-fargate";

function assumedBy(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}

class EcsFargateStack extends TerraformStack {
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
        web: {
          path: "/web",
          posixUser: { uid: 1000, gid: 1000 },
          creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "0750" },
        },
      },
    });
    const accessPoint = fileSystem.accessPoints["web"];
    if (!accessPoint) throw new Error("the web access point is declared above");

    const taskRole = new IamRole(this, "task-role", {
      namePrefix: `${NAME}-task-`,
      assumeRolePolicy: assumedBy("ecs-tasks.amazonaws.com"),
    });
    fileSystem.grantReadWrite(taskRole, { accessPoint, accessPointsOnly: true });
    const executionRole = new IamRole(this, "execution-role", {
      namePrefix: `${NAME}-execution-`,
      assumeRolePolicy: assumedBy("ecs-tasks.amazonaws.com"),
    });
    new IamRolePolicyAttachment(this, "execution-role-policy", {
      role: executionRole.name,
      policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    });

    const serviceSecurityGroup = new SecurityGroup(this, "service-security-group", {
      namePrefix: `${NAME}-service-`,
      description: "Fargate tasks: NFS to the mount targets, HTTPS out for image pulls",
      vpcId: network.vpcId,
    });
    new VpcSecurityGroupEgressRule(this, "service-nfs-egress", {
      securityGroupId: serviceSecurityGroup.id,
      description: "NFS out to the mount targets",
      ipProtocol: "tcp",
      fromPort: NFS_PORT,
      toPort: NFS_PORT,
      referencedSecurityGroupId: fileSystem.mountTargetSecurityGroup.id,
    });
    new VpcSecurityGroupEgressRule(this, "service-https-egress", {
      securityGroupId: serviceSecurityGroup.id,
      description: "HTTPS out: image pulls and AWS APIs",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
    });
    fileSystem.allowNfsFrom(serviceSecurityGroup);

    const cluster = new EcsCluster(this, "cluster", { name: NAME });
    const taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      family: `${NAME}-web`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      taskRoleArn: taskRole.arn,
      executionRoleArn: executionRole.arn,
      containerDefinitions: JSON.stringify([
        {
          name: "web",
          image: "public.ecr.aws/nginx/nginx:stable",
          essential: true,
          portMappings: [{ containerPort: 80 }],
          mountPoints: [{ sourceVolume: "web-content", containerPath: "/usr/share/nginx/html" }],
        },
      ]),
      volume: [ecsEfsVolume({ name: "web-content", fileSystem, accessPoint })],
    });
    new EcsService(this, "service", {
      name: "web",
      cluster: cluster.id,
      taskDefinition: taskDefinition.arn,
      desiredCount: 1,
      launchType: "FARGATE",
      platformVersion: "1.4.0",
      networkConfiguration: {
        subnets: network.publicSubnets.map((subnet) => subnet.id),
        securityGroups: [serviceSecurityGroup.id],
        assignPublicIp: true,
      },
      dependsOn: [...fileSystem.mountTargetResources],
    });
  }
}

const app = new App();
new EcsFargateStack(app, NAME);
app.synth();
