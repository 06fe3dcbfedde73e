import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { EfsStack } from "../../stacks/efs-stack";
import { main } from "../../tools/fleet-sync/cli";
import { fullSynth } from "../helpers/synth";
import { SYNC_BUSY_EXIT_CODE } from "../../modules/clients/code-sync";

/**
 * A stand-in for the AWS CLI: records each call (one line of arguments) in `calls`, answers
 * `send-command` from `send.json`, the n-th `list-command-invocations` from `invocations-<n>.json`
 * (the last one once they run out), `list-commands` from `list-commands.json`, and fails like the
 * CLI when `fail` holds a message.
 */
const STUB_AWS = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$STUB_STATE/calls"
if [[ -f $STUB_STATE/fail ]]; then cat "$STUB_STATE/fail" >&2; exit 254; fi
case $2 in
  send-command) cat "$STUB_STATE/send.json" ;;
  list-command-invocations)
    n=$(( $(cat "$STUB_STATE/polls" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$STUB_STATE/polls"
    file="$STUB_STATE/invocations-$n.json"
    [[ -f $file ]] || file=$(ls "$STUB_STATE"/invocations-*.json | sort -V | tail -n 1)
    cat "$file" ;;
  list-commands) cat "$STUB_STATE/list-commands.json" ;;
  *) echo "stub aws: unexpected call: $*" >&2; exit 99 ;;
esac
`;

const COMMAND_ID = "0b6e5e8c-1111-2222-3333-444455556666";
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Stub {
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;
}

function stubAws(responses: { invocations: object[][]; listCommands?: object }): Stub {
  const dir = mkdtempSync(join(tmpdir(), "fleet-sync-"));
  dirs.push(dir);
  const state = join(dir, "state");
  mkdirSync(join(dir, "bin"));
  mkdirSync(state);
  writeFileSync(join(dir, "bin/aws"), STUB_AWS);
  chmodSync(join(dir, "bin/aws"), 0o755);
  writeFileSync(
    join(state, "send.json"),
    JSON.stringify({ Command: { CommandId: COMMAND_ID, Status: "Pending" } }),
  );
  responses.invocations.forEach((list, i) =>
    writeFileSync(join(state, `invocations-${i + 1}.json`), JSON.stringify({ CommandInvocations: list })),
  );
  writeFileSync(
    join(state, "list-commands.json"),
    JSON.stringify({ Commands: [responses.listCommands ?? { Status: "InProgress", TargetCount: 2 }] }),
  );
  return {
    state,
    env: { PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH}`, STUB_STATE: state },
  };
}

async function runTool(argv: string[], stub: Stub) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    stub.env,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out, err };
}

const calls = (stub: Stub) => readFileSync(join(stub.state, "calls"), "utf8").split("\n").filter(Boolean);

function invocation(instanceId: string, status: string, code?: number, output = "") {
  return {
    InstanceId: instanceId,
    Status: status,
    StatusDetails: status,
    CommandPlugins: [{ Name: "syncCode", Status: status, ResponseCode: code ?? -1, Output: output }],
  };
}

let outdir: string;
beforeAll(() => {
  // The real synthesized outputs of a stack with a code sync, as `npm run synth` writes them.
  outdir = fullSynth(
    (app) =>
      new EfsStack(app, "efs", {
        region: "eu-west-1",
        network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
        clients: { placement: "fleet", codeSync: { bucketName: "example-web-code", prefix: "web" } },
      }),
  );
  dirs.push(outdir);
});

