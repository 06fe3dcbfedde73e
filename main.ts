import { App } from "cdktf";
import { EfsStack, EfsStackProps } from "./stacks/efs-stack";
import { EfsWithBackupStack } from "./stacks/efs-with-backup-stack";

const settings: EfsStackProps = {
  region: "eu-west-1",
  network: { availabilityZones: ["eu-west-1a", "eu-west-1b"] },
};

const app = new App();
new EfsStack(app, "efs", settings);
new EfsWithBackupStack(app, "efs-with-backup", settings);
app.synth();
