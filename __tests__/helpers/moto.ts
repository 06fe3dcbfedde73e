import { ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A `moto_server` (AWS emulator) of this test file's own, on a free loopback port. */
export interface Moto {
  readonly endpoint: string;
  /** Environment for the real AWS CLI: the emulator's endpoint, dummy credentials, no IMDS. */
  readonly awsEnv: Record<string, string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts moto on 127.0.0.1 and waits until it answers; fails with a clear message if it cannot. */
export async function startMoto(timeoutMs = 30_000): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let exited: string | undefined;
  let stderr = "";
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  child.on("error", (error: NodeJS.ErrnoException) => {
    exited =
      error.code === "ENOENT"
        ? "moto_server is not on PATH: these tests run the real AWS CLI against it (pip install 'moto[server]')"
        : `moto_server could not start: ${error.message}`;
  });
  child.on("exit", (code) => (exited ??= `moto_server exited (code ${code}): ${stderr}`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(exited);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    awsEnv: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_REGION: "eu-west-1",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const FAKE_SIGNATURE =
  "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00";

/** Writes objects straight through moto's REST API (it checks no signature): far faster than the CLI. */
export async function putObjects(moto: Moto, bucket: string, objects: Record<string, string>): Promise<void> {
  for (const [key, body] of Object.entries(objects)) {
    const response = await fetch(
      `${moto.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
      // Unsigned, moto refuses to overwrite an object (403); it checks no signature, only that one is there.
      { method: "PUT", body, headers: { authorization: FAKE_SIGNATURE } },
    );
    if (!response.ok) throw new Error(`PUT ${bucket}/${key}: ${response.status} ${await response.text()}`);
  }
}

export async function createBucket(moto: Moto, bucket: string): Promise<void> {
  const response = await fetch(`${moto.endpoint}/${bucket}`, { method: "PUT" });
  if (!response.ok) throw new Error(`create ${bucket}: ${response.status} ${await response.text()}`);
}
