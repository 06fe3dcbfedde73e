import type { EfsWithBackupStackProps } from "../stacks/efs-with-backup-stack";
import type { RemoteStateOptions } from "../stacks/backend";
import type { StateStackProps } from "../stacks/state-stack";
import type { Settings } from "./schema";

/** State keys are `<keyPrefix>/<stack>.tfstate`; this prefix applies when settings give none. */
export const DEFAULT_STATE_KEY_PREFIX = "efs";

/** Where the stacks keep their state: S3 when `state.bucket` is set, else undefined (local files). */
export function remoteStateOf(settings: Settings): RemoteStateOptions | undefined {
  const state = settings.state;
  if (!state?.bucket) return undefined;
  return {
    bucket: state.bucket,
    keyPrefix: state.keyPrefix ?? DEFAULT_STATE_KEY_PREFIX,
    region: state.region ?? settings.region,
    kmsKeyArn: state.kmsKeyArn,
    dynamodbTable: state.dynamodbTable,
  };
}

/** The props of the `efs` and `efs-with-backup` stacks (the `efs` stack ignores `backup`). */
export function toStackProps(settings: Settings): EfsWithBackupStackProps {
  const { fileSystem, monitoring, clients, backup } = settings;
  // `network.hostSubnets` is the stack's choice of subnets for its hosts, not a Network prop.
  const { existing, hostSubnets, ...network } = settings.network ?? {};
  return {
    region: settings.region,
    network: { ...network, availabilityZones: settings.availabilityZones },
    existingNetwork: existing && { ...existing, availabilityZones: settings.availabilityZones },
    hostSubnets,
    fileSystem,
    monitoring,
    clients,
    backup,
    tags: settings.tags,
    namePrefix: settings.namePrefix,
    permissionsBoundaryArn: settings.iam?.permissionsBoundaryArn,
    remoteState: remoteStateOf(settings),
  };
}

/** The props of the `state` bootstrap stack, which creates the state bucket. */
export function toStateStackProps(settings: Settings): StateStackProps {
  const state = settings.state ?? {};
  return {
    region: state.region ?? settings.region,
    bucketName: state.bucket,
    kmsKeyArn: state.kmsKeyArn,
    noncurrentVersionExpirationDays: state.noncurrentVersionExpirationDays,
    breakGlassRoleArn: state.breakGlassRoleArn,
    tags: settings.tags,
  };
}
