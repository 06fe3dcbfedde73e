import { ecsEfsVolume, EcsVolumeFileSystem } from "../../modules/clients";
import { SharedFileSystem } from "../../modules/efs";
import { TerraformOutput, TerraformVariable } from "cdktf";
import { synth, testStack } from "../helpers/synth";
import { TEST_SUBNETS, TEST_VPC_ID } from "../helpers/app";

// Anonymous ECS mounts only where the file system is known to allow them (issue #23).

const FS_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const REFUSED = /iam: "DISABLED" is refused: the file-system policy allows no anonymous access/;

describe('ecsEfsVolume with iam "DISABLED"', () => {
  test.each<[string, () => EcsVolumeFileSystem]>([
    [
      "an imported file system (allowAnonymousAccess unknown)",
      () => SharedFileSystem.fromAttributes(testStack(), "imported", { fileSystemArn: FS_ARN }),
    ],
    ["a file system given as a bare id", () => ({ fileSystemId: "fs-0123456789abcdef0" })],
    [
      "a SharedFileSystem with the default policy",
      () => new SharedFileSystem(testStack(), "shared", { vpcId: TEST_VPC_ID, subnets: TEST_SUBNETS }),
    ],
    [
      "allowAnonymousAccess: false",
      () => ({ fileSystemId: "fs-0123456789abcdef0", allowAnonymousAccess: false }),
    ],
  ])("is refused for %s", (_, fileSystem) => {
    expect(() => ecsEfsVolume({ name: "home", fileSystem: fileSystem(), iam: "DISABLED" })).toThrow(REFUSED);
  });

  test("is accepted only when the file system allows anonymous access", () => {
    const fileSystem = new SharedFileSystem(testStack(), "shared", {
      vpcId: TEST_VPC_ID,
      subnets: TEST_SUBNETS,
      allowAnonymousAccess: true,
    });
    expect(ecsEfsVolume({ name: "home", fileSystem, iam: "DISABLED" }).efsVolumeConfiguration).toMatchObject({
      transitEncryption: "ENABLED",
      authorizationConfig: { iam: "DISABLED" },
    });
  });
});

// Gaps the mutation run on modules/containers/ecs.ts showed (npm run test:mutation): the port, a root
// directory without an access point, an unknown iam value and an access point known only at apply.
describe("ecsEfsVolume's other settings", () => {
  const fileSystem = { fileSystemId: "fs-0123456789abcdef0" };

  test.each([1, 2049, 65535])("passes transitEncryptionPort %i on", (port) => {
    expect(
      ecsEfsVolume({ name: "home", fileSystem, transitEncryptionPort: port }).efsVolumeConfiguration,
    ).toMatchObject({ transitEncryptionPort: port });
  });

  test.each([0, 65536, 2049.5])("refuses transitEncryptionPort %p", (port) => {
    expect(() => ecsEfsVolume({ name: "home", fileSystem, transitEncryptionPort: port })).toThrow(
      `transitEncryptionPort: ${port} is not a port number from 1 to 65535`,
    );
  });

  test("mounts an absolute rootDirectory without an access point, and refuses a relative one", () => {
    expect(
      ecsEfsVolume({ name: "home", fileSystem, rootDirectory: "/data" }).efsVolumeConfiguration,
    ).toMatchObject({
      rootDirectory: "/data",
    });
    expect(() => ecsEfsVolume({ name: "home", fileSystem, rootDirectory: "data" })).toThrow(
      'rootDirectory: "data" is not an absolute path',
    );
  });

  test("refuses an iam value other than ENABLED and DISABLED", () => {
    expect(() => ecsEfsVolume({ name: "home", fileSystem, iam: "OPTIONAL" as never })).toThrow(
      'iam: "OPTIONAL" is not allowed; use "ENABLED" or "DISABLED"',
    );
  });

  test("takes the id from an access point ARN known only at apply time", () => {
    const stack = testStack();
    const accessPoint = new TerraformVariable(stack, "access_point", { type: "string" }).stringValue;
    const volume = ecsEfsVolume({ name: "home", fileSystem, accessPoint });
    new TerraformOutput(stack, "access_point_id", {
      value: volume.efsVolumeConfiguration?.authorizationConfig?.accessPointId,
    });
    expect(synth(stack).output.access_point_id.value).toBe(
      '${element(reverse(split("/", var.access_point)), 0)}',
    );
  });
});
