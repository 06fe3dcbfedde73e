import { startMoto as startMotoServer } from "../../tools/apply/moto";

/** A `moto_server` (AWS emulator) of one test file, on a free loopback port (tools/apply/moto.ts). */
export interface Moto {
  readonly endpoint: string;
  /** Environment for the real AWS CLI: the emulator's endpoint, dummy credentials, no IMDS. */
  readonly awsEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts moto and waits until it answers; fails with a clear message when moto_server is missing. */
export async function startMoto(): Promise<Moto> {
  const server = await startMotoServer();
  return {
    endpoint: server.endpoint,
    awsEnv: {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_DEFAULT_REGION: "eu-west-1",
      AWS_REGION: "eu-west-1",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    },
    stop: () => server.stop(),
  };
}

const FAKE_SIGNATURE =
  "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=00";

/** Writes objects straight through moto's REST API (it checks no signature): far faster than the CLI. */
export async function putObjects(moto: Moto, bucket: string, objects: Record<string, string>): Promise<void> {
  for (const [key, body] of Object.entries(objects)) {
    const response = await fetch(
      `${moto.endpoint}/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
      // Unsigned, moto refuses to overwrite an object (403); it checks no signature, only that one is
      // there. An explicit type, or moto reads the body as a form.
      {
        method: "PUT",
        body,
        headers: { authorization: FAKE_SIGNATURE, "content-type": "application/octet-stream" },
      },
    );
    if (!response.ok) throw new Error(`PUT ${bucket}/${key}: ${response.status} ${await response.text()}`);
  }
}

export async function createBucket(moto: Moto, bucket: string): Promise<void> {
  const response = await fetch(`${moto.endpoint}/${bucket}`, { method: "PUT" });
  if (!response.ok) throw new Error(`create ${bucket}: ${response.status} ${await response.text()}`);
}
