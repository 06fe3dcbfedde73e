import { SharedFileSystem } from "../../modules/efs";
import { ClientFileSystem, EfsClients, EfsClientsProps, MOUNT_SCRIPT } from "../../modules/clients";
import { userDataText } from "../helpers/user-data";
import { configsOf, onlyResource, parsePolicy, synth, testStack, TerraformJson } from "../helpers/synth";

const SUBNETS = [
  { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
  { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
];

function build(props: Partial<EfsClientsProps> = {}) {
  const stack = testStack();
  const fileSystem = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: SUBNETS });
  const clients = new EfsClients(stack, "clients", {
    vpcId: "vpc-11111111",
    subnets: SUBNETS,
    fileSystem,
    region: "eu-west-1",
    ...props,
  });
  return { stack, fileSystem, clients, json: synth(stack) };
}

/** Expects `props` to be refused with every one of `messages`; returns the whole error message. */
function expectInvalid(props: Partial<EfsClientsProps>, ...messages: string[]): string {
  let error: Error | undefined;
  try {
    build(props);
  } catch (caught) {
    error = caught as Error;
  }
  expect(error?.name).toBe("PropsValidationError");
  for (const message of messages) expect(error?.message).toContain(message);
  return error?.message ?? "";
}

/** The user data as the instance receives it; references show as `<address>`. */
function userDataOf(json: TerraformJson): string {
  return userDataText(onlyResource(json, "aws_launch_template").user_data);
}

/** The role policy SSM Agent runs with. */
function ssmAgentPolicyOf(json: TerraformJson) {
  const policies = configsOf(json, "aws_iam_role_policy").filter((p) => p.name === "ssm-agent");
  expect(policies).toHaveLength(1);
  return policies[0];
}

/** The role policy of the efs module's grant: the one that is not SSM Agent's. */
function fileSystemGrantOf(json: TerraformJson) {
  const policies = configsOf(json, "aws_iam_role_policy").filter((p) => p.name !== "ssm-agent");
  expect(policies).toHaveLength(1);
  return policies[0];
}

function sshIngressRules(json: TerraformJson) {
  return configsOf(json, "aws_vpc_security_group_ingress_rule").filter(
    (rule) => rule.from_port <= 22 && rule.to_port >= 22,
  );
}

