import { Construct } from "constructs";
import { EfsStack, EfsStackProps } from "./efs-stack";

export type EfsWithBackupStackProps = EfsStackProps;

/**
 * The `efs` stack plus backups. Until the backup module lands it has the same composition.
 */
export class EfsWithBackupStack extends EfsStack {
  constructor(scope: Construct, name: string, props: EfsWithBackupStackProps) {
    super(scope, name, props);
  }
}
