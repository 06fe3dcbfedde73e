import { ValidationErrors } from "./validation";

/**
 * A customer-managed IAM policy ARN in any partition, with an optional path:
 * "arn:aws:iam::111122223333:policy/efs-shared-home-boundary". A permissions boundary must be a
 * managed policy (IAM User Guide, "Permissions boundaries for IAM entities").
 */
export const IAM_POLICY_ARN_PATTERN =
  /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/([\x21-\x2E\x30-\x7E]+\/)*[\w+=,.@-]{1,128}$/;

/** An IAM path as IAM's API accepts it: "/" or "/segments/", printable ASCII, 1 to 512 characters. */
export const IAM_PATH_PATTERN = /^(\/|\/[\x21-\x7E]{1,510}\/)$/;

/** What every construct that creates an IAM role takes, so a platform team can fence those roles in. */
export interface RoleOptions {
  /**
   * ARN of a managed policy set as the permissions boundary of every role this construct creates:
   * whatever policies the role is given, it can do no more than the boundary allows.
   * @default - no boundary
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * IAM path of every role (and instance profile) this construct creates, such as
   * "/efs-shared-home/". A deployer policy can then limit its IAM writes to `role/efs-shared-home/*`.
   * Changing it replaces the roles.
   * @default "/"
   */
  readonly iamPath?: string;
}

/** Checks `permissionsBoundaryArn` and `iamPath`, adding each problem to `errors`. */
export function validateRoleOptions(errors: ValidationErrors, props: RoleOptions): void {
  errors.checkFormat(
    "permissionsBoundaryArn",
    props.permissionsBoundaryArn,
    IAM_POLICY_ARN_PATTERN,
    'is not an IAM managed policy ARN such as "arn:aws:iam::111122223333:policy/efs-shared-home-boundary"',
  );
  errors.checkFormat(
    "iamPath",
    props.iamPath,
    IAM_PATH_PATTERN,
    'is not an IAM path: "/" or "/<name>/" of printable ASCII, up to 512 characters, such as "/efs-shared-home/"',
  );
}

/** The `aws_iam_role` arguments that `RoleOptions` sets; none when left out, so no plan changes. */
export function roleArguments(options: RoleOptions): { permissionsBoundary?: string; path?: string } {
  return {
    ...(options.permissionsBoundaryArn !== undefined
      ? { permissionsBoundary: options.permissionsBoundaryArn }
      : {}),
    ...(options.iamPath !== undefined ? { path: options.iamPath } : {}),
  };
}