describe("EfsClients", () => {
  describe("launch template", () => {
    test("requires IMDSv2 with a hop limit of 1 and encrypts the root volume", () => {
      const { json } = build();
      expect(onlyResource(json, "aws_launch_template")).toMatchObject({
        metadata_options: {
          http_endpoint: "enabled",
          http_tokens: "required",
          http_put_response_hop_limit: 1,
        },
        block_device_mappings: [
          {
            device_name: "/dev/xvda",
            ebs: { encrypted: "true", volume_type: "gp3", delete_on_termination: "true" },
          },
        ],
      });
    });

    test("launches t3.micro from the latest Amazon Linux 2023 through its public SSM parameter", () => {
      const { json } = build();
      expect(onlyResource(json, "aws_launch_template")).toMatchObject({
        image_id: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        instance_type: "t3.micro",
        update_default_version: true,
      });
    });

    test("picks the arm64 image for a Graviton type, and takes an explicit AMI and root volume as given", () => {
      expect(onlyResource(build({ instanceType: "t4g.small" }).json, "aws_launch_template").image_id).toBe(
        "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
      );
      const kmsKeyArn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      const { json } = build({
        amiId: "ami-0123456789abcdef0",
        rootVolume: { deviceName: "/dev/sda1", sizeGib: 20, kmsKeyArn },
      });
      expect(onlyResource(json, "aws_launch_template")).toMatchObject({
        image_id: "ami-0123456789abcdef0",
        block_device_mappings: [
          { device_name: "/dev/sda1", ebs: { encrypted: "true", volume_size: 20, kms_key_id: kmsKeyArn } },
        ],
      });
    });

    test("puts the clients in the file system's client group and the admin group", () => {
      const { json } = build();
      const groups: string[] = onlyResource(json, "aws_launch_template").vpc_security_group_ids;
      expect(groups).toHaveLength(2);
      expect(groups[0]).toMatch(/^\$\{aws_security_group\.shared_client-security-group_[0-9A-F]+\.id\}$/);
      expect(groups[1]).toMatch(/^\$\{aws_security_group\.clients_admin-security-group_[0-9A-F]+\.id\}$/);
    });

    test("starts after the mount targets exist", () => {
      const { json } = build();
      expect(onlyResource(json, "aws_launch_template").depends_on).toEqual([
        expect.stringMatching(/^aws_efs_mount_target\.shared_mount-target-eu-west-1a_/),
        expect.stringMatching(/^aws_efs_mount_target\.shared_mount-target-eu-west-1b_/),
      ]);
    });
  });

  describe("user data", () => {
    test("installs the module's script unchanged, with the settings, and runs it", () => {
      const userData = userDataOf(build().json);
      const scriptStart = "cat >/usr/local/sbin/mount-shared-home <<'MOUNT_SHARED_HOME_SCRIPT_END'\n";
      expect(userData).toContain(`${scriptStart}${MOUNT_SCRIPT}MOUNT_SHARED_HOME_SCRIPT_END\n`);
      expect(userData).toMatch(/^#!\/bin\/bash\n/);
      expect(userData).toContain(
        "MOUNT_PATH='/home'\nMOUNT_METHOD='efs-utils'\nMOUNT_READ_ONLY='false'\nSEED_FROM_LOCAL='true'\nWAIT_SECONDS='300'\n",
      );
      expect(userData).toMatch(
        /EFS_FILE_SYSTEM_ID='<aws_efs_file_system\.shared_file-system_[0-9A-F]+\.id>'\n/,
      );
      expect(userData).toMatch(
        /EFS_DNS_NAME='<aws_efs_file_system\.shared_file-system_[0-9A-F]+\.dns_name>'\n/,
      );
      expect(
        userData.endsWith(
          "set -a\n. /etc/mount-shared-home.env\nset +a\n/usr/local/sbin/mount-shared-home\n",
        ),
      ).toBe(true);
    });

    test("runs the additional user data after the share is mounted", () => {
      const userData = userDataOf(build({ additionalUserData: "systemctl enable --now backup.timer" }).json);
      const mounted = userData.indexOf("\n/usr/local/sbin/mount-shared-home\n");
      const additional = userData.indexOf("systemctl enable --now backup.timer\n");
      expect(mounted).toBeGreaterThan(0);
      expect(additional).toBeGreaterThan(mounted);
      expect(userData.endsWith("/usr/local/sbin/shared-home-additional-setup\n")).toBe(true);
    });

    test("passes the mount options: path, method, read-only for read access, no seeding, wait bound", () => {
      const userData = userDataOf(
        build({
          mountPath: "/mnt/shared-home",
          mountMethod: "nfs",
          access: "read",
          seedShareFromLocal: false,
          mountTargetWaitSeconds: 120,
        }).json,
      );
      expect(userData).toContain(
        "MOUNT_PATH='/mnt/shared-home'\nMOUNT_METHOD='nfs'\nMOUNT_READ_ONLY='true'\nSEED_FROM_LOCAL='false'\nWAIT_SECONDS='120'\n",
      );
    });
  });

  describe("placement", () => {
    test("places two instances in distinct AZs by default, replaced when the launch template changes", () => {
      const { json, clients } = build();
      const instances = configsOf(json, "aws_instance");
      expect(instances.map((i) => [i.subnet_id, i.availability_zone])).toEqual([
        ["subnet-0000000a", "eu-west-1a"],
        ["subnet-0000000b", "eu-west-1b"],
      ]);
      for (const instance of instances) {
        expect(instance.launch_template.version).toMatch(
          /^\$\{aws_launch_template\.[^.]+\.latest_version\}$/,
        );
        expect(instance.lifecycle.replace_triggered_by).toEqual([
          expect.stringMatching(/^aws_launch_template\.clients_launch-template_[0-9A-F]+\.latest_version$/),
        ]);
      }
      expect(clients.instances.map((i) => i.availabilityZone)).toEqual(["eu-west-1a", "eu-west-1b"]);
      expect(configsOf(json, "aws_autoscaling_group")).toHaveLength(0);
    });

    test("writes the replacement trigger as a reference in the HCL synth too", () => {
      // GIVEN the default two instances
      const { stack } = build();
      // WHEN the stack is written as HCL
      const hcl: string = stack.toHclTerraform().hcl;
      // THEN each instance's trigger is the launch template's attribute, not a quoted string
      const triggers = hcl.match(/replace_triggered_by\s*=.*/g);
      expect(triggers).toHaveLength(2);
      for (const trigger of triggers ?? []) {
        expect(trigger).toMatch(
          /^replace_triggered_by = \[aws_launch_template\.clients_launch-template_[0-9A-F]+\.latest_version\]$/,
        );
      }
    });

    test("asks for no public IP when told, and leaves it to the subnet by default", () => {
      const instancesOf = (json: TerraformJson) => configsOf(json, "aws_instance");
      for (const instance of instancesOf(build({ associatePublicIpAddress: false }).json)) {
        expect(instance.associate_public_ip_address).toBe(false);
      }
      for (const instance of instancesOf(build().json)) {
        expect(instance).not.toHaveProperty("associate_public_ip_address");
      }
    });

    test("goes round the subnets when there are more instances than AZs", () => {
      const { json } = build({ count: 3 });
      expect(configsOf(json, "aws_instance").map((i) => i.availability_zone)).toEqual([
        "eu-west-1a",
        "eu-west-1b",
        "eu-west-1a",
      ]);
    });

    test("a fleet is an Auto Scaling group over every subnet that rolls on a new template version", () => {
      const { json, clients } = build({ placement: "fleet", count: 4 });
      expect(configsOf(json, "aws_instance")).toHaveLength(0);
      expect(onlyResource(json, "aws_autoscaling_group")).toMatchObject({
        min_size: 4,
        max_size: 4,
        desired_capacity: 4,
        vpc_zone_identifier: ["subnet-0000000a", "subnet-0000000b"],
        launch_template: { version: expect.stringMatching(/\.latest_version\}$/) },
        instance_refresh: { strategy: "Rolling", preferences: { min_healthy_percentage: 50 } },
      });
      expect(clients.instances).toEqual([]);
      expect(clients.sessionCommands).toHaveLength(1);
      expect(clients.sessionCommands[0]).toMatch(
        /^aws ssm start-session --region eu-west-1 --target "\$\(aws autoscaling describe-auto-scaling-groups --region eu-west-1 --auto-scaling-group-names \$\{TfToken/,
      );
    });

    test("gives the SSM session command of each instance", () => {
      const { clients } = build();
      expect(clients.sessionCommands).toEqual([
        expect.stringMatching(
          /^aws ssm start-session --target \$\{TfToken\[TOKEN\.\d+\]\} --region eu-west-1$/,
        ),
        expect.stringMatching(
          /^aws ssm start-session --target \$\{TfToken\[TOKEN\.\d+\]\} --region eu-west-1$/,
        ),
      ]);
    });
  });

  describe("access", () => {
    test("has no SSH ingress at all by default, and egress on 443 and 80 only", () => {
      const { json } = build();
      expect(sshIngressRules(json)).toEqual([]);
      const egress = configsOf(json, "aws_vpc_security_group_egress_rule").filter((rule) =>
        String(rule.security_group_id).includes("clients_admin-security-group"),
      );
      expect(egress.map((rule) => [rule.from_port, rule.to_port, rule.cidr_ipv4]).sort()).toEqual([
        [443, 443, "0.0.0.0/0"],
        [80, 80, "0.0.0.0/0"],
      ]);
      for (const rule of egress) expect(rule.description).toEqual(expect.any(String));
    });

    test("reaches the mount targets on TCP 2049 only, through the file system's client group", () => {
      // GIVEN the clients, which join the file system's client group (see "launch template")
      const { json } = build();
      const clientGroup = /^\$\{aws_security_group\.shared_client-security-group_[0-9A-F]+\.id\}$/;
      const mountTargetGroup = /^\$\{aws_security_group\.shared_mount-target-security-group_[0-9A-F]+\.id\}$/;
      // THEN the client group's only egress is NFS to the mount-target group: port and protocol matter
      const clientEgress = configsOf(json, "aws_vpc_security_group_egress_rule").filter((rule) =>
        clientGroup.test(rule.security_group_id),
      );
      expect(clientEgress).toEqual([
        expect.objectContaining({
          ip_protocol: "tcp",
          from_port: 2049,
          to_port: 2049,
          referenced_security_group_id: expect.stringMatching(mountTargetGroup),
        }),
      ]);
      expect(clientEgress[0].cidr_ipv4).toBeUndefined();
      // and the mount targets take exactly that in, from the client group
      const mountTargetIngress = configsOf(json, "aws_vpc_security_group_ingress_rule").filter((rule) =>
        mountTargetGroup.test(rule.security_group_id),
      );
      expect(mountTargetIngress).toEqual([
        expect.objectContaining({
          ip_protocol: "tcp",
          from_port: 2049,
          to_port: 2049,
          referenced_security_group_id: expect.stringMatching(clientGroup),
        }),
      ]);
    });

    test("opens SSH only from the listed CIDRs", () => {
      const { json } = build({ sshIngressCidrs: ["203.0.113.0/24", "2001:db8::/48"] });
      const rules = sshIngressRules(json);
      expect(
        rules.map((rule) => [rule.from_port, rule.to_port, rule.cidr_ipv4 ?? rule.cidr_ipv6]).sort(),
      ).toEqual([
        [22, 22, "2001:db8::/48"],
        [22, 22, "203.0.113.0/24"],
      ]);
      expect(rules.find((rule) => rule.cidr_ipv6)?.cidr_ipv4).toBeUndefined();
      for (const rule of rules) {
        expect(rule.security_group_id).toMatch(/clients_admin-security-group/);
        expect(rule.description).toMatch(/^SSH in from /);
      }
    });

    test("refuses SSH from anywhere without the switch", () => {
      const message = expectInvalid(
        { sshIngressCidrs: ["0.0.0.0/0", "::/0", "0.0.0.0/1", "10.0.0.0/8"] },
        'sshIngressCidrs[0]: "0.0.0.0/0" opens SSH to the whole internet; list the networks admins connect from, use SSM Session Manager instead, or set allowSshFromAnywhere: true if you really mean it',
        'sshIngressCidrs[1]: "::/0" opens SSH to the whole internet',
        'sshIngressCidrs[2]: "0.0.0.0/1" opens SSH to a block wider than /8, i.e. to anyone',
      );
      // a /8 is narrow enough to count as explicit
      expect(message).not.toContain("sshIngressCidrs[3]");
    });

    test("accepts 0.0.0.0/0 for SSH only with allowSshFromAnywhere", () => {
      const { json } = build({ sshIngressCidrs: ["0.0.0.0/0"], allowSshFromAnywhere: true });
      expect(sshIngressRules(json).map((rule) => rule.cidr_ipv4)).toEqual(["0.0.0.0/0"]);
      // the switch alone opens nothing
      expect(sshIngressRules(build({ allowSshFromAnywhere: true }).json)).toEqual([]);
    });

    test("has an instance profile with Session Manager and Run Command only, from a role EC2 assumes", () => {
      const { json } = build();
      const role = onlyResource(json, "aws_iam_role");
      expect(parsePolicy(role.assume_role_policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      });
      // Written out here, not read from the module: the list is the guarantee under test.
      expect(parsePolicy(ssmAgentPolicyOf(json).policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "SessionManagerAndRunCommand",
            Effect: "Allow",
            Action: [
              "ssm:UpdateInstanceInformation",
              "ssmmessages:CreateControlChannel",
              "ssmmessages:CreateDataChannel",
              "ssmmessages:OpenControlChannel",
              "ssmmessages:OpenDataChannel",
              "ec2messages:AcknowledgeMessage",
              "ec2messages:DeleteMessage",
              "ec2messages:FailMessage",
              "ec2messages:GetEndpoint",
              "ec2messages:GetMessages",
              "ec2messages:SendReply",
            ],
            Resource: "*",
          },
        ],
      });
      expect(ssmAgentPolicyOf(json).role).toMatch(/^\$\{aws_iam_role\.clients_clients-role_[0-9A-F]+\.id\}$/);
      // no managed policy at all: AmazonSSMManagedInstanceCore reads every SSM parameter
      expect(configsOf(json, "aws_iam_role_policy_attachment")).toEqual([]);
      expect(onlyResource(json, "aws_iam_instance_profile").role).toMatch(
        /^\$\{aws_iam_role\.clients_clients-role_[0-9A-F]+\.name\}$/,
      );
      expect(onlyResource(json, "aws_launch_template").iam_instance_profile.arn).toMatch(
        /^\$\{aws_iam_instance_profile\.clients_instance-profile_[0-9A-F]+\.arn\}$/,
      );
    });

    test("no policy of the clients' role allows reading SSM parameters, on any resource", () => {
      const { json } = build();
      const statements = configsOf(json, "aws_iam_role_policy").flatMap(
        (policy) => parsePolicy(policy.policy).Statement as { Action: string | string[] }[],
      );
      expect(statements.length).toBeGreaterThanOrEqual(2); // the SSM agent's and the file-system grant
      for (const statement of statements) {
        const actions = [statement.Action].flat();
        for (const action of actions) {
          expect(action).not.toMatch(/^(\*|ssm:\*|ssm:Get.*)$/);
        }
      }
    });

    test("grants root access on this file system only, in the role's policy and the file-system policy", () => {
      const { json } = build();
      const identityPolicy = parsePolicy(fileSystemGrantOf(json).policy);
      expect(identityPolicy.Statement).toEqual([
        {
          Effect: "Allow",
          Action: [
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite",
            "elasticfilesystem:ClientRootAccess",
          ],
          Resource: expect.stringMatching(/^\$\{aws_efs_file_system\.shared_file-system_[0-9A-F]+\.arn\}$/),
          Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } },
        },
      ]);
      const fileSystemPolicy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy);
      const grant = fileSystemPolicy.Statement.find((s: { Sid: string }) => s.Sid === "AllowRoot");
      expect(grant.Principal.AWS).toMatch(/^\$\{aws_iam_role\.clients_clients-role_[0-9A-F]+\.arn\}$/);
    });

    test("grants read or read-write access when asked", () => {
      const read = parsePolicy(
        fileSystemGrantOf(build({ access: "read", seedShareFromLocal: false }).json).policy,
      );
      expect(read.Statement[0].Action).toEqual(["elasticfilesystem:ClientMount"]);
      const readWrite = parsePolicy(
        fileSystemGrantOf(build({ access: "read-write", seedShareFromLocal: false }).json).policy,
      );
      expect(readWrite.Statement[0].Action).toEqual([
        "elasticfilesystem:ClientMount",
        "elasticfilesystem:ClientWrite",
      ]);
    });

    test("two groups of clients on one file system, such as the clients and a backup host, coexist", () => {
      // GIVEN
      const stack = testStack();
      const fileSystem = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: SUBNETS });
      const common = { vpcId: "vpc-11111111", subnets: SUBNETS, fileSystem, region: "eu-west-1" };
      // WHEN
      new EfsClients(stack, "clients", common);
      const backupHost = new EfsClients(stack, "backup-host", {
        ...common,
        count: 1,
        mountPath: "/mnt/shared-home",
        seedShareFromLocal: false,
        access: "read",
        namePrefix: "shared-home-backup",
        additionalUserData: "echo backup host ready",
      });
      const json = synth(stack);
      // THEN
      expect(configsOf(json, "aws_instance")).toHaveLength(3);
      expect(backupHost.instances).toHaveLength(1);
      const sids = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy).Statement.map(
        (s: { Sid: string }) => s.Sid,
      );
      expect(sids).toEqual(expect.arrayContaining(["AllowRoot", "AllowRead"]));
    });
  });

  describe("validation", () => {
    test("lists every problem at once, each with the field, the value and what is allowed", () => {
      expectInvalid(
        {
          count: 0,
          placement: "spot" as never,
          mountMethod: "smb" as never,
          subnets: [],
          mountPath: "/etc",
          mountTargetWaitSeconds: 5,
          instanceType: "large",
          amiId: "ubuntu",
          sshIngressCidrs: ["10.0.0.1/16"],
        },
        "count: 0 is not allowed; use an integer from 1 to 100",
        'placement: "spot" is not allowed; use one of ["instances","fleet"]',
        'mountMethod: "smb" is not allowed; use one of ["efs-utils","nfs"]',
        "subnets: is empty; give at least one subnet to place clients in",
        'mountPath: "/etc" would hide a system directory',
        "mountTargetWaitSeconds: 5 is out of range; allowed 10 to 3600 seconds",
        'instanceType: "large" is not an instance type such as "t3.micro"',
        'amiId: "ubuntu" is neither an AMI id',
        'sshIngressCidrs[0]: "10.0.0.1/16" is not a CIDR block',
      );
    });

    test("refuses unsafe mount paths", () => {
      expectInvalid({ mountPath: "/" }, 'mountPath: "/" must be an absolute path other than "/"');
      expectInvalid({ mountPath: "home" }, 'mountPath: "home" must be an absolute path');
      expectInvalid({ mountPath: "/home/../etc" }, 'mountPath: "/home/../etc" must be an absolute path');
      expectInvalid({ mountPath: "/usr/local" }, 'mountPath: "/usr/local" would hide a system directory');
    });

    test("refuses seeding without root access, and subnets that repeat an AZ", () => {
      expectInvalid(
        {
          access: "read-write",
          subnets: [SUBNETS[0], { id: "subnet-0000000c", availabilityZone: "eu-west-1a" }],
        },
        'seedShareFromLocal: is true but access is "read-write"; seeding copies every user\'s files with their owners, which needs access "root"',
        'subnets: has more than one subnet in ["eu-west-1a"]; give one subnet per AZ',
      );
    });

    test("refuses additional user data that would end an embedded file early or overflow EC2's limit", () => {
      expectInvalid(
        { additionalUserData: "echo a\nMOUNT_SHARED_HOME_SCRIPT_END\n" },
        'additionalUserData: must not contain a line ["MOUNT_SHARED_HOME_SCRIPT_END"]',
      );
      const random = Array.from({ length: 20000 }, (_, i) => ((i * 7919) % 65536).toString(36)).join(" ");
      expectInvalid({ additionalUserData: `echo ${random}` }, "bytes gzip-compressed; EC2 allows 16384");
    });
  });
});

