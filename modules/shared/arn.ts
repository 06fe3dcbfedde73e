import { Fn } from "cdktf";

/**
 * The account id inside an ARN (`arn:partition:service:region:ACCOUNT:resource`), as a Terraform
 * expression. We derive the account from a resource we create rather than from the
 * `aws_caller_identity` data source, which would call STS on every plan.
 */
export function accountIdOfArn(arn: string): string {
  return Fn.element(Fn.split(":", arn), 4);
}

/** The partition inside an ARN (`aws`, `aws-cn`, `aws-us-gov`), as a Terraform expression. */
export function partitionOfArn(arn: string): string {
  return Fn.element(Fn.split(":", arn), 1);
}

/** The region inside an ARN, as a Terraform expression. */
export function regionOfArn(arn: string): string {
  return Fn.element(Fn.split(":", arn), 3);
}
