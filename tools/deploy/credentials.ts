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

/**
 * The line printed when AWS_PROFILE (or AWS_DEFAULT_PROFILE) names a profile that neither file defines:
 * the usual cause is a typo or a profile from another machine, which "no credentials" would hide.
 */
export function missingProfileMessage(variable: string, profile: string, known: readonly string[]): string {
  const defined = known.length > 0 ? `profiles there: ${known.join(", ")}` : "they define no profile";
  return (
    `${variable}=${profile}: no such profile in ~/.aws/config or ~/.aws/credentials (${defined}). ` +
    `Fix the name, or create it with \`aws configure --profile ${profile}\` or \`aws configure sso\`.`
  );
}

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
  const profiles = definedProfiles(env, home);
  const profile = env.AWS_PROFILE || env.AWS_DEFAULT_PROFILE;
  if (profile) return profiles.has(profile) ? `profile ${profile}` : undefined;
  return profiles.has("default") ? "profile default" : undefined;
}

function definedProfiles(env: NodeJS.ProcessEnv, home: string): Set<string> {
  return new Set([
    ...sectionNames(env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials")),
    ...sectionNames(env.AWS_CONFIG_FILE || join(home, ".aws", "config")),
  ]);
}

/**
 * What to tell the user when `findCredentialSource` finds nothing: that the named profile does not
 * exist, when one is named, and otherwise `NO_CREDENTIALS_MESSAGE`. `undefined` when a source is found.
 */
export function credentialProblem(
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): string | undefined {
  if (findCredentialSource(env, home) !== undefined) return undefined;
  const variable = env.AWS_PROFILE
    ? "AWS_PROFILE"
    : env.AWS_DEFAULT_PROFILE
      ? "AWS_DEFAULT_PROFILE"
      : undefined;
  if (variable === undefined) return NO_CREDENTIALS_MESSAGE;
  return missingProfileMessage(variable, env[variable] ?? "", [...definedProfiles(env, home)].sort());
}
