import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ALLOWED_DIFFERENCES } from "../../tools/cdktn-check/allowed-differences";
import { classify, diffStack, diffStackSets, formatDifference } from "../../tools/cdktn-check/compare";
import {
  importedSpecifiers,
  packageWithoutCdktnBinding,
  rewriteImports,
} from "../../tools/cdktn-check/rewrite";

// Unit tests of the pure parts of `npm run check:cdktn`. The check itself installs cdktn and
// synthesizes every app twice, so it runs in .ci/run, not in `npm test`.

describe("bindings with no cdktn counterpart", () => {
  test("the Kubernetes provider is known to have none; the AWS provider and cdktf map; others stay unmapped", () => {
    expect(packageWithoutCdktnBinding("@cdktf/provider-kubernetes/lib/storage-class-v1")).toBe(
      "@cdktf/provider-kubernetes",
    );
    expect(packageWithoutCdktnBinding("@cdktf/provider-aws/lib/vpc")).toBeUndefined();
    expect(packageWithoutCdktnBinding("@cdktf/provider-random")).toBeUndefined();
    const { unmapped } = rewriteImports(
      'import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";\nimport { Id } from "@cdktf/provider-random/lib/id";',
    );
    // The Kubernetes file is left out of both copies instead (the check prints it); random still fails.
    expect(unmapped).toEqual(["2: @cdktf/provider-random/lib/id"]);
  });

  test("finds the binding in every import form, so a file that needs it is left out", () => {
    expect(
      importedSpecifiers(
        'import type { X } from "@cdktf/provider-kubernetes";\nconst y = require("@cdktf/provider-kubernetes/lib/provider");',
      ),
    ).toEqual(["@cdktf/provider-kubernetes", "@cdktf/provider-kubernetes/lib/provider"]);
  });
});

describe("rewriteImports", () => {
  test("rewrites cdktf and deep provider imports in every import form, and nothing else", () => {
    // GIVEN
    const source = [
      'import { App, Token } from "cdktf";',
      "import type { ITerraformDependable } from 'cdktf';",
      'import { Vpc } from "@cdktf/provider-aws/lib/vpc";',
      'export { Fn } from "cdktf";',
      'const lazy = require("cdktf");',
      'type A = import("cdktf").App;',
      'const tags = { ManagedBy: "cdktf" };',
      'const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";',
      'import { Network } from "cdktf-efs-shared-home/network";',
    ].join("\n");

    // WHEN
    const { text, unmapped } = rewriteImports(source);

    // THEN
    expect(text.split("\n")).toEqual([
      'import { App, Token } from "cdktn";',
      "import type { ITerraformDependable } from 'cdktn';",
      'import { Vpc } from "@cdktn/provider-aws/lib/vpc";',
      'export { Fn } from "cdktn";',
      'const lazy = require("cdktn");',
      'type A = import("cdktn").App;',
      // String values stay: a search-and-replace would change every resource's default tags.
      'const tags = { ManagedBy: "cdktf" };',
      'const outdir = process.env.CDKTF_OUTDIR || "cdktf.out";',
      // Our own package only shares the prefix.
      'import { Network } from "cdktf-efs-shared-home/network";',
    ]);
    expect(unmapped).toEqual([]);
  });

  test("reports CDKTF packages that have no cdktn mapping, with their line", () => {
    // GIVEN
    const source = [
      'import { App } from "cdktf";',
      'import { Id } from "@cdktf/provider-random/lib/id";',
    ].join("\n");

    // WHEN
    const { unmapped } = rewriteImports(source);

    // THEN
    expect(unmapped).toEqual(["2: @cdktf/provider-random/lib/id"]);
  });
});

describe("diffStack", () => {
  test("reports one line per differing attribute, with the stack and the Terraform address", () => {
    // GIVEN
    const cdktf = {
      resource: { aws_efs_file_system: { home: { encrypted: true, tags: { Name: "home" } } } },
      output: { id: { value: "${aws_efs_file_system.home.id}" } },
    };
    const cdktn = {
      resource: { aws_efs_file_system: { home: { encrypted: false, tags: { Name: "home" } } } },
      output: { id: { value: "${aws_efs_file_system.home.id}" }, arn: { value: "x" } },
    };

    // WHEN
    const lines = diffStack("config/dev/efs", cdktf, cdktn).map(formatDifference);

    // THEN
    expect(lines).toEqual([
      "config/dev/efs aws_efs_file_system.home encrypted: cdktf=true cdktn=false",
      "config/dev/efs output.arn *: cdktf=<absent> cdktn=<present>",
    ]);
  });

  test("addresses list items by index and data sources with their prefix", () => {
    // GIVEN
    const cdktf = {
      data: { aws_region: { current: {} } },
      provider: { aws: [{ default_tags: [{ tags: { A: "1" } }] }] },
    };
    const cdktn = {
      data: { aws_region: { current: {} } },
      provider: { aws: [{ default_tags: [{ tags: { A: "2" } }] }] },
    };

    // WHEN
    const lines = diffStack("s", cdktf, cdktn).map(formatDifference);

    // THEN
    expect(lines).toEqual(['s provider.aws[0] default_tags[0].tags.A: cdktf="1" cdktn="2"']);
  });

  test("reports a stack synthesized on one side only", () => {
    expect(diffStackSets("examples/two", ["a", "b"], ["a"]).map(formatDifference)).toEqual([
      "examples/two/b (stack) *: cdktf=<present> cdktn=<absent>",
    ]);
  });
});

describe("classify", () => {
  const versionDifference = {
    stack: "config/dev/efs",
    address: "terraform",
    attribute: "required_providers.aws.source",
    cdktf: '"aws"',
    cdktn: '"hashicorp/aws"',
  };

  test("explains a difference only when the entry's pinned values match", () => {
    // GIVEN
    const unexpected = { ...versionDifference, cdktn: '"example/aws"' };

    // WHEN
    const result = classify([versionDifference, unexpected], ALLOWED_DIFFERENCES);

    // THEN
    expect(result.explained.map(({ difference }) => difference)).toEqual([versionDifference]);
    expect(result.unexplained).toEqual([unexpected]);
  });

  test("lists allow-list entries that matched nothing", () => {
    // GIVEN
    const used = { address: "terraform", attribute: "required_providers.*", why: "w" };
    const stale = { address: "aws_instance.*", attribute: "cpu_core_count", why: "w" };

    // WHEN
    const result = classify([versionDifference], [used, stale]);

    // THEN
    expect(result.unused).toEqual([stale]);
  });

  test("every allow-list entry says why", () => {
    for (const entry of ALLOWED_DIFFERENCES) expect(entry.why.length).toBeGreaterThan(40);
  });
});

test(".ci/run runs the check after the test suite", () => {
  const lines = readFileSync(join(__dirname, "..", "..", ".ci", "run"), "utf8").split("\n");
  expect(lines.indexOf("npm run check:cdktn")).toBeGreaterThan(lines.indexOf("npm test"));
  expect(lines.indexOf("npm test")).toBeGreaterThan(-1);
});
