import { TerraformVariable } from "cdktf";
import { ecsEfsVolume, lambdaFileSystemConfig } from "../../modules/clients";
import { SharedFileSystem } from "../../modules/efs";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { onlyResource, synth, testStack } from "../helpers/synth";

// ECS and Lambda helpers of the clients module (issue #12): pure config builders, checked at synth.

const AP_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0";

function sharedWithAccessPoint(allowAnonymousAccess = false) {
  const stack = testStack();
  const fs = new SharedFileSystem(stack, "shared", {
    vpcId: "vpc-11111111",
    subnets: [
      { id: "subnet-0000000a", availabilityZone: "eu-west-1a" },
      { id: "subnet-0000000b", availabilityZone: "eu-west-1b" },
    ],
    allowAnonymousAccess,
    accessPoints: { app: { path: "/app" } },
  });
  return { stack, fs, accessPoint: fs.accessPoints.app! };
}

describe("ecsEfsVolume", () => {
  test("mounts through the access point with TLS and the task role", () => {
    // GIVEN
    const { stack, fs, accessPoint } = sharedWithAccessPoint();
    // WHEN
    new EcsTaskDefinition(stack, "task", {
      family: "app",
      containerDefinitions: "[]",
      volume: [ecsEfsVolume({ name: "home", fileSystem: fs, accessPoint })],
    });
    // THEN
    expect(onlyResource(synth(stack), "aws_ecs_task_definition").volume).toEqual([
      {
        name: "home",
        efs_volume_configuration: {
          file_system_id: expect.stringMatching(
            /^\$\{aws_efs_file_system\.shared_file-system_[0-9A-F]+\.id\}$/,
          ),
          transit_encryption: "ENABLED",
          authorization_config: {
            iam: "ENABLED",
            access_point_id: expect.stringMatching(
              /^\$\{aws_efs_access_point\.shared_access-point-app_[0-9A-F]+\.id\}$/,
            ),
          },
        },
      },
    ]);
  });

  test("takes an access point id or ARN as a string", () => {
    const { fs } = sharedWithAccessPoint();
    for (const accessPoint of [AP_ARN, "fsap-0123456789abcdef0"]) {
      const volume = ecsEfsVolume({ name: "home", fileSystem: fs, accessPoint, rootDirectory: "/" });
      expect(volume.efsVolumeConfiguration?.authorizationConfig?.accessPointId).toBe(
        "fsap-0123456789abcdef0",
      );
      expect(volume.efsVolumeConfiguration?.rootDirectory).toBe("/");
    }
  });

  test("allows mounting without IAM only when the file system allows anonymous access", () => {
    const { fs } = sharedWithAccessPoint(true);
    const volume = ecsEfsVolume({
      name: "scratch",
      fileSystem: fs,
      iam: "DISABLED",
      rootDirectory: "/scratch",
    });
    expect(volume.efsVolumeConfiguration).toEqual({
      fileSystemId: fs.fileSystemId,
      rootDirectory: "/scratch",
      transitEncryption: "ENABLED",
      authorizationConfig: { iam: "DISABLED" },
    });
  });

  test("refuses every setting the file-system policy or ECS would refuse, all at once", () => {
    const { fs, accessPoint } = sharedWithAccessPoint();
    expect(() =>
      ecsEfsVolume({
        name: "home volume",
        fileSystem: fs,
        accessPoint,
        rootDirectory: "/home",
        transitEncryption: "DISABLED",
        transitEncryptionPort: 70000,
        iam: "DISABLED",
      }),
    ).toThrow(
      new RegExp(
        [
          'Invalid props for ecsEfsVolume\\("home volume"\\):',
          `  - name: "home volume" is not 1 to 255 letters, digits, '-' or '_'`,
          '  - transitEncryption: "DISABLED" is refused: the file-system policy denies every request without TLS; use "ENABLED"',
          '  - iam: "DISABLED" is refused: the file-system policy allows no anonymous access; use "ENABLED" and grant the task role',
          "  - transitEncryptionPort: 70000 is not a port number from 1 to 65535",
          '  - rootDirectory: "/home" is refused with an access point: ECS requires "/" or no rootDirectory',
        ].join("\\n"),
      ),
    );
  });

  test("refuses a malformed access point id", () => {
    const { fs } = sharedWithAccessPoint();
    expect(() => ecsEfsVolume({ name: "home", fileSystem: fs, accessPoint: "app" })).toThrow(
      /accessPoint: "app" is not an access point id \("fsap-0123456789abcdef0"\) or ARN/,
    );
  });
});

