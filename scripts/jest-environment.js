/**
 * jest's node environment, with one change: a stack trace captured onto a plain object is formatted
 * as V8 would, without jest's source-map lookup. Errors keep jest's source-mapped stacks.
 *
 * Why: cdktf and constructs record a "creation stack" on a plain object (`Error.captureStackTrace`
 * with `Error.stackTraceLimit` raised to the maximum) for every Lazy token and construct metadata, to
 * name where a token was made if it fails to resolve. Under jest every such capture ran jest's
 * source-map formatter over the whole, deep stack: about 12 s of the suite's CPU (a profile of
 * `npm test` in band, 2026-12-06), for frames nobody reads unless a token fails to resolve. Those
 * frames now point into the compiled test code rather than the TypeScript source, and stop after
 * the first 16.
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports */
const { TestEnvironment } = require("jest-environment-node");

/**
 * Enough frames to reach the test code that made the token; the rest of a creation stack is jest's
 * own machinery, and turning each frame into text was the next-largest cost (2.5 s of the suite).
 */
const PLAIN_STACK_FRAMES = 16;

/** V8's own layout: a first line, then one `    at <frame>` line per call site. */
function plainFormat(target, frames) {
  const name = target?.name ?? "Error";
  const message = target?.message;
  const head = message ? `${name}: ${message}` : String(name);
  return (
    head +
    frames
      .slice(0, PLAIN_STACK_FRAMES)
      .map((frame) => `\n    at ${frame}`)
      .join("")
  );
}

class PlainCreationStacksEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const contextError = this.global.Error;
    // Node asks the Error of the realm that made the object first, and jest's formatter sits on the
    // outer realm's Error (installed before `setup`); it is looked up per call, as jest may swap it.
    contextError.prepareStackTrace = (target, frames) => {
      const isError = target instanceof contextError || target instanceof Error;
      const jestFormat = Error.prepareStackTrace;
      return isError && typeof jestFormat === "function"
        ? jestFormat(target, frames)
        : plainFormat(target, frames);
    };
  }
}

module.exports = PlainCreationStacksEnvironment;
