import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** Printed when `moto_server` is not on PATH. */
export const MOTO_INSTALL_HINT = 'moto_server is not on PATH: install it with `pip install "moto[server]"`';

/** A running `moto_server`, bound to loopback only. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A port the kernel has just handed out on 127.0.0.1, so two servers never race for a fixed one. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts `moto_server` on a free 127.0.0.1 port. AWS-managed IAM policies (the SSM core policy our
 * client role attaches) exist in moto only with `MOTO_IAM_LOAD_MANAGED_POLICIES=true`.
 */
export async function startMoto(): Promise<MotoServer> {
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    // Keep only the tail: moto logs every request there.
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(MOTO_INSTALL_HINT) : error),
    );
  });
  await spawned;
  try {
    await waitUntilServing(endpoint, child, 30_000);
  } catch (error) {
    child.kill();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    endpoint,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
