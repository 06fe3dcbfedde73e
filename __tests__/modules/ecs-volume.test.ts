import { ecsEfsVolume, EcsVolumeFileSystem } from "../../modules/clients";
import { SharedFileSystem } from "../../modules/efs";
import { testStack } from "../helpers/synth";

// Anonymous ECS mounts only where the file system is known to allow them (issue #23).

const FS_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const SUBNETS = [
  { id: "subnet-a", availabilityZone: "eu-west-1a" },
  { id: "subnet-b", availabilityZone: "eu-west-1b" },
];
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
      () => new SharedFileSystem(testStack(), "shared", { vpcId: "vpc-1", subnets: SUBNETS }),
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
      vpcId: "vpc-1",
      subnets: SUBNETS,
      allowAnonymousAccess: true,
    });
    expect(ecsEfsVolume({ name: "home", fileSystem, iam: "DISABLED" }).efsVolumeConfiguration).toMatchObject({
      transitEncryption: "ENABLED",
      authorizationConfig: { iam: "DISABLED" },
    });
  });
});
