import { Construct } from "constructs";
import { App, Fn, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import type { GrantableRole } from "../../modules/efs";
import { ClientFileSystem, EfsClients } from "../../modules/clients";

/** A file system whose id and DNS name are Terraform expressions known at plan time. */
export class PlannableFileSystem extends Construct implements ClientFileSystem {
  readonly fileSystemId = Fn.lower("fs-0123456789ABCDEF0");
  readonly dnsName = Fn.lower("fs-0123456789ABCDEF0.efs.eu-west-1.amazonaws.com");
  readonly clientSecurityGroup: SecurityGroup;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.clientSecurityGroup = new SecurityGroup(this, "client-security-group", { vpcId: "vpc-11111111" });
  }
  grantRead(role: GrantableRole) {
    this.grant(role, ["elasticfilesystem:ClientMount"]);
  }
  grantReadWrite(role: GrantableRole) {
    this.grant(role, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
  }
  grantRootAccess(role: GrantableRole) {
    this.grant(role, [
      "elasticfilesystem:ClientMount",
      "elasticfilesystem:ClientWrite",
      "elasticfilesystem:ClientRootAccess",
    ]);
  }
  private grant(role: GrantableRole, actions: string[]) {
    new IamRolePolicy(this, "grant", {
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
      }),
    });
  }
}

/**
 * A stack of EfsClients alone, on a file system whose id Terraform knows at plan time, so the user data
 * is known in the plan too. Its additional user data has shell syntax that Terraform would read as its
 * own, and a Terraform value in the middle.
 */
export function addPlannableClientsStack(app: App, name: string): TerraformStack {
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new EfsClients(stack, "clients", {
    vpcId: "vpc-11111111",
    subnets: [
      { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
      { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
    ],
    fileSystem: new PlannableFileSystem(stack, "file-system"),
    region: "eu-west-1",
    additionalUserData: `echo "\${HOME} %{x}" \\\nsetup-volume ${Fn.lower("VOL-0123")} --now\n`,
  });
  return stack;
}
