import type { PlanJson, ResourceChange } from "../../tools/plan-summary/plan-json";
import { STATEFUL_RESOURCE_TYPES, summarizePlan } from "../../tools/plan-summary/summarize";
import { PLAN_SUMMARY_MARKER, renderComment } from "../../tools/plan-summary/render";
import { parseArgs, stackNameFromFile } from "../../tools/plan-summary/args";

// Unit tests on hand-written plan JSON, for the cases a real offline plan of these stacks can't produce.
// `plan-summary-plans.test.ts` checks the same functions against real plans.

function change(
  type: string,
  actions: ResourceChange["change"]["actions"],
  extra: Partial<ResourceChange["change"]> & { action_reason?: string; mode?: "managed" | "data" } = {},
): ResourceChange {
  const { action_reason, mode, ...rest } = extra;
  return {
    address: `${type}.this`,
    mode: mode ?? "managed",
    type,
    name: "this",
    change: { actions, before: {}, after: {}, ...rest },
    ...(action_reason ? { action_reason } : {}),
  };
}

const planOf = (...changes: ResourceChange[]): PlanJson => ({
  format_version: "1.2",
  resource_changes: changes,
});

describe("counts", () => {
  test("count a replacement as one add and one destroy, and leave out no-op and read, as terraform does", () => {
    const summary = summarizePlan(
      planOf(
        change("aws_efs_mount_target", ["delete", "create"]),
        change("aws_security_group", ["create", "delete"]),
        change("aws_vpc", ["update"]),
        change("aws_subnet", ["no-op"]),
        change("aws_iam_policy_document", ["read"], { mode: "data" }),
        change("aws_route", ["create"]),
        change("aws_route_table", ["delete"]),
      ),
    );
    expect(summary.counts).toEqual({ import: 0, add: 3, change: 1, destroy: 3, forget: 0 });
  });

  test("show imports and forgets in the plan line only when there are some", () => {
    const { markdown } = renderComment([
      {
        name: "efs",
        plan: planOf(
          change("aws_vpc", ["no-op"], { importing: { id: "vpc-0123456789abcdef0" } }),
          change("aws_subnet", ["forget"]),
        ),
      },
      { name: "plain", plan: planOf(change("aws_vpc", ["update"])) },
    ]);
    expect(markdown).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy, 1 to forget.");
    expect(markdown).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
  });
});

