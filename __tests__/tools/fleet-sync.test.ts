import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { EfsStack } from "../../stacks/efs-stack";
import { main } from "../../tools/fleet-sync/cli";
import { fullSynth } from "../helpers/synth";

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
  describe-instance-information) cat "$STUB_STATE/instances.json" ;;
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

function stubAws(responses: { invocations: object[][]; listCommands?: object; instances?: string[] }): Stub {
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
    join(state, "instances.json"),
    JSON.stringify({
      InstanceInformationList: (responses.instances ?? ["i-0bbb", "i-0aaa"]).map((id) => ({
        InstanceId: id,
      })),
    }),
  );
  writeFileSync(
    join(state, "list-commands.json"),
    JSON.stringify({ Commands: [responses.listCommands ?? { Status: "Failed", TargetCount: 2 }] }),
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

  const LIST =
    "ssm describe-instance-information --region eu-west-1 --filters Key=tag:CodeSyncGroup,Values=efs-client Key=PingStatus,Values=Online --output json";
  const POLL = `ssm list-command-invocations --region eu-west-1 --command-id ${COMMAND_ID} --details --output json`;
  const send = (ids: string, action: string, concurrency: string) =>
    `ssm send-command --region eu-west-1 --document-name efs-client-sync-code --instance-ids ${ids} --parameters action=${action} --max-concurrency ${concurrency} --max-errors 0 --comment npm run fleet-sync (${action}) --output json`;

  test("the canary goes first, alone; the rest follow only once it synced; each instance is reported", async () => {
    // GIVEN three instances; the canary (first by id) is still running at the first poll
    const stub = stubAws({
      instances: ["i-0ccc", "i-0aaa", "i-0bbb"],
      invocations: [
        [invocation("i-0aaa", "InProgress")],
        [invocation("i-0aaa", "Success", 0, "sync-code: switched /var/www/html to release r2")],
        [invocation("i-0bbb", "Success", 0), invocation("i-0ccc", "Success", 0)],
      ],
    });
    // WHEN
    const result = await runTool(["efs", "--outdir", outdir, "--poll-seconds", "0"], stub);
    // THEN
    expect(calls(stub)).toEqual([
      LIST,
      send("i-0aaa", "sync", "100%"),
      POLL,
      POLL,
      send("i-0bbb i-0ccc", "sync", "1"),
      POLL,
    ]);
    expect(result.out).toEqual([
      "Syncing 3 instances: canary i-0aaa first",
      `Sent efs-client-sync-code (sync) to 1 instances in eu-west-1: command ${COMMAND_ID}`,
      "i-0aaa  Success exit 0",
      "    sync-code: switched /var/www/html to release r2",
      "All 1 instances done.",
      `Sent efs-client-sync-code (sync) to 2 instances in eu-west-1: command ${COMMAND_ID}`,
      "i-0bbb  Success exit 0",
      "i-0ccc  Success exit 0",
      "All 2 instances done.",
    ]);
    expect(result.code).toBe(0);
  });

  test("a canary that fails stops the rollout: no other instance is sent the document", async () => {
    const stub = stubAws({
      instances: ["i-0aaa", "i-0bbb", "i-0ccc", "i-0ddd"],
      invocations: [
        [
          invocation(
            "i-0aaa",
            "Failed",
            1,
            "sync-code: ERROR: release r3 is incomplete or damaged, refused: app.js is missing",
          ),
          invocation("i-0bbb", "Success", 0),
        ],
      ],
    });
    const result = await runTool(["efs", "--outdir", outdir, "--poll-seconds", "0", "--canary", "50%"], stub);
    expect(calls(stub)).toEqual([LIST, send("i-0aaa i-0bbb", "sync", "100%"), POLL]);
    expect(result.out.slice(-2)).toEqual([
      "1 of 2 instances did not finish.",
      "The canary failed: the other 2 instances were left alone.",
    ]);
    expect(result.code).toBe(1);
  });

  test("after the canary, the first failure stops the rest: SSM invokes no new instance", async () => {
    const stub = stubAws({
      instances: ["i-0aaa", "i-0bbb", "i-0ccc"],
      invocations: [[invocation("i-0aaa", "Success", 0)], [invocation("i-0bbb", "Failed", 1)]],
    });
    const result = await runTool(["efs", "--outdir", outdir, "--poll-seconds", "0"], stub);
    expect(calls(stub)).toEqual([
      LIST,
      send("i-0aaa", "sync", "100%"),
      POLL,
      send("i-0bbb i-0ccc", "sync", "1"),
      POLL,
      `ssm list-commands --region eu-west-1 --command-id ${COMMAND_ID} --output json`,
    ]);
    expect(result.out.slice(-3)).toEqual([
      "i-0bbb  Failed exit 1",
      "1 instances were never run (stopped after the first failure).",
      "2 of 2 instances did not finish.",
    ]);
    expect(result.code).toBe(1);
  });

  test("--rollback sends action=rollback, canary first", async () => {
    const stub = stubAws({
      instances: ["i-0aaa", "i-0bbb"],
      invocations: [[invocation("i-0aaa", "Success", 0)], [invocation("i-0bbb", "Success", 0)]],
    });
    const result = await runTool(["efs", "--outdir", outdir, "--poll-seconds", "0", "--rollback"], stub);
    expect(calls(stub)).toEqual([
      LIST,
      send("i-0aaa", "rollback", "100%"),
      POLL,
      send("i-0bbb", "rollback", "1"),
      POLL,
    ]);
    expect(result.out[0]).toBe("Rolling back 2 instances: canary i-0aaa first");
    expect(result.code).toBe(0);
  });

  test("document, tag and Region may be given directly", async () => {
    const stub = stubAws({ instances: ["i-0aaa"], invocations: [[invocation("i-0aaa", "Success", 0)]] });
    const result = await runTool(
      ["--document", "web-sync-code", "--tag", "CodeSyncGroup=web", "--region", "us-east-2"],
      stub,
    );
    expect(calls(stub)[1]).toBe(
      "ssm send-command --region us-east-2 --document-name web-sync-code --instance-ids i-0aaa --parameters action=sync --max-concurrency 100% --max-errors 0 --comment npm run fleet-sync (sync) --output json",
    );
    expect(result.code).toBe(0);
  });

  test("no instance with the tag: exit 1, said plainly", async () => {
    const stub = stubAws({ invocations: [[]], instances: [] });
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
      "fleet-sync: ERROR: aws ssm describe-instance-information failed: An error occurred (AccessDeniedException) when calling the SendCommand operation: not authorized",
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
