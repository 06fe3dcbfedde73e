import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { settingsJsonSchemaText } from "../../settings/json-schema";
import { loadSettings, parseSettings } from "../../settings/load";
import { problemsOf } from "./fixtures";

const CONFIG_DIR = join(__dirname, "..", "..", "config");

/** A minimal valid settings object; each test breaks one thing. */
function validSettings(): Record<string, any> {
  return { region: "eu-west-1", availabilityZones: ["eu-west-1a", "eu-west-1b"] };
}

describe("example settings files", () => {
  test.each(["default.json", "dev.json", "prod.json"])(
    "config/%s is valid and names the JSON Schema",
    (file) => {
      const settings = loadSettings(join(CONFIG_DIR, file));
      expect(settings.$schema).toBe("./settings.schema.json");
    },
  );
});

describe("generated JSON Schema", () => {
  const committed = readFileSync(join(CONFIG_DIR, "settings.schema.json"), "utf8");
  const schema = JSON.parse(committed);

  test("the committed config/settings.schema.json equals a fresh generation (run `npm run schema`)", () => {
    // Compared as data: the committed file is prettier-formatted.
    expect(schema).toEqual(JSON.parse(settingsJsonSchemaText()));
  });

  test("rejects unknown keys in every object, so editors flag typos", () => {
    const objectsWithoutStrictness: string[] = [];
    walk(schema, "", (node, path) => {
      if (node.type === "object" && node.properties && node.additionalProperties !== false) {
        objectsWithoutStrictness.push(path);
      }
    });
    expect(objectsWithoutStrictness).toEqual([]);
  });

  test("documents every field", () => {
    const fields: string[] = [];
    const undocumented: string[] = [];
    walk(schema, "", (node, path) => {
      for (const [key, property] of Object.entries<any>(node.properties ?? {})) {
        fields.push(`${path}.${key}`);
        if (!property.description) undocumented.push(`${path}.${key}`);
      }
    });
    // The walk reaches the deepest fields, so an undocumented one anywhere would show.
    expect(fields).toEqual(
      expect.arrayContaining([".fileSystem.accessPoints{}.posixUser.secondaryGids", ".state.dynamodbTable"]),
    );
    expect(undocumented).toEqual([]);
  });

  function walk(node: any, path: string, visit: (node: any, path: string) => void): void {
    if (!node || typeof node !== "object") return;
    visit(node, path);
    for (const [key, property] of Object.entries<any>(node.properties ?? {}))
      walk(property, `${path}.${key}`, visit);
    if (node.items) walk(node.items, `${path}[]`, visit);
    if (node.additionalProperties) walk(node.additionalProperties, `${path}{}`, visit);
  }
});

describe("loadSettings", () => {
  const dir = mkdtempSync(join(tmpdir(), "efs-settings-"));

  test("names the file and the reason when it cannot be read", () => {
    const missing = join(dir, "missing.json");
    expect(() => loadSettings(missing)).toThrow(
      `invalid settings in ${missing} (1 problem):\n  - (file): cannot be read (ENOENT); set STACK_CONFIG to a settings file such as config/dev.json`,
    );
  });

  test("rejects a file that is not JSON", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, '{ "region": ');
    expect(() => loadSettings(file)).toThrow(/\(file\): is not valid JSON/);
  });
});

