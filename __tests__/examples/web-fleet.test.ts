import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SYNC_SCRIPT } from "../../modules/clients";
import { parsePolicy, readStackJson } from "../helpers/synth";
import { userDataLiterals } from "../helpers/user-data";

// The example imports the package by name, as a consumer does; here each subpath is this
// repository's module, so the test runs the example's own code against ../modules.
jest.mock("cdktf-efs-shared-home/network", () => jest.requireActual("../../modules/network"), {
  virtual: true,
});
jest.mock("cdktf-efs-shared-home/efs", () => jest.requireActual("../../modules/efs"), { virtual: true });
jest.mock("cdktf-efs-shared-home/clients", () => jest.requireActual("../../modules/clients"), {
  virtual: true,
});

const outdir = mkdtempSync(join(tmpdir(), "web-fleet-example-"));

beforeAll(() => {
  // GIVEN the example app, synthesized where CDKTF_OUTDIR says, as `cdktf synth` would run it
  const previous = process.env.CDKTF_OUTDIR;
  process.env.CDKTF_OUTDIR = outdir;
  try {
    // A plain require: the example is a script (it ends with app.synth()), run for its effect.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    jest.isolateModules(() => require("../../examples/web-fleet/main"));
  } finally {
    if (previous === undefined) delete process.env.CDKTF_OUTDIR;
    else process.env.CDKTF_OUTDIR = previous;
  }
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe("examples/web-fleet", () => {
  // The plan of this example is checked by the package's consumer test (__tests__/package), which
  // installs the packed tarball and plans every example together; here only the synth is checked.
  test("the instance role reads only the code's bucket and prefix", () => {
    const policy = Object.values(
      readStackJson(outdir, "web-fleet").resource.aws_iam_role_policy as Record<
        string,
        { name: string; policy: string }
      >,
    ).find((p) => p.name === "web-fleet-web-code-sync-read");
    const statements = parsePolicy(policy!.policy).Statement;
    expect(statements.map((s: { Action: string }) => s.Action)).toEqual(["s3:ListBucket", "s3:GetObject"]);
    expect(statements[0].Condition).toEqual({
      StringLike: { "s3:prefix": ["releases/web/*"] },
      StringEquals: {
        "s3:ResourceAccount": expect.stringMatching(/^\$\{element\(split\(':', .*\.arn\), 4\)\}$/),
      },
    });
    expect(statements[1].Resource).toMatch(/:s3:::example-web-code\/releases\/web\/\*$/);
  });

  test("the user data mounts the media share, installs the sync script, and syncs after the web server setup", () => {
    // The file system's id is unknown until apply, so is the user data: its literal parts come from the synth.
    const expression: string = Object.values(
      readStackJson(outdir, "web-fleet").resource.aws_launch_template as Record<
        string,
        { user_data: string }
      >,
    )[0].user_data;
    const userData = userDataLiterals(expression);
    expect(userData).toContain("MOUNT_PATH='/var/www/media'\n");
    expect(userData).toContain(`<<'SYNC_CODE_SCRIPT_END'\n${SYNC_SCRIPT}SYNC_CODE_SCRIPT_END\n`);
    expect(userData).toContain("SOURCE_BUCKET='example-web-code'\nSOURCE_PREFIX='releases/web'\n");
    expect(userData.indexOf("systemctl enable --now php-fpm httpd")).toBeLessThan(
      userData.indexOf("(set -a; . /etc/sync-code.env; set +a; exec /usr/local/sbin/sync-code)"),
    );
  });
});
