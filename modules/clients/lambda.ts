import type { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import type { EfsMountTarget } from "@cdktf/provider-aws/lib/efs-mount-target";
import type {
  LambdaFunctionFileSystemConfig,
  LambdaFunctionVpcConfig,
} from "@cdktf/provider-aws/lib/lambda-function";
import { isKnown, show, ValidationErrors } from "../shared/validation";

/**
 * Lambda's rule for `LocalMountPath` (API reference, FileSystemConfig): `/mnt/` and one name of
 * letters, digits, `-`, `_` and `.`, at most 160 characters.
 */
export const LAMBDA_LOCAL_MOUNT_PATH_PATTERN = /^\/mnt\/[A-Za-z0-9._-]+$/;
const LAMBDA_LOCAL_MOUNT_PATH_MAX_LENGTH = 160;
/** Lambda's rule for the access point ARN (API reference, FileSystemConfig). */
const LAMBDA_ACCESS_POINT_ARN_PATTERN =
  /^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point\/fsap-[a-f0-9]{17}$/;

export interface LambdaFileSystemConfigProps {
  /**
   * The access point the function mounts through (Lambda mounts only through one): the construct or
   * its ARN. Grant the function's role with the same access point.
   */
  readonly accessPoint: EfsAccessPoint | string;
  /** Where the function sees the file system: `/mnt/<name>`. */
  readonly localMountPath: string;
  /**
   * Subnets for the function's network interfaces: in the VPC of the mount targets, and in AZs that
   * have one.
   */
  readonly subnetIds: readonly string[];
  /**
   * Security groups for the function. Allow one of them on NFS with `fileSystem.allowNfsFrom(...)`
   * and give it NFS egress to the mount targets.
   */
  readonly securityGroupIds: readonly string[];
  /**
   * The file system, whose mount targets the function must wait for.
   * @default - no dependency (an imported file system's mount targets exist already)
   */
  readonly fileSystem?: { readonly mountTargetResources: readonly EfsMountTarget[] };
}

/** What a `LambdaFunction` needs to mount EFS: its `fileSystemConfig`, `vpcConfig` and `dependsOn`. */
export interface LambdaFileSystemConfig {
  readonly fileSystemConfig: LambdaFunctionFileSystemConfig;
  readonly vpcConfig: LambdaFunctionVpcConfig;
  /**
   * The mount targets: Lambda refuses a file system without a mount target in the function's AZs,
   * so the function is created after them.
   */
  readonly dependsOn: EfsMountTarget[];
}

/**
 * The `file_system_config`, `vpc_config` and dependencies of a Lambda function on EFS. Lambda always
 * mounts with TLS and the function's execution role (which needs the access-point grant and, for
 * its network interfaces, `AWSLambdaVPCAccessExecutionRole`), so the efs module's policy lets it in.
 */
export function lambdaFileSystemConfig(props: LambdaFileSystemConfigProps): LambdaFileSystemConfig {
  const errors = new ValidationErrors("lambdaFileSystemConfig");
  const path = props.localMountPath;
  if (isKnown(path)) {
    errors.check(
      LAMBDA_LOCAL_MOUNT_PATH_PATTERN.test(path) && path.length <= LAMBDA_LOCAL_MOUNT_PATH_MAX_LENGTH,
      "localMountPath",
      `${show(path)} is not allowed; Lambda takes "/mnt/" and one name of letters, digits, '.', '_' or '-' (at most ${LAMBDA_LOCAL_MOUNT_PATH_MAX_LENGTH} characters), e.g. "/mnt/data"`,
    );
  }
  const accessPointArn = typeof props.accessPoint === "string" ? props.accessPoint : props.accessPoint.arn;
  errors.checkFormat(
    "accessPoint",
    accessPointArn,
    LAMBDA_ACCESS_POINT_ARN_PATTERN,
    'is not an access point ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0"',
  );
  for (const [field, list] of [
    ["subnetIds", props.subnetIds],
    ["securityGroupIds", props.securityGroupIds],
  ] as const) {
    if (isKnown(list)) errors.check(list.length > 0, field, "is empty; a function on EFS runs in the VPC");
  }
  errors.checkIds("subnetIds", props.subnetIds, "subnet");
  errors.checkIds("securityGroupIds", props.securityGroupIds, "security group");
  errors.throwIfAny();
  return {
    fileSystemConfig: { arn: accessPointArn, localMountPath: path },
    vpcConfig: { subnetIds: [...props.subnetIds], securityGroupIds: [...props.securityGroupIds] },
    dependsOn: [...(props.fileSystem?.mountTargetResources ?? [])],
  };
}