describe("bad settings are rejected with path, problem and value", () => {
  test("wrong types", () => {
    // GIVEN
    const input = {
      ...validSettings(),
      region: 42,
      tags: { Owner: 5 },
      network: { flowLogs: { enabled: "yes" } },
      fileSystem: { provisionedThroughputMibps: "fast", preventDestroy: "no" },
    };
    // WHEN / THEN
    expect(problemsOf(input)).toEqual([
      "region: must be a string, not a number (got 42)",
      "tags.Owner: must be a string, not a number (got 5)",
      'network.flowLogs.enabled: must be a boolean, not a string (got "yes")',
      'fileSystem.provisionedThroughputMibps: must be a number from 1 to 3414 MiB/s (got "fast")',
      'fileSystem.preventDestroy: must be a boolean, not a string (got "no")',
    ]);
  });

  test("a missing required field", () => {
    expect(problemsOf({ region: "eu-west-1" })).toEqual([
      "availabilityZones: is required; expected array (not set)",
    ]);
  });

  test("settings that are not an object", () => {
    expect(problemsOf(["eu-west-1"])).toEqual([
      '(root): must be an object, not an array (got ["eu-west-1"])',
    ]);
  });

  test("unknown keys, at the top and nested, each with the keys allowed there", () => {
    const input = {
      ...validSettings(),
      regoin: "eu-west-1",
      network: { vpcCidrs: "10.0.0.0/16" },
      fileSystem: { lifecycle: { transitionToIA: "AFTER_7_DAYS" } },
    };
    expect(problemsOf(input)).toEqual([
      'network.vpcCidrs: unknown key; allowed keys: vpcCidr, publicSubnetCidrs, privateSubnetCidrs, flowLogs, namePrefix, existing, hostSubnets (got "10.0.0.0/16")',
      'fileSystem.lifecycle.transitionToIA: unknown key; allowed keys: transitionToIa, transitionToArchive, transitionToPrimaryStorageClassOnAccess (got "AFTER_7_DAYS")',
      expect.stringMatching(
        /^regoin: unknown key; allowed keys: \$schema, region, availabilityZones, .*\(got "eu-west-1"\)$/,
      ),
    ]);
  });

  test("malformed CIDRs", () => {
    const input = {
      ...validSettings(),
      network: { vpcCidr: "10.0.0.1/16", publicSubnetCidrs: ["10.0.0.0/24", "10.0.300.0/24"] },
    };
    expect(problemsOf(input)).toEqual([
      'network.vpcCidr: must be an IPv4 CIDR block without host bits, such as "10.0.0.0/16" (got "10.0.0.1/16")',
      'network.publicSubnetCidrs[1]: must be an IPv4 CIDR block without host bits, such as "10.0.0.0/16" (got "10.0.300.0/24")',
    ]);
  });

  test("a VPC CIDR larger than /16", () => {
    expect(problemsOf({ ...validSettings(), network: { vpcCidr: "10.0.0.0/8" } })).toEqual([
      'network.vpcCidr: must have a prefix from /16 to /28, as AWS allows for a VPC (got "10.0.0.0/8")',
    ]);
  });

  test("subnets outside the VPC CIDR", () => {
    const input = {
      ...validSettings(),
      network: { vpcCidr: "10.0.0.0/16", privateSubnetCidrs: ["10.0.128.0/24", "10.1.0.0/24"] },
    };
    expect(problemsOf(input)).toEqual([
      'network.privateSubnetCidrs[1]: is outside the VPC CIDR "10.0.0.0/16"; use a block inside it (got "10.1.0.0/24")',
    ]);
  });

  test("subnets that overlap one another, across tiers too", () => {
    const input = {
      ...validSettings(),
      network: {
        publicSubnetCidrs: ["10.0.0.0/24", "10.0.0.128/25"],
        privateSubnetCidrs: ["10.0.0.0/26", "10.0.129.0/24"],
      },
    };
    expect(problemsOf(input)).toEqual([
      'network.publicSubnetCidrs[1]: overlaps network.publicSubnetCidrs[0] "10.0.0.0/24"; subnets must not overlap (got "10.0.0.128/25")',
      'network.privateSubnetCidrs[0]: overlaps network.publicSubnetCidrs[0] "10.0.0.0/24"; subnets must not overlap (got "10.0.0.0/26")',
    ]);
  });

  test("a subnet list whose length does not match the AZs", () => {
    const input = { ...validSettings(), network: { publicSubnetCidrs: ["10.0.0.0/24"] } };
    expect(problemsOf(input)).toEqual([
      'network.publicSubnetCidrs: has 1 CIDRs for 2 availabilityZones; give one per AZ, in AZ order (got ["10.0.0.0/24"])',
    ]);
  });

  test("fewer than 2 AZs", () => {
    expect(problemsOf({ ...validSettings(), availabilityZones: ["eu-west-1a"] })).toEqual([
      'availabilityZones: needs at least 2 AZs: a regional file system has mount targets in 2 or more (got ["eu-west-1a"])',
    ]);
  });

  test("duplicate AZs, and AZs outside the region", () => {
    const input = {
      ...validSettings(),
      availabilityZones: ["eu-west-1a", "eu-west-1a", "eu-central-1b", "west-1c"],
    };
    expect(problemsOf(input)).toEqual([
      'availabilityZones[3]: must be an AZ name such as "eu-west-1a" (got "west-1c")',
      'availabilityZones[1]: is listed twice; give each AZ once (got "eu-west-1a")',
      'availabilityZones[2]: is not in region "eu-west-1"; use AZs such as "eu-west-1a" (got "eu-central-1b")',
    ]);
  });

  test("a One Zone AZ that is not one of the AZs", () => {
    const input = { ...validSettings(), fileSystem: { oneZoneAvailabilityZone: "eu-west-1c" } };
    expect(problemsOf(input)).toEqual([
      'fileSystem.oneZoneAvailabilityZone: must be one of availabilityZones ["eu-west-1a","eu-west-1b"] (got "eu-west-1c")',
    ]);
  });

  test.each([["eu-west"], ["EU-WEST-1"], ["euwest1"], ["eu-west-1a"]])("a malformed region %p", (region) => {
    const input = { ...validSettings(), region, state: { region } };
    expect(problemsOf(input)).toEqual(
      expect.arrayContaining([
        `region: must be an AWS Region name such as "eu-west-1" (got ${JSON.stringify(region)})`,
        `state.region: must be an AWS Region name such as "eu-west-1" (got ${JSON.stringify(region)})`,
      ]),
    );
  });

  test("values outside a closed set name every allowed value", () => {
    const input = {
      ...validSettings(),
      network: { flowLogs: { retentionDays: 10 } },
      fileSystem: {
        throughputMode: "turbo",
        performanceMode: "fast",
        lifecycle: { transitionToIa: "AFTER_2_DAYS" },
      },
    };
    expect(problemsOf(input)).toEqual([
      "network.flowLogs.retentionDays: must be a CloudWatch Logs retention: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10)",
      'fileSystem.performanceMode: must be one of generalPurpose, maxIO (got "fast")',
      'fileSystem.throughputMode: must be one of elastic, provisioned, bursting (got "turbo")',
      'fileSystem.lifecycle.transitionToIa: must be one of AFTER_1_DAY, AFTER_7_DAYS, AFTER_14_DAYS, AFTER_30_DAYS, AFTER_60_DAYS, AFTER_90_DAYS, AFTER_180_DAYS, AFTER_270_DAYS, AFTER_365_DAYS (got "AFTER_2_DAYS")',
    ]);
  });

  const BUCKET_RULES =
    "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, no '..', not an IP address";

  test.each([
    ["upper case", "My-State-Bucket"],
    ["underscore", "my_state_bucket"],
    ["too short", "ab"],
    ["too long", "a".repeat(64)],
    ["leading hyphen", "-state"],
    ["trailing dot", "state."],
    ["two dots in a row", "my..state"],
    ["an IP address", "192.168.5.4"],
    ["a reserved prefix", "xn--state"],
    ["a reserved suffix", "state-s3alias"],
  ])("a malformed bucket name: %s", (_, bucket) => {
    expect(problemsOf({ ...validSettings(), state: { bucket } })).toEqual([
      `state.bucket: ${BUCKET_RULES} (got ${JSON.stringify(bucket)})`,
    ]);
  });

  test.each(["abc", "my-state.bucket-1", "a".repeat(63), "192.168.5.4.state"])(
    "a valid bucket name %p",
    (bucket) => {
      expect(parseSettings({ ...validSettings(), state: { bucket } }, "test.json").state?.bucket).toBe(
        bucket,
      );
    },
  );

  test("malformed remote-state settings", () => {
    const input = {
      ...validSettings(),
      state: {
        keyPrefix: "/efs/prod/",
        kmsKeyArn: "alias/terraform",
        dynamodbTable: "x",
        noncurrentVersionExpirationDays: 0,
      },
    };
    expect(problemsOf(input)).toEqual([
      'state.keyPrefix: must be S3 key segments separated by "/", without a leading or trailing "/", e.g. "efs/prod" (got "/efs/prod/")',
      'state.kmsKeyArn: must be a KMS key or alias ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..." (got "alias/terraform")',
      "state.dynamodbTable: must be a DynamoDB table name: 3 to 255 letters, digits, '_', '-' and '.' (got \"x\")",
      "state.noncurrentVersionExpirationDays: must be an integer from 1 to 3650 days (got 0)",
    ]);
  });

  test("a malformed alarm e-mail address", () => {
    const input = {
      ...validSettings(),
      monitoring: { alarmEmails: ["ops@example.com", "ops at example.com"] },
    };
    expect(problemsOf(input)).toEqual([
      'monitoring.alarmEmails[1]: must be an e-mail address such as "ops@example.com" (got "ops at example.com")',
    ]);
  });

  test.each([0, 1.5, 101, 1000000])("a client count of %p, refused in our words", (count) => {
    expect(problemsOf({ ...validSettings(), clients: { count } })).toEqual([
      `clients.count: must be an integer from 1 to 100 (got ${count})`,
    ]);
  });

  test("backup retention below 1 day, and a malformed schedule", () => {
    const input = {
      ...validSettings(),
      backup: {
        ebsSnapshots: { keepDays: 0 },
        awsBackup: { deleteAfterDays: 0, schedule: "daily at 5" },
      },
    };
    expect(problemsOf(input)).toEqual([
      "backup.ebsSnapshots.keepDays: must be an integer from 1 to 3650 days (got 0)",
      'backup.awsBackup.schedule: must be an AWS cron expression with 6 fields such as "cron(0 5 * * ? *)" (daily at 05:00 UTC) (got "daily at 5")',
      "backup.awsBackup.deleteAfterDays: must be an integer from 1 to 36500 days (got 0)",
    ]);
    expect(
      problemsOf({ ...validSettings(), backup: { awsBackup: { schedule: "cron(0 5 * * ?)" } } }),
    ).toEqual([
      'backup.awsBackup.schedule: must be an AWS cron expression with 6 fields such as "cron(0 5 * * ? *)" (daily at 05:00 UTC) (got "cron(0 5 * * ?)")',
    ]);
  });

  test("tag keys AWS reserves", () => {
    expect(problemsOf({ ...validSettings(), tags: { "aws:owner": "me" } })).toEqual([
      'tags["aws:owner"]: key "aws:owner" starts with "aws:", which AWS reserves for itself (got "me")',
    ]);
  });

  test("every problem is listed at once, across sections", () => {
    const input = {
      region: "eu-west",
      availabilityZones: ["eu-west-1a"],
      network: { vpcCidr: "banana" },
      fileSystem: { throughputMode: 1 },
      state: { bucket: "A" },
      extra: true,
    };
    const problems = problemsOf(input);
    expect(problems.map((p) => p.slice(0, p.indexOf(":")))).toEqual([
      "region",
      "availabilityZones",
      "network.vpcCidr",
      "fileSystem.throughputMode",
      "state.bucket",
      "extra",
    ]);
    expect(() => parseSettings(input, "env.json")).toThrow(
      /^invalid settings in env\.json \(6 problems\):\n {2}- region: /,
    );
  });
});
