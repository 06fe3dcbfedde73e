/**
 * Where the AWS provider would find credentials, checked before `cdktf diff`/`deploy` so that a run
 * without any ends with one clear line instead of a partial plan and "No valid credential sources found".
 * Synth needs no credentials, so the check is here and not in the app.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** The line printed when no credential source is found. */
export const NO_CREDENTIALS_MESSAGE =
  "No AWS credentials found: set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and " +
  "AWS_SECRET_ACCESS_KEY; on an instance or CI runner with a role, set EFS_SKIP_CREDENTIAL_CHECK=1.";

function sectionNames(file: string): string[] {
  if (!existsSync(file)) return [];
  return [...readFileSync(file, "utf8").matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map(
    (match) => match[1],
  );
}

/**
 * A description of the first credential source the AWS SDK's default chain would use, or `undefined`
 * when there is none. Instance and container roles can't be seen from here without a network call:
 * for those, `EFS_SKIP_CREDENTIAL_CHECK=1` skips the check.
 */
export function findCredentialSource(
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string | undefined {
  if (env.EFS_SKIP_CREDENTIAL_CHECK === "1") return "EFS_SKIP_CREDENTIAL_CHECK=1 (not checked)";
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) return "AWS_ACCESS_KEY_ID in the environment";
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN)
    return "AWS_WEB_IDENTITY_TOKEN_FILE (web identity)";
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return "the container credentials endpoint";
  }
  const profiles = new Set([
    ...sectionNames(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials")),
    ...sectionNames(env.AWS_CONFIG_FILE || join(home, ".aws", "config")),
  ]);
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (profile) return profiles.has(profile) ? `profile ${profile}` : undefined;
  return profiles.has("default") ? "profile default" : undefined;
}