// The offline plan of EfsClients (the user data Terraform computes) is in __tests__/stacks/plan.test.ts,
// planned with the stacks in one terraform configuration.

describe("EfsClients placement against the file system's mount targets", () => {
  test("refuses a subnet in an AZ without a mount target (One Zone), naming the subnet's field", () => {
    // GIVEN a One Zone file system with its only mount target in eu-west-1b
    const stack = testStack();
    const oneZone = new SharedFileSystem(stack, "shared", {
      vpcId: "vpc-11111111",
      subnets: [SUBNETS[1]],
      oneZoneAvailabilityZone: "eu-west-1b",
    });
    // WHEN clients are placed in both AZs THEN the one in eu-west-1a is refused
    expect(
      () =>
        new EfsClients(stack, "clients", {
          vpcId: "vpc-11111111",
          subnets: SUBNETS,
          fileSystem: oneZone,
          region: "eu-west-1",
        }),
    ).toThrow(
      'subnets[0]: is in "eu-west-1a", where the file system has no mount target (it has them in ["eu-west-1b"]); a client there cannot resolve the file system\'s name and never mounts. Use subnets in those AZs',
    );
    // AND clients in the mount target's AZ are fine
    expect(
      () =>
        new EfsClients(stack, "clients-in-1b", {
          vpcId: "vpc-11111111",
          subnets: [SUBNETS[1]],
          fileSystem: oneZone,
          region: "eu-west-1",
        }),
    ).not.toThrow();
  });

  test("accepts any subnet for a file system that does not list its mount targets", () => {
    // GIVEN a file system known by its attributes only, without mount targets
    const stack = testStack();
    const known = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: SUBNETS });
    const byAttributes: ClientFileSystem = {
      node: known.node,
      fileSystemId: known.fileSystemId,
      dnsName: known.dnsName,
      clientSecurityGroup: known.clientSecurityGroup,
      grantRead: (role) => known.grantRead(role),
      grantReadWrite: (role) => known.grantReadWrite(role),
      grantRootAccess: (role) => known.grantRootAccess(role),
    };
    // THEN nothing can be checked, and nothing is refused
    const subnets = [{ id: "subnet-0000000c", availabilityZone: "eu-west-1c" }];
    expect(
      () =>
        new EfsClients(stack, "clients", {
          vpcId: "vpc-11111111",
          subnets,
          fileSystem: byAttributes,
          region: "eu-west-1",
        }),
    ).not.toThrow();
  });
});
