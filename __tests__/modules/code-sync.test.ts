import { Fn } from "cdktf";
import { SharedFileSystem } from "../../modules/efs";
import { EfsClients, EfsClientsProps, SYNC_SCRIPT } from "../../modules/clients";
import { userDataLiterals } from "../helpers/user-data";
import { configsOf, onlyResource, parsePolicy, synth, testStack, TerraformJson } from "../helpers/synth";

const SUBNETS = [
  { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
  { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
];
const TARGET_GROUP = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef";
const KEY = "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CODE = { bucketName: "example-web-code", prefix: "releases/web" };

function build(props: Partial<EfsClientsProps> = {}) {
  const stack = testStack();
  const fileSystem = new SharedFileSystem(stack, "shared", { vpcId: "vpc-11111111", subnets: SUBNETS });
  const clients = new EfsClients(stack, "clients", {
    vpcId: "vpc-11111111",
    subnets: SUBNETS,
    fileSystem,
    region: "eu-west-1",
    namePrefix: "web",
    ...props,
  });
  return { clients, json: synth(stack) };
}

function errorOf(props: Partial<EfsClientsProps>): string {
  try {
    build(props);
  } catch (error) {
    expect((error as Error).name).toBe("PropsValidationError");
    return (error as Error).message;
  }
  throw new Error("expected the props to be refused");
}

const userDataOf = (json: TerraformJson) =>
  userDataLiterals(onlyResource(json, "aws_launch_template").user_data);

describe("EfsClients fleet behind a load balancer", () => {
  test("the Auto Scaling group registers with the target groups and takes the load balancer's health checks", () => {
    const { json } = build({ placement: "fleet", targetGroupArns: [TARGET_GROUP] });
    expect(onlyResource(json, "aws_autoscaling_group")).toMatchObject({
      target_group_arns: [TARGET_GROUP],
      health_check_type: "ELB",
      health_check_grace_period: 300,
    });
  });

  test("without target groups the fleet keeps EC2 health checks and registers nowhere", () => {
    const group = onlyResource(build({ placement: "fleet" }).json, "aws_autoscaling_group");
    expect(group.health_check_type).toBe("EC2");
    expect(group.target_group_arns).toBeUndefined();
  });

  test("a target group reference (a token) is passed through unchecked", () => {
    const arn = Fn.lower("ARN-FROM-ELSEWHERE");
    const group = onlyResource(
      build({ placement: "fleet", targetGroupArns: [arn] }).json,
      "aws_autoscaling_group",
    );
    expect(group.target_group_arns).toEqual(['${lower("ARN-FROM-ELSEWHERE")}']);
  });

  test("target groups with fixed instances, a malformed ARN and a repeated one are all refused", () => {
    const message = errorOf({
      targetGroupArns: [
        TARGET_GROUP,
        TARGET_GROUP,
        "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x",
      ],
    });
    expect(message).toBe(
      [
        "Invalid props for test/clients:",
        '  - targetGroupArns: is set but placement is "instances"; only an Auto Scaling group (placement: "fleet") registers its machines with target groups',
        '  - targetGroupArns[2]: "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x" is not a target group ARN such as "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef"',
        `  - targetGroupArns: lists ["${TARGET_GROUP}"] twice`,
      ].join("\n"),
    );
  });
});

describe("EfsClients code sync", () => {
  test("an SSM Command document (schema 2.2) runs the installed script, bounded beyond the script's own timeout", () => {
    const { json, clients } = build({
      placement: "fleet",
      codeSync: { ...CODE, timeoutSeconds: 300 },
    });
    const document = onlyResource(json, "aws_ssm_document");
    expect(document).toMatchObject({
      name: "web-sync-code",
      document_type: "Command",
      document_format: "JSON",
      target_type: "/AWS::EC2::Instance",
    });
    expect(JSON.parse(document.content)).toEqual({
      schemaVersion: "2.2",
      description:
        "Syncs the code from s3://example-web-code/releases/web/ into /var/www/html and switches to it atomically. Exits 75 at once when a sync is already running.",
      mainSteps: [
        {
          action: "aws:runShellScript",
          name: "syncCode",
          precondition: { StringEquals: ["platformType", "Linux"] },
          inputs: {
            timeoutSeconds: "420",
            runCommand: ["set -a; . /etc/sync-code.env; set +a", "exec /usr/local/sbin/sync-code"],
          },
        },
      ],
    });
    expect(clients.codeSync?.documentName).toBe("web-sync-code");
    expect(clients.codeSync?.sendCommand).toBe(
      "aws ssm send-command --region eu-west-1 --document-name web-sync-code --targets Key=tag:CodeSyncGroup,Values=web --max-concurrency 100% --max-errors 100% --query Command.CommandId --output text",
    );
  });

  test("every machine carries the tag Run Command targets", () => {
    const template = onlyResource(build({ placement: "fleet", codeSync: CODE }).json, "aws_launch_template");
    const instanceTags = template.tag_specifications.find(
      (spec: { resource_type: string }) => spec.resource_type === "instance",
    );
    expect(instanceTags.tags).toEqual({ CodeSyncGroup: "web", Name: "web" });
    const fixed = configsOf(build({ codeSync: CODE, count: 2 }).json, "aws_instance");
    expect(fixed.map((instance) => instance.tags)).toEqual([
      { CodeSyncGroup: "web", Name: "web-1" },
      { CodeSyncGroup: "web", Name: "web-2" },
    ]);
  });

  test("the instance role may list only under the prefix, read only objects under it, and decrypt only through S3", () => {
    const { json } = build({ placement: "fleet", codeSync: { ...CODE, kmsKeyArn: KEY } });
    const policy = configsOf(json, "aws_iam_role_policy").find((p) => p.name === "web-code-sync-read");
    expect(policy?.role).toMatch(/^\$\{aws_iam_role\.clients_clients-role_[0-9A-F]+\.id\}$/);
    const arnPrefix = String.raw`^arn:\$\{element\(split\(':', aws_iam_role\.clients_clients-role_[0-9A-F]+\.arn\), 1\)\}:s3:::`;
    const document = parsePolicy(policy!.policy);
    expect(document.Statement).toEqual([
      {
        Sid: "ListCode",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: expect.stringMatching(new RegExp(`${arnPrefix}example-web-code$`)),
        Condition: { StringLike: { "s3:prefix": ["releases/web/*"] } },
      },
      {
        Sid: "ReadCode",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: expect.stringMatching(new RegExp(`${arnPrefix}example-web-code/releases/web/\\*$`)),
      },
      {
        Sid: "DecryptCode",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY,
        Condition: { StringEquals: { "kms:ViaService": "s3.eu-central-1.amazonaws.com" } },
      },
    ]);
  });

  test("without a prefix the role reads the whole bucket and gets no KMS statement", () => {
    const { json } = build({ placement: "fleet", codeSync: { bucketName: "example-web-code" } });
    const policy = configsOf(json, "aws_iam_role_policy").find((p) => p.name === "web-code-sync-read");
    const statements = parsePolicy(policy!.policy).Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(["ListCode", "ReadCode"]);
    expect(statements[0].Condition).toBeUndefined();
    expect(statements[1].Resource).toMatch(/:s3:::example-web-code\/\*$/);
  });

  test("the user data installs the script and its settings, and runs the first sync after the setup", () => {
    const userData = userDataOf(
      build({
        placement: "fleet",
        codeSync: { ...CODE, targetPath: "/srv/app", keepReleases: 5 },
        additionalUserData: "dnf install -y httpd",
      }).json,
    );
    expect(userData).toContain(
      "cat >/etc/sync-code.env <<'SYNC_CODE_SETTINGS_END'\n" +
        "SOURCE_BUCKET='example-web-code'\nSOURCE_PREFIX='releases/web'\nTARGET_PATH='/srv/app'\n" +
        "SYNC_TIMEOUT_SECONDS='600'\nKEEP_RELEASES='5'\nAWS_REGION='eu-west-1'\nSYNC_CODE_SETTINGS_END\n",
    );
    expect(userData).toContain(
      `cat >/usr/local/sbin/sync-code <<'SYNC_CODE_SCRIPT_END'\n${SYNC_SCRIPT}SYNC_CODE_SCRIPT_END\nchmod 0755 /usr/local/sbin/sync-code\n`,
    );
    expect(userData.indexOf("dnf install -y httpd")).toBeGreaterThan(
      userData.indexOf("SYNC_CODE_SCRIPT_END\n"),
    );
    expect(
      userData.endsWith(
        "/usr/local/sbin/shared-home-additional-setup\n(set -a; . /etc/sync-code.env; set +a; exec /usr/local/sbin/sync-code)\n",
      ),
    ).toBe(true);
  });

  test("no code sync: no document, no policy, no tag, no script", () => {
    const { json, clients } = build({ placement: "fleet" });
    expect(configsOf(json, "aws_ssm_document")).toEqual([]);
    expect(configsOf(json, "aws_iam_role_policy").map((p) => p.name)).not.toContain("web-code-sync-read");
    expect(JSON.stringify(json)).not.toContain("CodeSyncGroup");
    expect(userDataOf(json)).not.toContain("sync-code");
    expect(clients.codeSync).toBeUndefined();
  });

  test("every bad code-sync setting is refused at once, naming the prop and the value", () => {
    const message = errorOf({
      namePrefix: "aws-web",
      mountPath: "/srv/share",
      placement: "fleet",
      codeSync: {
        bucketName: "Example_Bucket",
        prefix: "releases/*",
        kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/code",
        targetPath: "/srv/share/www",
        timeoutSeconds: 5,
        keepReleases: 2.5,
      },
    });
    expect(message).toBe(
      [
        "Invalid props for test/clients:",
        '  - codeSync.bucketName: "Example_Bucket" is not an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
        `  - codeSync.prefix: "releases/*" must be key segments of letters, digits and !_.'()- separated by "/", without a leading or trailing "/", e.g. "releases/web"`,
        '  - codeSync.kmsKeyArn: "arn:aws:kms:eu-west-1:111122223333:alias/code" is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..." (an alias ARN grants nothing in an IAM policy)',
        '  - codeSync.targetPath: "/srv/share/www" is on the share (mountPath "/srv/share"); the code belongs on local disk, which is why it is synced from S3 (code served from EFS pays a network round trip per file it opens)',
        "  - codeSync.timeoutSeconds: 5 is out of range; allowed 10 to 28800 seconds",
        "  - codeSync.keepReleases: 2.5 is out of range; allowed 0 to 20 releases",
        '  - namePrefix: "aws-web" would name the SSM document "aws-web-sync-code"; SSM reserves names starting with aws, amazon or amzn',
      ].join("\n"),
    );
  });
});
