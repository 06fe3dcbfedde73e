import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EfsStack } from "../../stacks/efs-stack";
import { synthIntoPlace } from "../../settings/atomic-synth";
import { parseSettings } from "../../settings/load";
import { buildFromSettings } from "../../settings/module-errors";
import { toStackProps } from "../../settings/stack-props";
import { onlyResource, readStackJson, fullSynth } from "../helpers/synth";

const TARGET_GROUP = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef";
const BASE = { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] };

/** The problems `parseSettings` reports for `clients`, one per line. */
function schemaProblems(clients: object): string[] {
  try {
    parseSettings({ ...BASE, clients }, "fleet.json");
  } catch (error) {
    return (error as Error).message.split("\n").slice(1);
  }
  throw new Error("expected the settings to be refused");
}

describe("settings of the web fleet (clients.targetGroupArns, clients.codeSync)", () => {
  test("a fleet with target groups and a code sync reaches the stack: ASG, document, outputs", () => {
    // GIVEN
    const settings = parseSettings(
      {
        ...BASE,
        clients: {
          placement: "fleet",
          targetGroupArns: [TARGET_GROUP],
          codeSync: { bucketName: "example-web-code", prefix: "releases/web", keepReleases: 2 },
        },
      },
      "fleet.json",
    );
    // WHEN
    const outdir = fullSynth((app) => new EfsStack(app, "efs", toStackProps(settings)));
    const json = readStackJson(outdir, "efs");
    // THEN
    expect(onlyResource(json, "aws_autoscaling_group").target_group_arns).toEqual([TARGET_GROUP]);
    expect(onlyResource(json, "aws_ssm_document").name).toBe("efs-client-sync-code");
    expect(json.output.code_sync_document_name.value).toBe("efs-client-sync-code");
    expect(json.output.code_sync_target_tag.value).toBe("CodeSyncGroup=efs-client");
    expect(json.output.code_sync_command.value).toBe(
      "aws ssm send-command --region eu-west-1 --document-name efs-client-sync-code --targets Key=tag:CodeSyncGroup,Values=efs-client --max-concurrency 10% --max-errors 0 --query Command.CommandId --output text",
    );
  });

  test("malformed values: every problem, with its path and value", () => {
    expect(
      schemaProblems({
        targetGroupArns: ["arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1"],
        codeSync: {
          bucketName: "Web_Code",
          prefix: "/releases/",
          kmsKeyArn: "key-1",
          timeoutSeconds: 5,
          keepReleases: 21,
          branch: "main",
        },
      }),
    ).toEqual([
      '  - clients.targetGroupArns[0]: must be a target group ARN such as "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123456789abcdef" (got "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/1")',
      "  - clients.codeSync.bucketName: must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no '..', not an IP address, not a reserved form (xn--, sthree-, amzn-s3-demo- prefixes; -s3alias, --ol-s3, .mrap, --x-s3 suffixes) (got \"Web_Code\")",
      '  - clients.codeSync.prefix: must be S3 key segments separated by "/", without a leading or trailing "/" or "*", e.g. "releases/web" (got "/releases/")',
      '  - clients.codeSync.kmsKeyArn: must be a KMS key or alias ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..." (got "key-1")',
      "  - clients.codeSync.timeoutSeconds: must be an integer from 10 to 28800 seconds (got 5)",
      "  - clients.codeSync.keepReleases: must be an integer from 0 to 20 releases (got 21)",
      '  - clients.codeSync.branch: unknown key; allowed keys: bucketName, bucketAccountId, prefix, kmsKeyArn, targetPath, timeoutSeconds, keepReleases (got "main")',
    ]);
  });

  test("a missing bucket name is named", () => {
    expect(schemaProblems({ codeSync: { prefix: "web" } })).toEqual([
      expect.stringMatching(/^ {2}- clients\.codeSync\.bucketName: /),
    ]);
  });

  test("module rules come back at the settings path, and nothing is written", async () => {
    // GIVEN a previous good output, and settings the clients module refuses
    const dir = mkdtempSync(join(tmpdir(), "fleet-settings-"));
    const outdir = join(dir, "cdktf.out");
    mkdirSync(join(outdir, "stacks", "efs"), { recursive: true });
    writeFileSync(join(outdir, "stacks", "efs", "cdk.tf.json"), "previous good synth\n");
    const input = {
      ...BASE,
      clients: {
        targetGroupArns: [TARGET_GROUP],
        codeSync: { bucketName: "example-web-code", targetPath: "/home/www" },
      },
    };
    // WHEN
    let message = "";
    try {
      await synthIntoPlace(outdir, (app) =>
        buildFromSettings({ file: "fleet.json", input, textProblems: [] }, app, [
          (target, settings) => new EfsStack(target, "efs", toStackProps(settings)),
        ]),
      );
    } catch (error) {
      message = (error as Error).message;
    }
    // THEN
    expect(message).toBe(
      [
        "invalid settings in fleet.json (2 problems):",
        `  - clients.targetGroupArns: is set but placement is "instances"; only an Auto Scaling group (placement: "fleet") registers its machines with target groups (got ["${TARGET_GROUP}"])`,
        `  - clients.codeSync.targetPath: "/home/www" is, holds or lies inside the share (mountPath "/home"), or its releases "/home/www.releases" do; the sync replaces the target and deletes old releases, which would delete the share's files for every machine. Keep the code on local disk, apart from the share (link media/ to the share instead) (got "/home/www")`,
      ].join("\n"),
    );
    expect(readFileSync(join(outdir, "stacks", "efs", "cdk.tf.json"), "utf8")).toBe("previous good synth\n");
  });

  test("the code bucket may not be the state bucket, nor a reserved bucket-name form", () => {
    const problems = (() => {
      try {
        parseSettings(
          {
            ...BASE,
            state: { bucket: "example-tf-state" },
            clients: { codeSync: { bucketName: "example-tf-state" } },
          },
          "fleet.json",
        );
      } catch (error) {
        return (error as Error).message.split("\n").slice(1);
      }
      return [];
    })();
    expect(problems).toEqual([
      '  - clients.codeSync.bucketName: is also state.bucket; the clients would be allowed to read every stack\'s .tfstate (secrets included) and could serve it from the web root. Keep the code in a bucket of its own (got "example-tf-state")',
    ]);
    for (const bucketName of [
      "xn--web",
      "sthree-web",
      "web-s3alias",
      "web--ol-s3",
      "web.mrap",
      "web--x-s3",
    ]) {
      expect(schemaProblems({ codeSync: { bucketName } })).toEqual([
        expect.stringMatching(
          /^ {2}- clients\.codeSync\.bucketName: must be an S3 bucket name: .*reserved form/,
        ),
      ]);
    }
  });

  test("the environment's namePrefix names the SSM document and the tag, so two environments never collide", () => {
    const settings = parseSettings(
      { ...BASE, namePrefix: "prod", clients: { codeSync: { bucketName: "example-web-code" } } },
      "fleet.json",
    );
    const json = readStackJson(
      fullSynth((app) => new EfsStack(app, "efs", toStackProps(settings))),
      "efs",
    );
    expect(onlyResource(json, "aws_ssm_document").name).toBe("prod-efs-client-sync-code");
    expect(json.output.code_sync_target_tag.value).toBe("CodeSyncGroup=prod-efs-client");
  });
});
