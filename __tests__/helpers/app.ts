import type { App } from "cdktf";
import { EfsStack, EfsStackProps } from "../../stacks/efs-stack";
import { EfsWithBackupStack } from "../../stacks/efs-with-backup-stack";

/** A well-formed VPC id and one subnet per AZ, for module tests that take an existing network by id. */
export const TEST_VPC_ID = "vpc-0123456789abcdef0";
export const TEST_SUBNETS = [
  { id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: "eu-west-1a" },
  { id: "subnet-0bbbbbbbbbbbbbbbb", availabilityZone: "eu-west-1b" },
];

/** The settings the reference app uses when no settings file says otherwise. */
export const TEST_STACK_PROPS: EfsStackProps = {
  region: "eu-west-1",
  network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
};

/** Adds both of the project's stacks to `app`, as `main.ts` does. */
export function addProjectStacks(app: App, props: EfsStackProps = TEST_STACK_PROPS): void {
  new EfsStack(app, "efs", props);
  new EfsWithBackupStack(app, "efs-with-backup", props);
}
