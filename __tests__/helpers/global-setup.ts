/**
 * jest's global setup: starts the AWS provider that the test workers' schema-only terraform commands
 * share (see provider-server.ts). Without a filesystem mirror (terraform then installs from the
 * registry into a plugin cache), or if the provider will not start, every command starts its own
 * provider as before: slower, never different.
 */
import { findProviderMirror } from "./terraform";
import {
  PROVIDER_REATTACH_ENV,
  ProviderServer,
  providerBinary,
  startProviderServer,
} from "./provider-server";

/** Where the global teardown, which runs in this same process, finds the server. */
export const SERVER_KEY = Symbol.for("efs-test-shared-provider");

function keep(server: ProviderServer): void {
  (globalThis as Record<symbol, unknown>)[SERVER_KEY] = server;
}

export default async function globalSetup(): Promise<void> {
  const mirror = findProviderMirror();
  const binary = mirror === undefined ? undefined : providerBinary(mirror);
  if (binary === undefined || process.env.EFS_TEST_SHARED_PROVIDER === "off") return;
  try {
    const server = await startProviderServer(binary);
    keep(server);
    // The workers start after this and inherit the environment.
    process.env[PROVIDER_REATTACH_ENV] = server.reattach;
  } catch (error) {
    process.stderr.write(
      `shared provider not started, each terraform command starts its own: ${String(error)}\n`,
    );
  }
}
