/** How the clients run: fixed instances, as in the book, or an Auto Scaling group of that size. */
export const PLACEMENTS = ["instances", "fleet"] as const;
export type Placement = (typeof PLACEMENTS)[number];

/**
 * How the share is mounted. `efs-utils`: the EFS mount helper, with TLS and IAM authorization.
 * `nfs`: the kernel NFS client, with neither; see `EfsClientsProps.mountMethod`.
 */
export const MOUNT_METHODS = ["efs-utils", "nfs"] as const;
export type MountMethod = (typeof MOUNT_METHODS)[number];

/**
 * What the clients' role may do on the file system, through the efs module's grant helpers.
 * `read-as-root` reads every user's files, owners kept, and writes nothing: a backup host.
 */
export const CLIENT_ACCESS_LEVELS = ["root", "read-write", "read", "read-as-root"] as const;
export type ClientAccess = (typeof CLIENT_ACCESS_LEVELS)[number];

/** The root EBS volume of each client. It is always encrypted. */
export interface RootVolumeOptions {
  /**
   * The AMI's root device name; a wrong name adds a second volume instead of configuring the root.
   * @default "/dev/xvda" (Amazon Linux 2023)
   */
  readonly deviceName?: string;
  /**
   * Size in GiB; at least the AMI snapshot's size.
   * @default - the AMI snapshot's size (8 GiB for Amazon Linux 2023)
   */
  readonly sizeGib?: number;
  /**
   * ARN of a customer-managed KMS key for the volume.
   * @default - the account's default EBS key (`aws/ebs`)
   */
  readonly kmsKeyArn?: string;
}

/**
 * What `EfsClients` uses for a prop that is left out. Exported so that a caller describing the
 * effective settings (this repository's settings messages, for one) names the same values.
 */
export const CLIENT_DEFAULTS = {
  count: 2,
  placement: "instances",
  mountPath: "/home",
  mountMethod: "efs-utils",
} as const satisfies { count: number; placement: Placement; mountPath: string; mountMethod: MountMethod };
