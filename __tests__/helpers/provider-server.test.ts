import { PROVIDER_REATTACH_ENV, sharedProviderEnv } from "./provider-server";

// The shared provider must never serve a command that configures providers: one provider process
// holds one configuration, and plans of stacks with other regions or default tags run at once.

const address = "registry.terraform.io/hashicorp/aws";
const reattachFor = (pid: number) =>
  JSON.stringify({ [address]: { Protocol: "grpc", ProtocolVersion: 5, Pid: pid, Test: true, Addr: {} } });

let saved: string | undefined;
beforeEach(() => {
  saved = process.env[PROVIDER_REATTACH_ENV];
});
afterEach(() => {
  if (saved === undefined) delete process.env[PROVIDER_REATTACH_ENV];
  else process.env[PROVIDER_REATTACH_ENV] = saved;
});

test.each([
  ["show", "-json", "harness.tfplan"],
  ["validate", "-no-color"],
  ["providers", "schema", "-json"],
])("attaches `terraform %s` to the running shared provider", (...args) => {
  process.env[PROVIDER_REATTACH_ENV] = reattachFor(process.pid);
  expect(sharedProviderEnv(args)).toEqual({ TF_REATTACH_PROVIDERS: reattachFor(process.pid) });
});

test.each([["plan", "-refresh=false"], ["apply"], ["destroy"], ["init"], ["console"], ["import"], []])(
  "never attaches `terraform %s`, which configures providers or needs none",
  (...args) => {
    process.env[PROVIDER_REATTACH_ENV] = reattachFor(process.pid);
    expect(sharedProviderEnv(args)).toEqual({});
  },
);

test("starts its own provider when the shared one is gone or was never started", () => {
  delete process.env[PROVIDER_REATTACH_ENV];
  expect(sharedProviderEnv(["show", "-json"])).toEqual({});
  // A pid no process has: the highest the kernel allows is far below this.
  process.env[PROVIDER_REATTACH_ENV] = reattachFor(2 ** 30);
  expect(sharedProviderEnv(["show", "-json"])).toEqual({});
  process.env[PROVIDER_REATTACH_ENV] = "not json";
  expect(sharedProviderEnv(["show", "-json"])).toEqual({});
});