describe("data-loss banner", () => {
  // Written out, not read from STATEFUL_RESOURCE_TYPES: a type dropped from that table must fail here.
  // Every resource type of these stacks that holds data, with what its loss costs.
  const STATEFUL_TYPES_OF_THESE_STACKS: readonly [string, string][] = [
    ["aws_efs_file_system", "EFS file system: every file on it, including every user's home directory"],
    ["aws_ebs_volume", "EBS volume: every file on it"],
    ["aws_backup_vault", "backup vault: its recovery points"],
    ["aws_s3_bucket", "S3 bucket: its objects, such as Terraform state"],
    ["aws_kms_key", "KMS key: anything encrypted with it can no longer be decrypted"],
  ];

  test.each(STATEFUL_TYPES_OF_THESE_STACKS)("lists a destroy of %s", (type, loses) => {
    const { markdown, dataLoss } = renderComment([{ name: "efs", plan: planOf(change(type, ["delete"])) }]);
    expect(dataLoss).toBe(true);
    expect(markdown).toContain(`- \`efs\`: \`${type}.this\` is **destroyed**. Loses the ${loses}.`);
  });

  test("the table holds exactly those types: adding one is a reviewed change of this test too", () => {
    expect(Object.keys(STATEFUL_RESOURCE_TYPES).sort()).toEqual(
      STATEFUL_TYPES_OF_THESE_STACKS.map(([type]) => type).sort(),
    );
  });

  test("leaves out creates, in-place updates and forgets of stateful resources, and replacements of other resources", () => {
    const plan = planOf(
      change("aws_efs_file_system", ["update"]),
      change("aws_ebs_volume", ["create"]),
      change("aws_s3_bucket", ["forget"]),
      change("aws_efs_mount_target", ["delete", "create"], { replace_paths: [["file_system_id"]] }),
    );
    const { markdown, dataLoss } = renderComment([{ name: "efs", plan }]);
    expect(dataLoss).toBe(false);
    expect(markdown).not.toContain("[!CAUTION]");
  });

  test("names every forcing attribute with a readable path, and hides sensitive values", () => {
    const plan = planOf(
      change("aws_efs_file_system", ["delete", "create"], {
        before: { lifecycle_policy: [{ transition_to_ia: "AFTER_30_DAYS" }], creation_token: "a" },
        after: { lifecycle_policy: [{ transition_to_ia: "AFTER_7_DAYS" }], creation_token: "b" },
        after_sensitive: { creation_token: true },
        replace_paths: [["lifecycle_policy", 0, "transition_to_ia"], ["creation_token"]],
        action_reason: "replace_because_cannot_update",
      }),
    );
    const [loss] = summarizePlan(plan).dataLoss;
    expect(loss.forcedBy).toEqual([
      { path: "lifecycle_policy[0].transition_to_ia", before: '"AFTER_30_DAYS"', after: '"AFTER_7_DAYS"' },
      { path: "creation_token", before: '"a"', after: "(sensitive)" },
    ]);
    expect(renderComment([{ name: "efs", plan }]).markdown).toContain(
      'because `lifecycle_policy[0].transition_to_ia` changes (`"AFTER_30_DAYS"` → `"AFTER_7_DAYS"`), ' +
        '`creation_token` changes (`"a"` → `(sensitive)`).',
    );
  });

  test("says why when no attribute forces it: a construct id renamed, a create-before-destroy replacement", () => {
    const removed = change("aws_efs_file_system", ["delete"], {
      action_reason: "delete_because_no_resource_config",
    });
    const createFirst = change("aws_kms_key", ["create", "delete"], { action_reason: "replace_by_request" });
    const { markdown } = renderComment([{ name: "efs", plan: planOf(removed, createFirst) }]);
    expect(markdown).toContain(
      "`aws_efs_file_system.this` is **destroyed** because it is no longer in the configuration (renaming a construct id does this).",
    );
    expect(markdown).toContain(
      "`aws_kms_key.this` is **replaced** (new one created, then the old one destroyed) because a replacement was requested with `-replace`.",
    );
  });

  test("sits on top, over every stack, and lists the losses of each stack", () => {
    const { markdown } = renderComment([
      { name: "efs", plan: planOf(change("aws_efs_file_system", ["delete"])) },
      { name: "quiet", plan: planOf(change("aws_vpc", ["no-op"])) },
      { name: "efs-with-backup", plan: planOf(change("aws_backup_vault", ["delete"])) },
    ]);
    const banner = markdown.indexOf("> [!CAUTION]");
    expect(markdown.indexOf(PLAN_SUMMARY_MARKER)).toBe(0);
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(markdown.indexOf("### `efs`"));
    expect(markdown).toContain("It destroys or replaces 2 stateful resources.");
    expect(markdown).toContain("> - `efs`: `aws_efs_file_system.this` is **destroyed**.");
    expect(markdown).toContain("> - `efs-with-backup`: `aws_backup_vault.this` is **destroyed**.");
    expect(markdown).toContain(
      "> The plan check fails until the pull request has the `allow-data-loss` label.",
    );
  });
});

