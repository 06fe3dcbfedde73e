import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  credentialProblem,
  findCredentialSource,
  missingProfileMessage,
  NO_CREDENTIALS_MESSAGE,
} from "../../tools/deploy/credentials";

/** A home directory with the given ~/.aws files. */
function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "efs-deploy-home-"));
  mkdirSync(join(dir, ".aws"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".aws", name), text);
  return dir;
}

test("no environment variables and no ~/.aws files: no credential source", () => {
  expect(findCredentialSource({}, home())).toBeUndefined();
});

test("keys in the environment, a default profile, a named SSO profile in ~/.aws/config are found", () => {
  expect(findCredentialSource({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, home())).toBe(
    "AWS_ACCESS_KEY_ID in the environment",
  );
  expect(findCredentialSource({}, home({ credentials: "[default]\naws_access_key_id = a\n" }))).toBe(
    "profile default",
  );
  expect(
    findCredentialSource({ AWS_PROFILE: "ops" }, home({ config: "[profile ops]\nsso_session = x\n" })),
  ).toBe("profile ops");
});

test("an AWS_PROFILE that no file defines is no credential source, even with a default profile", () => {
  expect(findCredentialSource({ AWS_PROFILE: "typo" }, home({ credentials: "[default]\n" }))).toBeUndefined();
});

test("an AWS_PROFILE that no file defines is named as such, not as missing credentials", () => {
  // GIVEN two profiles on file and a typo in AWS_PROFILE
  const dir = home({ credentials: "[default]\n", config: "[profile ops]\nsso_session = x\n" });
  // WHEN the wrapper asks what is wrong
  const problem = credentialProblem({ AWS_PROFILE: "nosuch" }, dir);
  // THEN it says the profile does not exist and lists the ones that do
  expect(problem).toBe(missingProfileMessage("AWS_PROFILE", "nosuch", ["default", "ops"]));
  expect(problem).toMatch(
    /^AWS_PROFILE=nosuch: no such profile in ~\/\.aws\/config or ~\/\.aws\/credentials/,
  );
  expect(problem).toMatch(/profiles there: default, ops/);
  expect(problem).not.toMatch(/No AWS credentials found/);
});

test("AWS_DEFAULT_PROFILE is named when it is the variable that points nowhere; no files, no profiles", () => {
  expect(credentialProblem({ AWS_DEFAULT_PROFILE: "old" }, home())).toMatch(
    /^AWS_DEFAULT_PROFILE=old: no such profile .*\(they define no profile\)/,
  );
});

test("no profile named and nothing found: the general message; something found: no problem", () => {
  expect(credentialProblem({}, home())).toBe(NO_CREDENTIALS_MESSAGE);
  expect(credentialProblem({ AWS_PROFILE: "ops" }, home({ config: "[profile ops]\n" }))).toBeUndefined();
});

/** Runs `tools/deploy/cli.ts deploy efs` with `env`; its exit status and what it printed on stderr. */
function runWrapper(env: NodeJS.ProcessEnv): { status: number; stderr: string } {
  try {
    execFileSync(process.execPath, ["--import", "tsx", "tools/deploy/cli.ts", "deploy", "efs"], {
      cwd: join(__dirname, "..", ".."),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stderr: "" };
  } catch (error) {
    const { stderr, status } = error as { stderr: Buffer; status: number };
    return { status, stderr: String(stderr).trim() };
  }
}

test("the wrapper ends with the one line naming what is missing, and runs no cdktf", () => {
  // GIVEN an environment with no credentials at all
  const env = { PATH: process.env.PATH, HOME: home() };
  // WHEN deploy runs through the wrapper, THEN it fails with exactly that line
  expect(runWrapper(env)).toEqual({ status: 1, stderr: NO_CREDENTIALS_MESSAGE });
});

test("the wrapper with AWS_PROFILE=nosuch says that the profile does not exist", () => {
  // GIVEN a default profile on file and AWS_PROFILE naming one that is not
  const env = { PATH: process.env.PATH, HOME: home({ credentials: "[default]\n" }), AWS_PROFILE: "nosuch" };
  // WHEN deploy runs through the wrapper, THEN the one line names the missing profile
  expect(runWrapper(env)).toEqual({
    status: 1,
    stderr: missingProfileMessage("AWS_PROFILE", "nosuch", ["default"]),
  });
});