describe("npm run fleet-sync", () => {
  test("package.json runs the tool", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8"));
    expect(pkg.scripts["fleet-sync"]).toBe("tsx tools/fleet-sync/cli.ts");
  });

  test("targets the stack's tag with its document, polls until every instance is done, reports each", async () => {
    // GIVEN two instances: one still running at the first poll, then one synced and one busy
    const stub = stubAws({
      invocations: [
        [invocation("i-0bbb", "InProgress"), invocation("i-0aaa", "Success", 0, "sync-code: switched")],
        [
          invocation(
            "i-0bbb",
            "Failed",
            SYNC_BUSY_EXIT_CODE,
            "sync-code: ERROR: another sync is already running",
          ),
          invocation(
            "i-0aaa",
            "Success",
            0,
            "sync-code: syncing s3://example-web-code/web/\nsync-code: switched /var/www/html to release 20261201T000000.1Z",
          ),
        ],
      ],
    });
    // WHEN
    const result = await runTool(["efs", "--outdir", outdir, "--poll-seconds", "0"], stub);
    // THEN
    expect(calls(stub)).toEqual([
      "ssm send-command --region eu-west-1 --document-name efs-client-sync-code --targets Key=tag:CodeSyncGroup,Values=efs-client --max-concurrency 100% --max-errors 100% --comment npm run fleet-sync --output json",
      `ssm list-command-invocations --region eu-west-1 --command-id ${COMMAND_ID} --details --output json`,
      `ssm list-command-invocations --region eu-west-1 --command-id ${COMMAND_ID} --details --output json`,
    ]);
    expect(result.out).toEqual([
      `Sent efs-client-sync-code to instances tagged CodeSyncGroup=efs-client in eu-west-1: command ${COMMAND_ID}`,
      "i-0aaa  Success exit 0",
      "    sync-code: syncing s3://example-web-code/web/",
      "    sync-code: switched /var/www/html to release 20261201T000000.1Z",
      "i-0bbb  Failed exit 75 (busy: a sync was already running there; left alone)",
      "    sync-code: ERROR: another sync is already running",
      "1 of 2 instances did not sync.",
    ]);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(1);
  });

  test("exit 0 when every instance synced; document, tag and Region may be given directly", async () => {
    const stub = stubAws({
      invocations: [[invocation("i-0aaa", "Success", 0), invocation("i-0bbb", "Success", 0)]],
    });
    const result = await runTool(
      ["--document", "web-sync-code", "--tag", "CodeSyncGroup=web", "--region", "us-east-2"],
      stub,
    );
    expect(calls(stub)[0]).toBe(
      "ssm send-command --region us-east-2 --document-name web-sync-code --targets Key=tag:CodeSyncGroup,Values=web --max-concurrency 100% --max-errors 100% --comment npm run fleet-sync --output json",
    );
    expect(result.out.at(-1)).toBe("All 2 instances synced.");
    expect(result.code).toBe(0);
  });

  test("no instance with the tag: exit 1, said plainly", async () => {
    const stub = stubAws({ invocations: [[]], listCommands: { Status: "Success", TargetCount: 0 } });
    const result = await runTool(["efs", "--outdir", outdir], stub);
    expect(result.err).toEqual([
      "fleet-sync: ERROR: no running instance carries the tag CodeSyncGroup=efs-client in eu-west-1; nothing was synced",
    ]);
    expect(result.code).toBe(1);
  });

  test("an AWS CLI error is passed on with exit 1", async () => {
    const stub = stubAws({ invocations: [[]] });
    writeFileSync(
      join(stub.state, "fail"),
      "An error occurred (AccessDeniedException) when calling the SendCommand operation: not authorized\n",
    );
    const result = await runTool(["efs", "--outdir", outdir], stub);
    expect(result.err).toEqual([
      "fleet-sync: ERROR: aws ssm send-command failed: An error occurred (AccessDeniedException) when calling the SendCommand operation: not authorized",
    ]);
    expect(result.code).toBe(1);
  });

  test("a stack without code sync, or not synthesized, is named with what to do", async () => {
    const stub = stubAws({ invocations: [[]] });
    const bare = fullSynth(
      (app) =>
        new EfsStack(app, "efs", {
          region: "eu-west-1",
          network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
        }),
    );
    dirs.push(bare);
    const noSync = await runTool(["efs", "--outdir", bare], stub);
    expect(noSync.err).toEqual([
      `fleet-sync: ERROR: stack "efs" has no code sync (no code_sync_* outputs in ${join(bare, "stacks/efs/cdk.tf.json")}); set clients.codeSync in its settings and synthesize again`,
    ]);
    const missing = await runTool(["web", "--outdir", bare], stub);
    expect(missing.err).toEqual([
      `fleet-sync: ERROR: cannot read ${join(bare, "stacks/web/cdk.tf.json")} (ENOENT); run \`npm run synth\` first, or name the stack with --outdir`,
    ]);
    expect([noSync.code, missing.code]).toEqual([1, 1]);
    expect(existsSync(join(stub.state, "calls"))).toBe(false); // AWS was never called
  });

  test("bad usage: exit 2 with every problem and the usage", async () => {
    const stub = stubAws({ invocations: [[]] });
    const result = await runTool(["efs", "--tag", "CodeSyncGroup", "--poll-seconds", "-1", "--bogus"], stub);
    expect(result.code).toBe(2);
    expect(result.err[0]).toMatch(
      /^fleet-sync: invalid arguments:\n {2}- unknown option "--bogus"\n {2}- --poll-seconds "-1" must be a whole number, at least 0\n {2}- --tag "CodeSyncGroup" must be <key>=<value>, e\.g\. CodeSyncGroup=efs-client\n {2}- give either <stack> or --document and --tag, not both\n\nUsage: npm run fleet-sync/,
    );
  });
});