describe("lambdaFileSystemConfig", () => {
  test("returns the file-system and VPC config, and the mount targets to depend on", () => {
    // GIVEN
    const { stack, fs, accessPoint } = sharedWithAccessPoint();
    // WHEN
    const config = lambdaFileSystemConfig({
      fileSystem: fs,
      accessPoint,
      localMountPath: "/mnt/data",
      subnetIds: ["subnet-0000000a"],
      securityGroupIds: ["sg-0123456789abcdef0"],
    });
    new LambdaFunction(stack, "function", {
      functionName: "reader",
      role: "arn:aws:iam::111122223333:role/reader",
      ...config,
    });
    // THEN
    expect(config.dependsOn).toHaveLength(2);
    expect(config.dependsOn.every((d, i) => d === fs.mountTargetResources[i])).toBe(true);
    const lambda = onlyResource(synth(stack), "aws_lambda_function");
    expect(lambda).toMatchObject({
      file_system_config: {
        arn: expect.stringMatching(/^\$\{aws_efs_access_point\.shared_access-point-app_[0-9A-F]+\.arn\}$/),
        local_mount_path: "/mnt/data",
      },
      vpc_config: { subnet_ids: ["subnet-0000000a"], security_group_ids: ["sg-0123456789abcdef0"] },
    });
    expect([...lambda.depends_on].sort()).toEqual([
      expect.stringMatching(/^aws_efs_mount_target\.shared_mount-target-eu-west-1a_/),
      expect.stringMatching(/^aws_efs_mount_target\.shared_mount-target-eu-west-1b_/),
    ]);
  });

  const withPath = (localMountPath: string) => () =>
    lambdaFileSystemConfig({
      accessPoint: AP_ARN,
      localMountPath,
      subnetIds: ["subnet-0000000a"],
      securityGroupIds: ["sg-0000000a"],
    });

  test.each([["/mnt/data"], ["/mnt/a.b_c-1"], [`/mnt/${"x".repeat(155)}`]])("accepts %s", (path) => {
    expect(withPath(path)).not.toThrow();
  });

  test.each([["/data"], ["/mnt/"], ["/mnt/a/b"], ["/mnt/a b"], [`/mnt/${"x".repeat(156)}`]])(
    "refuses the local mount path %s",
    (path) => {
      expect(withPath(path)).toThrow(
        /lambdaFileSystemConfig:\n {2}- localMountPath: "[^"]*"( \(\d+ characters\))? is not allowed; Lambda takes "\/mnt\/" and one name/,
      );
    },
  );

  test("refuses a malformed access point ARN and an empty VPC config, and skips tokens", () => {
    expect(() =>
      lambdaFileSystemConfig({
        accessPoint: "fsap-0123456789abcdef0",
        localMountPath: "/mnt/data",
        subnetIds: [],
        securityGroupIds: [],
      }),
    ).toThrow(
      /- accessPoint: "fsap-0123456789abcdef0" is not an access point ARN[^\n]*\n {2}- subnetIds: is empty[^\n]*\n {2}- securityGroupIds: is empty/,
    );
    const stack = testStack();
    const path = new TerraformVariable(stack, "path", { type: "string" }).stringValue;
    expect(() =>
      lambdaFileSystemConfig({
        accessPoint: AP_ARN,
        localMountPath: path,
        subnetIds: ["subnet-0000000a"],
        securityGroupIds: ["sg-0000000a"],
      }),
    ).not.toThrow();
  });

  test("refuses malformed subnet and security-group ids, each named by its index", () => {
    expect(() =>
      lambdaFileSystemConfig({
        accessPoint: AP_ARN,
        localMountPath: "/mnt/data",
        subnetIds: ["subnet-0000000a", "subnet-12345"],
        securityGroupIds: ["sg-12345"],
      }),
    ).toThrow(
      'subnetIds[1]: "subnet-12345" is not a subnet id such as "subnet-0123456789abcdef0"\n' +
        '  - securityGroupIds[0]: "sg-12345" is not a security-group id such as "sg-0123456789abcdef0"',
    );
  });
});