describe("stack sections", () => {
  test("give each stack a status line: no changes, changes, outputs only, failed", () => {
    const { markdown } = renderComment([
      { name: "same", plan: planOf(change("aws_vpc", ["no-op"])) },
      { name: "changed", plan: planOf(change("aws_vpc", ["update"])) },
      {
        name: "outputs",
        plan: {
          resource_changes: [],
          output_changes: { id: { actions: ["update"], before: "a", after: "b" } },
        },
      },
      { name: "broken", plan: { errored: true } },
    ]);
    expect(markdown).toMatch(
      /### `same`\n\n✅ \*\*No changes\.\*\* [^\n]+\n\nPlan: 0 to add, 0 to change, 0 to destroy\./,
    );
    expect(markdown).toMatch(/### `changed`\n\n⚠️ \*\*Changes\*\* without data loss\./);
    expect(markdown).toMatch(/### `outputs`\n\n⚠️ \*\*Changes to outputs only\.\*\*/);
    expect(markdown).toMatch(/### `broken`\n\n❌ \*\*The plan failed\.\*\*/);
  });

  test("without terraform's text, list each changed resource with its changed and forcing attributes", () => {
    const plan = planOf(
      change("aws_efs_mount_target", ["delete", "create"], {
        before: { file_system_id: "fs-1", ip_address: "10.0.0.1" },
        after: { file_system_id: null, ip_address: "10.0.0.1" },
        after_unknown: { file_system_id: true, id: true },
        replace_paths: [["file_system_id"]],
      }),
      change("aws_vpc", ["no-op"]),
    );
    const { markdown } = renderComment([{ name: "efs", plan }]);
    expect(markdown).toContain(
      "```diff\n-/+ replace aws_efs_mount_target.this (forced by file_system_id; changes file_system_id, id)\n```",
    );
    expect(markdown).not.toContain("aws_vpc.this");
  });

  test("fence terraform's text with more backticks than it contains", () => {
    const { markdown } = renderComment([
      { name: "efs", plan: planOf(), planText: '  + user_data = "```"\n' },
    ]);
    expect(markdown).toContain('````diff\n+   user_data = "```"\n````');
  });
});

describe("trimming", () => {
  test("share the room between stacks: a short plan stays whole, a long one is cut at a line end", () => {
    // GIVEN a short and a long plan text, and a banner
    const longText = Array.from({ length: 2_000 }, (_, i) => `  ~ attribute_${i} = "a" -> "b"\n`).join("");
    const stacks = [
      { name: "short", plan: planOf(change("aws_vpc", ["update"])), planText: "  ~ short plan\n" },
      { name: "long", plan: planOf(change("aws_efs_file_system", ["delete"])), planText: longText },
    ];
    const limit = 10_000;

    // WHEN
    const { markdown, trimmedCharacters } = renderComment(stacks, { limit });

    // THEN
    expect(markdown.length).toBeLessThanOrEqual(limit);
    expect(markdown).toContain("> - `long`: `aws_efs_file_system.this` is **destroyed**.");
    expect(markdown).toContain("```diff\n~   short plan\n```");
    expect(markdown).toMatch(/~ {3}attribute_\d+ = "a" -> "b"\n```\n\n_… trimmed [\d,]+ characters/);
    expect(trimmedCharacters).toBeGreaterThan(longText.length - limit);
    expect(markdown).toContain(
      `_… trimmed ${trimmedCharacters.toLocaleString("en-US")} characters to fit GitHub's comment limit._`,
    );
  });

  test("leave a comment that fits untouched", () => {
    const stacks = [{ name: "efs", plan: planOf(change("aws_vpc", ["update"])), planText: "  ~ x\n" }];
    const { markdown, trimmedCharacters } = renderComment(stacks);
    expect(trimmedCharacters).toBe(0);
    expect(markdown).not.toContain("trimmed");
  });
});

describe("command-line arguments", () => {
  test("take the stack name from the file name or from name=path", () => {
    expect(stackNameFromFile("plans/efs.plan.json")).toBe("efs");
    expect(stackNameFromFile("efs-with-backup.json")).toBe("efs-with-backup");
    const options = parseArgs([
      "plans/efs.plan.json",
      "backup=b.json",
      "--text",
      "efs=efs.txt",
      "--limit",
      "1000",
    ]);
    expect(options.plans).toEqual([
      { stack: "efs", file: "plans/efs.plan.json" },
      { stack: "backup", file: "b.json" },
    ]);
    expect(options.texts).toEqual({ efs: "efs.txt" });
    expect(options.limit).toBe(1000);
  });

  test("report every problem at once", () => {
    expect(() =>
      parseArgs([
        "--bogus",
        "a.plan.json",
        "x/a.plan.json",
        "--text",
        "nope",
        "--text",
        "z=z.txt",
        "--limit",
        "-5",
        "--output",
      ]),
    ).toThrow(
      [
        "plan-summary: invalid arguments:",
        "  - --bogus: unknown option; see --help",
        '  - --text: "nope" is not <stack>=<file>',
        "  - --output: needs a value",
        '  - <plan>: stack "a" is given twice',
        '  - --text: stack "z" has no plan; stacks given: a',
        '  - --limit: "-5" is not a positive whole number',
      ].join("\n"),
    );
  });

  test("need at least one plan", () => {
    expect(() => parseArgs([])).toThrow("<plan>: at least one plan JSON file is required");
  });
});
