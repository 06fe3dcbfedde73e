import { Fn } from "cdktf";
import type { EcsTaskDefinitionVolume } from "@cdktf/provider-aws/lib/ecs-task-definition";
import type { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import { isKnown, show, ValidationErrors } from "../shared/validation";

/** What an ECS volume needs from the file system: a `SharedFileSystem` or an imported one has it. */
export interface EcsVolumeFileSystem {
  readonly fileSystemId: string;
  /**
   * Whether the file-system policy lets clients without IAM authorization mount. `SharedFileSystem`
   * sets it from its `allowAnonymousAccess`.
   * @default false - as the efs module's policy, which denies anonymous access
   */
  readonly allowAnonymousAccess?: boolean;
}

export interface EcsEfsVolumeProps {
  /** The volume's name, which container `mountPoints` refer to (`sourceVolume`). */
  readonly name: string;
  /** The file system. */
  readonly fileSystem: EcsVolumeFileSystem;
  /**
   * The access point the task mounts through: the construct, its id (`fsap-...`) or its ARN. Grant the
   * task role with the same access point (`grantReadWrite(taskRole, { accessPoint })`).
   * @default - no access point: the task mounts `rootDirectory` of the file system
   */
  readonly accessPoint?: EfsAccessPoint | string;
  /**
   * The directory of the file system mounted as the volume's root. With an access point it must be
   * omitted or "/": the access point's own path applies (an ECS rule).
   * @default - "/" (the access point's path, or the file-system root)
   */
  readonly rootDirectory?: string;
  /**
   * Encryption in transit. The efs module's file-system policy denies every request without TLS, so
   * "DISABLED" is refused here rather than left to fail at task start.
   * @default "ENABLED"
   */
  readonly transitEncryption?: "ENABLED" | "DISABLED";
  /**
   * The port for TLS traffic between the ECS host and EFS.
   * @default - the port the EFS mount helper picks
   */
  readonly transitEncryptionPort?: number;
  /**
   * Mount with the task role (IAM authorization). "DISABLED" mounts anonymously, which the efs
   * module's policy allows only with `allowAnonymousAccess`; it is refused otherwise.
   * @default "ENABLED"
   */
  readonly iam?: "ENABLED" | "DISABLED";
}

const VOLUME_NAME_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
const ACCESS_POINT_ID_OR_ARN =
  /^(arn:aws[a-z-]*:elasticfilesystem:[a-z0-9-]+:\d{12}:access-point\/)?(fsap-[0-9a-f]{8,40})$/;

/**
 * An ECS task-definition volume on EFS, for `EcsTaskDefinition`'s `volume` list: TLS in transit, the
 * task role as the NFS identity, and the access point. Settings that the efs module's file-system
 * policy would deny at mount time are refused at synth.
 *
 * Fargate mounts EFS from platform version 1.4.0 on (use "1.4.0" or "LATEST"); the task's security
 * group must be allowed with `fileSystem.allowNfsFrom(...)` and have NFS egress to the mount
 * targets, and the service should `dependsOn` the file system's `mountTargetResources`.
 */
export function ecsEfsVolume(props: EcsEfsVolumeProps): EcsTaskDefinitionVolume {
  const errors = new ValidationErrors(`ecsEfsVolume(${show(props.name)})`);
  const transitEncryption = props.transitEncryption ?? "ENABLED";
  const iam = props.iam ?? "ENABLED";
  errors.checkFormat("name", props.name, VOLUME_NAME_PATTERN, "is not 1 to 255 letters, digits, '-' or '_'");
  errors.check(
    transitEncryption === "ENABLED",
    "transitEncryption",
    `${show(transitEncryption)} is refused: the file-system policy denies every request without TLS; use "ENABLED"`,
  );
  errors.check(
    iam === "ENABLED" || (iam === "DISABLED" && props.fileSystem.allowAnonymousAccess === true),
    "iam",
    iam === "DISABLED"
      ? `"DISABLED" is refused: the file-system policy allows no anonymous access; use "ENABLED" and grant the task role`
      : `${show(iam)} is not allowed; use "ENABLED" or "DISABLED"`,
  );
  const port = props.transitEncryptionPort;
  if (port !== undefined && isKnown(port)) {
    errors.check(
      Number.isInteger(port) && port >= 1 && port <= 65535,
      "transitEncryptionPort",
      `${show(port)} is not a port number from 1 to 65535`,
    );
  }
  const rootDirectory = props.rootDirectory;
  if (rootDirectory !== undefined && isKnown(rootDirectory)) {
    if (props.accessPoint !== undefined) {
      errors.check(
        rootDirectory === "/",
        "rootDirectory",
        `${show(rootDirectory)} is refused with an access point: ECS requires "/" or no rootDirectory, and the access point's path applies`,
      );
    } else {
      errors.check(
        rootDirectory.startsWith("/"),
        "rootDirectory",
        `${show(rootDirectory)} is not an absolute path`,
      );
    }
  }
  let accessPointId: string | undefined;
  if (typeof props.accessPoint === "string") {
    errors.checkFormat(
      "accessPoint",
      props.accessPoint,
      ACCESS_POINT_ID_OR_ARN,
      'is not an access point id ("fsap-0123456789abcdef0") or ARN',
    );
    accessPointId = isKnown(props.accessPoint)
      ? ACCESS_POINT_ID_OR_ARN.exec(props.accessPoint)?.[2]
      : // The last "/"-separated part is the id, for an id and an ARN alike.
        Fn.element(Fn.reverse(Fn.split("/", props.accessPoint)), 0);
  } else {
    accessPointId = props.accessPoint?.id;
  }
  errors.throwIfAny();

  return {
    name: props.name,
    efsVolumeConfiguration: {
      fileSystemId: props.fileSystem.fileSystemId,
      ...(rootDirectory !== undefined && { rootDirectory }),
      transitEncryption,
      ...(port !== undefined && { transitEncryptionPort: port }),
      authorizationConfig: { iam, ...(accessPointId !== undefined && { accessPointId }) },
    },
  };
}
