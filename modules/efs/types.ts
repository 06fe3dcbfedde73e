/** EFS performance modes. Fixed at creation: changing it replaces the file system. */
export enum PerformanceMode {
  GENERAL_PURPOSE = "generalPurpose",
  /** Higher aggregate IOPS at higher latency; not available with elastic throughput or One Zone. */
  MAX_IO = "maxIO",
}

/** EFS throughput modes. Can be changed in place (with AWS's time restrictions). */
export enum ThroughputMode {
  ELASTIC = "elastic",
  PROVISIONED = "provisioned",
  BURSTING = "bursting",
}

/** When a file that has not been accessed moves to a colder storage class. */
export enum LifecycleTransition {
  AFTER_1_DAY = "AFTER_1_DAY",
  AFTER_7_DAYS = "AFTER_7_DAYS",
  AFTER_14_DAYS = "AFTER_14_DAYS",
  AFTER_30_DAYS = "AFTER_30_DAYS",
  AFTER_60_DAYS = "AFTER_60_DAYS",
  AFTER_90_DAYS = "AFTER_90_DAYS",
  AFTER_180_DAYS = "AFTER_180_DAYS",
  AFTER_270_DAYS = "AFTER_270_DAYS",
  AFTER_365_DAYS = "AFTER_365_DAYS",
}

/** Days since last access, for ordering transitions. */
export const LIFECYCLE_TRANSITION_DAYS: Readonly<Record<LifecycleTransition, number>> = {
  AFTER_1_DAY: 1,
  AFTER_7_DAYS: 7,
  AFTER_14_DAYS: 14,
  AFTER_30_DAYS: 30,
  AFTER_60_DAYS: 60,
  AFTER_90_DAYS: 90,
  AFTER_180_DAYS: 180,
  AFTER_270_DAYS: 270,
  AFTER_365_DAYS: 365,
};

/** Provisioned throughput limits of the EFS API (CreateFileSystem); the upper limit varies by Region. */
export const PROVISIONED_THROUGHPUT_MIBPS = { min: 1, max: 3414 } as const;

export interface LifecycleOptions {
  /**
   * Move files to Infrequent Access after this long without access.
   * @default - never
   */
  readonly transitionToIa?: LifecycleTransition;
  /**
   * Move files to Archive after this long without access. Needs elastic throughput and the
   * generalPurpose performance mode, and must come later than `transitionToIa`.
   * @default - never
   */
  readonly transitionToArchive?: LifecycleTransition;
  /**
   * Move a file back to Standard on its first access.
   * @default false
   */
  readonly transitionToPrimaryStorageClassOnAccess?: boolean;
}

/** The POSIX identity an access point forces on every request. */
export interface PosixUser {
  readonly uid: number;
  readonly gid: number;
  /**
   * @default - none
   */
  readonly secondaryGids?: readonly number[];
}

/** Owner and mode EFS gives an access point's root directory if it does not exist yet. */
export interface CreationInfo {
  readonly ownerUid: number;
  readonly ownerGid: number;
  /** Octal mode such as "0750". */
  readonly permissions: string;
}

export interface AccessPointOptions {
  /** The directory clients see as `/`. Must be absolute and not `/` itself. */
  readonly path: string;
  /**
   * @default - clients keep their own identity
   */
  readonly posixUser?: PosixUser;
  /**
   * @default - EFS does not create the directory; it must exist
   */
  readonly creationInfo?: CreationInfo;
}

export interface ReplicationOptions {
  /** Destination Region, e.g. "eu-central-1". */
  readonly region: string;
  /**
   * Makes the replica One Zone in this AZ.
   * @default - a regional replica
   */
  readonly availabilityZone?: string;
  /**
   * KMS key for the replica.
   * @default - the AWS-managed EFS key of the destination Region
   */
  readonly kmsKeyArn?: string;
  /**
   * Replicate into this existing file system; its replication-overwrite protection must be off.
   * @default - EFS creates a new replica
   */
  readonly destinationFileSystemId?: string;
}
