/**
 * One run of what `__tests__/package/consumer.test.ts` does before its assertions: pack, install into a
 * fresh app, compile every example, run each with node, validate and plan every stack. Prints one JSON
 * line with the wall time of each step, for `bench/examples.ts`.
 */
import { rmSync } from "node:fs";
import { buildConsumerApp } from "../__tests__/package/consumer-app";

async function main(): Promise<void> {
  const consumer = await buildConsumerApp();
  const stacks = Object.values(consumer.plans).reduce((sum, plans) => sum + Object.keys(plans).length, 0);
  rmSync(consumer.dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ examples: Object.keys(consumer.plans).length, stacks, timings: consumer.timings })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
