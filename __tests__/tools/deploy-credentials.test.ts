import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCredentialSource, NO_CREDENTIALS_MESSAGE } from "../../tools/deploy/credentials";

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

test("the wrapper ends with the one line naming what is missing, and runs no cdktf", () => {
  // GIVEN an environment with no credentials at all
  const env = { PATH: process.env.PATH, HOME: home() };
  // WHEN deploy runs through the wrapper
  let stderr = "";
  let status = 0;
  try {
    execFileSync(process.execPath, ["--import", "tsx", "tools/deploy/cli.ts", "deploy", "efs"], {
      cwd: join(__dirname, "..", ".."),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    ({ stderr, status } = error as { stderr: Buffer; status: number } & { stderr: any });
    stderr = String(stderr);
  }
  // THEN it fails with exactly that line
  expect({ status, stderr: stderr.trim() }).toEqual({ status: 1, stderr: NO_CREDENTIALS_MESSAGE });
});
