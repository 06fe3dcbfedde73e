/** jest's global teardown: stops the shared provider that global-setup.ts started. */
import type { ProviderServer } from "./provider-server";
import { PROVIDER_REATTACH_ENV } from "./provider-server";
import { SERVER_KEY } from "./global-setup";

export default function globalTeardown(): void {
  ((globalThis as Record<symbol, unknown>)[SERVER_KEY] as ProviderServer | undefined)?.stop();
  delete process.env[PROVIDER_REATTACH_ENV];
}
