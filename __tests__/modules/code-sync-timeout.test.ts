import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { EfsClients } from "../../modules/clients";
import { SharedFileSystem } from "../../modules/efs";
import { parseSettings } from "../../settings/load";
import { toStackProps } from "../../settings/stack-props";
import { EfsStack } from "../../stacks/efs-stack";
import { configsOf, onlyResource, synth, testStack, TerraformJson } from "../helpers/synth";
import { userDataLiterals } from "../helpers/user-data";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// codeSync.timeoutSeconds is seconds all the way (issue #23): in the settings, in the machines'
// settings file, in the script's `timeout`, and in the SSM step that must outlast the script.

const SCRIPT = readFileSync(join(__dirname, "../../modules/clients/scripts/sync-code.sh"), "utf8");
const CODE = { bucketName: "example-web-code" };

function clientsJson(timeoutSeconds: number): TerraformJson {
  const stack = testStack();
  const fileSystem = new SharedFileSystem(stack, "shared", {
    vpcId: TEST_VPC_ID,
    subnets: TEST_SUBNETS,
  });
  new EfsClients(stack, "clients", {
    vpcId: TEST_VPC_ID,
    subnets: TEST_SUBNETS,
    fileSystem,
    region: "eu-west-1",
    namePrefix: "web",
    placement: "fleet",
    codeSync: { ...CODE, timeoutSeconds },
  });
  return synth(stack);
}

/** The SSM step's timeout and the machines' SYNC_TIMEOUT_SECONDS, both as numbers. */
function timeoutsOf(json: TerraformJson) {
  const [step] = JSON.parse(onlyResource(json, "aws_ssm_document").content).mainSteps;
  const userData = userDataLiterals(onlyResource(json, "aws_launch_template").user_data);
  const setting = /^SYNC_TIMEOUT_SECONDS='(\d+)'$/m.exec(userData)?.[1];
  return { step: Number(step.inputs.timeoutSeconds), setting: Number(setting) };
}

test("the script bounds the copy with `timeout <seconds>`, without a unit suffix", () => {
  expect(SCRIPT).toMatch(/^\s*timeout --kill-after="\$KILL_AFTER_SECONDS" "\$SYNC_TIMEOUT_SECONDS" aws /m);
  expect(SCRIPT).toMatch(/^readonly KILL_AFTER_SECONDS=\d+$/m);
});

test.each([10, 900, 28_800])(
  "timeoutSeconds %i reaches the machines as seconds, and the SSM step outlasts it",
  (seconds) => {
    const { step, setting } = timeoutsOf(clientsJson(seconds));
    expect(setting).toBe(seconds);
    // The step must outlast the script's own bound: the copy, then the kill that follows its TERM.
    const killAfter = Number(/^readonly KILL_AFTER_SECONDS=(\d+)$/m.exec(SCRIPT)?.[1]);
    expect(step).toBeGreaterThan(seconds + killAfter);
    // ... by a fixed margin in seconds, whatever the timeout: a unit slip (minutes) would scale it.
    expect(step - seconds).toBe(timeoutsOf(clientsJson(600)).step - 600);
  },
);

test("clients.codeSync.timeoutSeconds in the settings reaches the stack unchanged", () => {
  const settings = {
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    clients: { placement: "fleet", codeSync: { ...CODE, timeoutSeconds: 900 } },
  };
  const json = synth(new EfsStack(Testing.app(), "efs", toStackProps(parseSettings(settings, "env.json"))));
  expect(configsOf(json, "aws_ssm_document")).toHaveLength(1);
  expect(timeoutsOf(json).setting).toBe(900);
});
