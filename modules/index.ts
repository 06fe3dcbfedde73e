/**
 * The public API of `cdktf-efs-shared-home`: every module's constructs, props and constants. Each module
 * is also its own entry point (`cdktf-efs-shared-home/efs`, `/network`, `/clients`, `/containers`,
 * `/monitoring`, `/backup`), so an app can import only the module it uses. Anything not exported here or from a
 * module's `index.ts` (e.g. `modules/shared/`) is internal and may change in any release.
 */
export * from "./backup";
export * from "./clients";
export * from "./containers";
export * from "./efs";
export * from "./monitoring";
export * from "./network";
// What a construct throws for bad props, so an app can catch it and show `problems`.
export { PropsValidationError } from "./shared/validation";
// The boundary and IAM path that every construct creating a role takes.
export type { RoleOptions } from "./shared/iam";
