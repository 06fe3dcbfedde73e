/**
 * The case study's web fleet: an Auto Scaling group behind an Application Load Balancer. The code
 * lives in S3 and is synced onto each machine's local disk (at boot, and on demand through SSM Run
 * Command: `aws ssm send-command` on the output `code_sync_command`); only the media sits on EFS,
 * mounted at /var/www/media and served under /media/.
 *
 * Upload a release with `npm run release-upload -- ./build s3://<bucket>/releases/web` (files, then a
 * manifest with each file's sha256, then the CURRENT pointer; docs/web-fleet.md), then run the
 * output `code_sync_command` (or `npm run fleet-sync -- web-fleet` in the library's repository).
 */
import { App, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Network } from "cdktf-efs-shared-home/network";
import { SharedFileSystem } from "cdktf-efs-shared-home/efs";
import { EfsClients } from "cdktf-efs-shared-home/clients";

const HTTP_PORT = 80;
/** Where the media share is mounted; the web server serves it under /media/. */
const MEDIA_PATH = "/var/www/media";

/** The web server: Apache with PHP, its document root the synced code, /media/ from EFS. */
const WEB_SERVER_SETUP = `dnf install -y httpd php
cat >/etc/httpd/conf.d/media.conf <<'EOF'
Alias /media/ ${MEDIA_PATH}/
<Directory ${MEDIA_PATH}>
  Options -Indexes
  Require all granted
</Directory>
EOF
systemctl enable --now php-fpm httpd
`;

class WebFleetStack extends TerraformStack {
  constructor(scope: Construct, name: string) {
    super(scope, name);
    new AwsProvider(this, "aws", { region: "eu-west-1" });

    const network = new Network(this, "network", {
      availabilityZones: ["eu-west-1a", "eu-west-1b"],
      namePrefix: name,
    });
    const media = new SharedFileSystem(this, "media", {
      name: `${name}-media`,
      vpcId: network.vpcId,
      subnets: network.privateSubnets,
    });

    const albSecurityGroup = new SecurityGroup(this, "alb-security-group", {
      namePrefix: `${name}-alb-`,
      description: "The web fleet's load balancer: HTTP in from anywhere, out to the fleet",
      vpcId: network.vpcId,
    });
    new VpcSecurityGroupIngressRule(this, "alb-http-in", {
      securityGroupId: albSecurityGroup.id,
      description: "HTTP from the internet",
      ipProtocol: "tcp",
      fromPort: HTTP_PORT,
      toPort: HTTP_PORT,
      cidrIpv4: "0.0.0.0/0",
    });
    const alb = new Lb(this, "alb", {
      namePrefix: "web-",
      loadBalancerType: "application",
      subnets: network.publicSubnets.map((subnet) => subnet.id),
      securityGroups: [albSecurityGroup.id],
      dropInvalidHeaderFields: true,
    });
    const targetGroup = new LbTargetGroup(this, "web-target-group", {
      namePrefix: "web-",
      port: HTTP_PORT,
      protocol: "HTTP",
      vpcId: network.vpcId,
      deregistrationDelay: "30",
      healthCheck: { path: "/", matcher: "200-399" },
    });
    new LbListener(this, "http-listener", {
      loadBalancerArn: alb.arn,
      port: HTTP_PORT,
      protocol: "HTTP",
      defaultAction: [{ type: "forward", targetGroupArn: targetGroup.arn }],
    });

    const fleet = new EfsClients(this, "web-fleet", {
      vpcId: network.vpcId,
      subnets: network.publicSubnets,
      fileSystem: media,
      region: "eu-west-1",
      placement: "fleet",
      count: 2,
      namePrefix: `${name}-web`,
      mountPath: MEDIA_PATH,
      // The web server writes uploads as its own user; nothing to seed.
      access: "read-write",
      seedShareFromLocal: false,
      targetGroupArns: [targetGroup.arn],
      codeSync: { bucketName: "example-web-code", prefix: "releases/web", keepReleases: 2 },
      additionalUserData: WEB_SERVER_SETUP,
    });

    new VpcSecurityGroupEgressRule(this, "alb-to-fleet", {
      securityGroupId: albSecurityGroup.id,
      description: "HTTP to the web fleet",
      ipProtocol: "tcp",
      fromPort: HTTP_PORT,
      toPort: HTTP_PORT,
      referencedSecurityGroupId: fleet.adminSecurityGroup.id,
    });
    new VpcSecurityGroupIngressRule(this, "fleet-from-alb", {
      securityGroupId: fleet.adminSecurityGroup.id,
      description: "HTTP from the load balancer only",
      ipProtocol: "tcp",
      fromPort: HTTP_PORT,
      toPort: HTTP_PORT,
      referencedSecurityGroupId: albSecurityGroup.id,
    });

    new TerraformOutput(this, "url", { value: `http://${alb.dnsName}/` });
    if (fleet.codeSync) {
      new TerraformOutput(this, "code_sync_document_name", { value: fleet.codeSync.documentName });
      new TerraformOutput(this, "code_sync_target_tag", {
        value: `${fleet.codeSync.targetTag.key}=${fleet.codeSync.targetTag.value}`,
      });
      new TerraformOutput(this, "code_sync_command", { value: fleet.codeSync.sendCommand });
    }
  }
}

const app = new App();
new WebFleetStack(app, "web-fleet");
app.synth();
