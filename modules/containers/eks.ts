import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import type { EfsAccessPoint } from "@cdktf/provider-aws/lib/efs-access-point";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { Grantee, IFileSystem } from "../efs/grants";
import {
  ACCESS_POINT_ARN_PATTERN,
  expressionOf,
  ROLE_ARN_PATTERN,
  SECURITY_GROUP_ID_PATTERN,
} from "../efs/grants";
import { ACCESS_POINT_PATH, validateAccessPointPath } from "../efs/validate";
import { accountIdOfArn, partitionOfArn, regionOfArn } from "../shared/arn";
import { jsonDocument } from "../shared/json";
import { isKnown, show, ValidationErrors } from "../shared/validation";
import {
  EFS_CSI_PROVISIONER,
  EfsPersistentVolumeClaimManifest,
  EfsPersistentVolumeManifest,
  EfsStorageClassManifest,
} from "./kubernetes-manifests";

export * from "./kubernetes-manifests";

/*
 * Sources for the design (kubernetes-sigs/aws-efs-csi-driver and the Amazon EKS User Guide):
 * - docs/iam-policy-example.json and the AWS managed policy AmazonEFSCSIDriverPolicy: what the
 *   controller calls (describe, CreateAccessPoint with the `efs.csi.aws.com/cluster` request tag,
 *   TagResource while creating, DeleteAccessPoint of tagged access points).
 * - docs/parameters.md: the StorageClass parameters, the gid range default 50000-7000000, the
 *   `iam` mount option ("use the CSI Node Pod's IAM identity"), TLS on by default.
 * - pkg/driver/controller.go: gidRangeStart must be > 0 and gidRangeEnd > gidRangeStart; the
 *   access point's uid and gid are both the allocated gid; its root is `basePath + "/" + <dir>`;
 *   the volume handle is `<fs id>::<access point id>`.
 * - EKS User Guide, "Amazon EFS CSI driver" add-on page (add-on name `aws-efs-csi-driver`, service
 *   account `efs-csi-controller-sa` in `kube-system`), "Create IAM role with trust policy required
 *   by EKS Pod Identity" (pods.eks.amazonaws.com, sts:AssumeRole + sts:TagSession) and the Pod
 *   Identity session tags (`kubernetes-namespace`, `kubernetes-service-account`, `eks-cluster-name`).
 * - docs/iam-policy-create.md: the IRSA trust (`sts:AssumeRoleWithWebIdentity`, `<issuer>:sub`).
 */

/** The EKS add-on's name (EKS User Guide, "Amazon EFS CSI driver"). */
export const EFS_CSI_ADDON_NAME = "aws-efs-csi-driver";
/** Where the add-on runs its controller and node pods. */
export const EFS_CSI_NAMESPACE = "kube-system";
/** The controller's service account: it calls the EFS API (create and delete access points). */
export const EFS_CSI_CONTROLLER_SERVICE_ACCOUNT = "efs-csi-controller-sa";
/** The node DaemonSet's service account: its pods run the mounts. */
export const EFS_CSI_NODE_SERVICE_ACCOUNT = "efs-csi-node-sa";
/** The tag the controller puts on every access point it creates, with the value "true". */
export const EFS_CSI_CLUSTER_TAG_KEY = "efs.csi.aws.com/cluster";
/** The gid range the driver allocates from when a StorageClass gives none (docs/parameters.md). */
export const EFS_CSI_DEFAULT_GID_RANGE = { start: 50000, end: 7000000 } as const;
/** EFS API reference, "PosixUser": user and group ids are 0 to 2^32 - 1. */
const POSIX_ID_MAX = 4294967295;
/** The service principal of EKS Pod Identity. */
const POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com";

/** How the add-on treats fields of the driver's Kubernetes objects that someone else changed. */
export enum AddonConflictResolution {
  /** Fail when a field differs (create and update). */
  NONE = "NONE",
  /** Set the field back to the add-on's value (create and update). */
  OVERWRITE = "OVERWRITE",
  /** Keep the changed field (update only). */
  PRESERVE = "PRESERVE",
}

/** IRSA: the controller's role trusts the cluster's OIDC provider instead of EKS Pod Identity. */
export interface EfsCsiIrsaOptions {
  /**
   * The cluster's IAM OIDC provider, `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>`.
   * The trust policy's `sub` and `aud` conditions use its issuer (the part after `oidc-provider/`).
   */
  readonly oidcProviderArn: string;
}

/** What the driver needs from the file system: a `SharedFileSystem`, or an imported one. */
export type EfsCsiFileSystem = Pick<
  IFileSystem,
  "fileSystemId" | "fileSystemArn" | "mountTargetResources" | "grantReadWrite" | "allowNfsFrom"
> & {
  /** The file system's own access points, whose POSIX users the gid ranges must avoid. */
  readonly accessPoints?: Readonly<Record<string, EfsAccessPoint>>;
};

export interface EfsCsiDriverProps {
  /** The EKS cluster's name. An existing cluster: give `DataAwsEksCluster.name` or the literal name. */
  readonly clusterName: string;
  /** The shared file system the pods mount. */
  readonly fileSystem: EfsCsiFileSystem;
  /**
   * The cluster security group (`vpc_config.cluster_security_group_id`), which EKS puts on every
   * managed node: it is allowed on NFS to the mount targets.
   */
  readonly clusterSecurityGroupId: string;
  /**
   * Gives the driver's role to its service accounts through EKS Pod Identity associations. Needs
   * the `eks-pod-identity-agent` add-on on the cluster. Exactly one of `podIdentity` and `irsa`.
   * @default false
   */
  readonly podIdentity?: boolean;
  /**
   * Gives the driver's role through IAM roles for service accounts (the add-on's
   * `service_account_role_arn`). Exactly one of `podIdentity` and `irsa`.
   * @default - none
   */
  readonly irsa?: EfsCsiIrsaOptions;
  /**
   * The nodes' instance roles: the node pods mount with the `iam` option, and without a role of
   * their own efs-utils signs the mount with the instance's credentials. Each is granted read-write
   * mounts through access points only (`anyAccessPoint` with dynamic provisioning, the given access
   * point for each static volume).
   * @default - none; then `nodeServiceAccount` must be on
   */
  readonly nodeRoles?: readonly Grantee[];
  /**
   * Also gives the driver's role to the node service account (`efs-csi-node-sa`), as the EKS user
   * guide's setup does, and grants that role the mounts.
   * @default false
   */
  readonly nodeServiceAccount?: boolean;
  /**
   * Access points that static PersistentVolumes may use (`persistentVolume`): each is granted to
   * the mount identities, scoped to that access point. A PV on any other access point is refused.
   * @default - none
   */
  readonly staticAccessPoints?: readonly (EfsAccessPoint | string)[];
  /**
   * POSIX user and group ids in use on the file system besides its access points' (e.g. the
   * clients' users): no StorageClass gid range may include them, because the driver gives each
   * dynamic volume a uid and gid from that range.
   * @default - none
   */
  readonly reservedPosixIds?: readonly number[];
  /**
   * The add-on version, e.g. "v2.1.4-eksbuild.1" (`aws eks describe-addon-versions --addon-name aws-efs-csi-driver`).
   * @default - the default version for the cluster's Kubernetes version
   */
  readonly addonVersion?: string;
  /**
   * Conflict resolution when the add-on is created: NONE or OVERWRITE.
   * @default AddonConflictResolution.NONE
   */
  readonly resolveConflictsOnCreate?: AddonConflictResolution;
  /**
   * Conflict resolution when the add-on is updated: NONE, OVERWRITE or PRESERVE.
   * @default AddonConflictResolution.PRESERVE
   */
  readonly resolveConflictsOnUpdate?: AddonConflictResolution;
  /**
   * The role's name prefix (IAM adds a unique suffix).
   * @default "efs-csi-"
   */
  readonly roleNamePrefix?: string;
  /**
   * A permissions boundary for the driver's role.
   * @default - none
   */
  readonly permissionsBoundaryArn?: string;
  /**
   * Tags on the role, the associations and the add-on.
   * @default - none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A dynamic-provisioning StorageClass: the driver creates one access point per volume. */
export interface EfsStorageClassOptions {
  /** The StorageClass's name. */
  readonly name: string;
  /**
   * The file system the class provisions on; only this driver's file system is accepted.
   * @default - the driver's file system
   */
  readonly fileSystemId?: string;
  /**
   * The directory under which the driver creates each volume's directory. Our access-point path
   * rules apply, with one directory and 41 characters left for the volume's own directory.
   * @default - the file-system root
   */
  readonly basePath?: string;
  /**
   * Mode of each volume's root directory, in octal.
   * @default "700"
   */
  readonly directoryPerms?: string;
  /**
   * The first id the driver may give a volume (as its uid and gid). Give both ends or neither.
   * @default 50000 (the driver's default)
   */
  readonly gidRangeStart?: number;
  /**
   * The last id of the range; must be greater than `gidRangeStart`.
   * @default 7000000 (the driver's default)
   */
  readonly gidRangeEnd?: number;
  /**
   * Appends a unique id to each volume's directory, so two volumes never share one.
   * @default true
   */
  readonly ensureUniqueDirectory?: boolean;
  /**
   * The volume directory's pattern under `basePath` (`${.PVC.namespace}`, `${.PVC.name}`, `${.PV.name}`).
   * @default - the driver's, `${.PV.name}`
   */
  readonly subPathPattern?: string;
  /**
   * What happens to the access point when its claim is deleted.
   *
   * DEVIATION: unlike Kubernetes' default (`Delete`), volumes are retained: a deleted claim must not
   * take the access point (and, with `delete-access-point-root-dir`, the data) with it.
   * @default "Retain"
   */
  readonly reclaimPolicy?: "Retain" | "Delete";
}

/** A static PersistentVolume on one of the file system's access points. */
export interface EfsPersistentVolumeOptions {
  /** The PersistentVolume's name. */
  readonly name: string;
  /** The access point: one of the driver's `staticAccessPoints` (the construct, or its ARN). */
  readonly accessPoint: EfsAccessPoint | string;
  /**
   * The file system of the volume handle; only this driver's file system is accepted.
   * @default - the driver's file system
   */
  readonly fileSystemId?: string;
  /**
   * The capacity Kubernetes matches claims against (EFS itself has no size limit).
   * @default "5Gi"
   */
  readonly capacity?: string;
  /**
   * The StorageClass name claims must ask for; "" binds only claims that name no class.
   * @default ""
   */
  readonly storageClassName?: string;
}

/** A PersistentVolumeClaim: on a StorageClass (dynamic) or bound to a static PersistentVolume. */
export interface EfsPersistentVolumeClaimOptions {
  readonly name: string;
  /** @default "default" */
  readonly namespace?: string;
  /** The dynamic StorageClass to provision from; exactly one of `storageClass` and `persistentVolume`. */
  readonly storageClass?: EfsStorageClassManifest;
  /** The static PersistentVolume to bind to; exactly one of `storageClass` and `persistentVolume`. */
  readonly persistentVolume?: EfsPersistentVolumeManifest;
  /** @default "5Gi" */
  readonly storage?: string;
}

const OIDC_PROVIDER_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/([A-Za-z0-9.\-_/]+)$/;
const CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;
const KUBERNETES_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A namespace is a DNS label: at most 63 characters, no dots. */
const KUBERNETES_NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const KUBERNETES_QUANTITY_PATTERN = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const ROLE_NAME_PREFIX_MAX = 38;
const CONFLICT_RESOLUTIONS = Object.values(AddonConflictResolution) as string[];
/**
 * The driver adds at least one directory (the volume's) under `basePath`: a PV name is
 * "pvc-" and a UUID, 40 characters, plus its "/".
 */
const VOLUME_DIRECTORY_RESERVE = 41;

/**
 * The AWS side of the EFS CSI driver on an existing EKS cluster: the `aws-efs-csi-driver` add-on,
 * the controller's role (through EKS Pod Identity or IRSA) with only what dynamic provisioning on
 * this file system needs, mount grants for the nodes, and NFS from the cluster security group.
 *
 * The Kubernetes objects come from `storageClass`, `persistentVolume` and `persistentVolumeClaim`,
 * checked against this driver's file system and grants; emit them as plain manifests
 * (`kubernetesManifestsOutput`) or as `@cdktf/provider-kubernetes` resources
 * (`cdktf-efs-shared-home/containers/kubernetes`).
 */
export class EfsCsiDriver extends Construct {
  /** The controller's role (and, with `nodeServiceAccount`, the node pods'). */
  readonly role: IamRole;
  readonly addon: EksAddon;
  /** The Pod Identity associations; empty with IRSA. */
  readonly podIdentityAssociations: readonly EksPodIdentityAssociation[];
  readonly fileSystemId: string;

  private readonly fileSystem: EfsCsiFileSystem;
  private readonly mountIdentities: readonly Grantee[];
  private readonly staticAccessPoints: readonly (EfsAccessPoint | string)[];
  private readonly reservedIds: readonly { id: number; owner: string }[];
  private dynamicGrantsDone = false;

  constructor(scope: Construct, id: string, props: EfsCsiDriverProps) {
    super(scope, id);
    this.validate(props);
    this.fileSystem = props.fileSystem;
    this.fileSystemId = props.fileSystem.fileSystemId;
    this.staticAccessPoints = props.staticAccessPoints ?? [];
    this.reservedIds = reservedIdsOf(props);

    const serviceAccounts = [
      EFS_CSI_CONTROLLER_SERVICE_ACCOUNT,
      ...(props.nodeServiceAccount ? [EFS_CSI_NODE_SERVICE_ACCOUNT] : []),
    ];
    this.role = new IamRole(this, "role", {
      namePrefix: props.roleNamePrefix ?? "efs-csi-",
      description: `EFS CSI driver of EKS cluster ${props.clusterName}`.slice(0, 1000),
      assumeRolePolicy: jsonDocument(trustPolicy(props, serviceAccounts)),
      permissionsBoundary: props.permissionsBoundaryArn,
      tags: props.tags && { ...props.tags },
    });
    const driverPolicy = new IamRolePolicy(this, "driver-policy", {
      role: this.role.id,
      name: `efs-csi-driver-${props.fileSystem.fileSystemId}`,
      policy: jsonDocument(driverPolicyDocument(props.fileSystem.fileSystemArn)),
    });

    this.podIdentityAssociations = props.podIdentity
      ? serviceAccounts.map(
          (serviceAccount) =>
            new EksPodIdentityAssociation(this, `pod-identity-${serviceAccount}`, {
              clusterName: props.clusterName,
              namespace: EFS_CSI_NAMESPACE,
              serviceAccount,
              roleArn: this.role.arn,
              tags: props.tags && { ...props.tags },
            }),
        )
      : [];

    this.mountIdentities = [...(props.nodeRoles ?? []), ...(props.nodeServiceAccount ? [this.role] : [])];
    for (const accessPoint of this.staticAccessPoints) {
      for (const grantee of this.mountIdentities) props.fileSystem.grantReadWrite(grantee, { accessPoint });
    }
    props.fileSystem.allowNfsFrom(props.clusterSecurityGroupId);

    this.addon = new EksAddon(this, "addon", {
      clusterName: props.clusterName,
      addonName: EFS_CSI_ADDON_NAME,
      addonVersion: props.addonVersion,
      resolveConflictsOnCreate: props.resolveConflictsOnCreate ?? AddonConflictResolution.NONE,
      resolveConflictsOnUpdate: props.resolveConflictsOnUpdate ?? AddonConflictResolution.PRESERVE,
      serviceAccountRoleArn: props.irsa ? this.role.arn : undefined,
      tags: props.tags && { ...props.tags },
      // The controller provisions and the nodes mount as soon as the add-on runs: the mount targets,
      // the role's permissions and its associations must exist by then.
      dependsOn: [...props.fileSystem.mountTargetResources, driverPolicy, ...this.podIdentityAssociations],
    });
  }

  /**
   * A dynamic-provisioning StorageClass on this driver's file system (`provisioningMode: efs-ap`),
   * mounting with TLS and IAM as the file-system policy requires. The mount identities are granted
   * read-write through any access point (the driver's are created at run time), never the root.
   */
  storageClass(options: EfsStorageClassOptions): EfsStorageClassManifest {
    const errors = new ValidationErrors(`${this.node.path}.storageClass(${show(options.name)})`);
    errors.checkFormat("name", options.name, KUBERNETES_NAME_PATTERN, "is not a Kubernetes object name");
    this.checkSameFileSystem(errors, "fileSystemId", options.fileSystemId);
    const basePath = options.basePath;
    if (basePath !== undefined && isKnown(basePath)) {
      validateAccessPointPath(errors, "basePath", basePath);
      const { maxLength, maxDepth } = ACCESS_POINT_PATH;
      const depth = basePath.split("/").length - 1;
      errors.check(
        depth < maxDepth,
        "basePath",
        `${show(basePath)} is ${depth} directories deep; the driver adds the volume's directory below it and EFS allows ${maxDepth} in all, so use at most ${maxDepth - 1}`,
      );
      errors.check(
        basePath.length <= maxLength - VOLUME_DIRECTORY_RESERVE,
        "basePath",
        `${show(basePath)} has ${basePath.length} characters; the volume's directory needs ${VOLUME_DIRECTORY_RESERVE} of the ${maxLength} EFS allows, so use at most ${maxLength - VOLUME_DIRECTORY_RESERVE}`,
      );
    }
    const pattern = options.subPathPattern;
    if (pattern !== undefined && isKnown(pattern)) {
      // The driver joins the pattern under basePath: ".." would put volumes outside it.
      errors.check(
        !pattern.split("/").some((part) => part === ".." || part === "."),
        "subPathPattern",
        `${show(pattern)} has a "." or ".." directory, which would place volumes outside basePath`,
      );
    }
    const directoryPerms = options.directoryPerms ?? "700";
    errors.checkFormat(
      "directoryPerms",
      directoryPerms,
      /^[0-7]{3,4}$/,
      'is not an octal mode such as "700"',
    );
    this.checkGidRange(errors, options.gidRangeStart, options.gidRangeEnd);
    errors.throwIfAny();

    if (!this.dynamicGrantsDone) {
      this.dynamicGrantsDone = true;
      for (const grantee of this.mountIdentities) {
        this.fileSystem.grantReadWrite(grantee, { anyAccessPoint: true });
      }
    }
    const parameters: Record<string, string> = {
      provisioningMode: "efs-ap",
      fileSystemId: this.fileSystemId,
      directoryPerms,
      ensureUniqueDirectory: String(options.ensureUniqueDirectory ?? true),
      ...(options.gidRangeStart !== undefined && { gidRangeStart: String(options.gidRangeStart) }),
      ...(options.gidRangeEnd !== undefined && { gidRangeEnd: String(options.gidRangeEnd) }),
      ...(basePath !== undefined && { basePath }),
      ...(options.subPathPattern !== undefined && { subPathPattern: options.subPathPattern }),
    };
    return {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: options.name },
      provisioner: EFS_CSI_PROVISIONER,
      parameters,
      mountOptions: ["tls", "iam"],
      reclaimPolicy: options.reclaimPolicy ?? "Retain",
      volumeBindingMode: "Immediate",
    };
  }

  /**
   * A static PersistentVolume on one of `staticAccessPoints` (`volumeHandle: fs-…::fsap-…`),
   * `ReadWriteMany`, mounted with TLS and IAM, and retained when its claim goes.
   */
  persistentVolume(options: EfsPersistentVolumeOptions): EfsPersistentVolumeManifest {
    const errors = new ValidationErrors(`${this.node.path}.persistentVolume(${show(options.name)})`);
    errors.checkFormat("name", options.name, KUBERNETES_NAME_PATTERN, "is not a Kubernetes object name");
    this.checkSameFileSystem(errors, "fileSystemId", options.fileSystemId);
    const accessPoint = options.accessPoint;
    if (typeof accessPoint === "string") {
      errors.checkFormat(
        "accessPoint",
        accessPoint,
        ACCESS_POINT_ARN_PATTERN,
        'is not an access point ARN such as "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0"',
      );
    } else {
      this.checkSameFileSystem(errors, "accessPoint", accessPoint.fileSystemIdInput, accessPoint.node.path);
    }
    if (!this.staticAccessPoints.includes(accessPoint)) {
      const shown = typeof accessPoint === "string" ? show(accessPoint) : accessPoint.node.path;
      errors.add(
        "accessPoint",
        `${shown} is not one of the driver's staticAccessPoints, so no mount identity was granted it; add it there`,
      );
    }
    const capacity = options.capacity ?? "5Gi";
    errors.checkFormat("capacity", capacity, KUBERNETES_QUANTITY_PATTERN, 'is not a quantity such as "5Gi"');
    errors.throwIfAny();

    const accessPointId =
      typeof accessPoint === "string"
        ? isKnown(accessPoint)
          ? (ACCESS_POINT_ARN_PATTERN.exec(accessPoint)?.[1] ?? accessPoint)
          : Fn.element(Fn.split("/", accessPoint), 1)
        : accessPoint.id;
    return {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: options.name },
      spec: {
        capacity: { storage: capacity },
        volumeMode: "Filesystem",
        accessModes: ["ReadWriteMany"],
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: options.storageClassName ?? "",
        mountOptions: ["tls", "iam"],
        csi: { driver: EFS_CSI_PROVISIONER, volumeHandle: `${this.fileSystemId}::${accessPointId}` },
      },
    };
  }

  /** A `ReadWriteMany` claim on a StorageClass or a static PersistentVolume of this driver. */
  persistentVolumeClaim(options: EfsPersistentVolumeClaimOptions): EfsPersistentVolumeClaimManifest {
    const errors = new ValidationErrors(`${this.node.path}.persistentVolumeClaim(${show(options.name)})`);
    errors.checkFormat("name", options.name, KUBERNETES_NAME_PATTERN, "is not a Kubernetes object name");
    errors.checkFormat(
      "namespace",
      options.namespace,
      KUBERNETES_NAMESPACE_PATTERN,
      "is not a namespace name (a DNS label: at most 63 lower-case letters, digits and '-')",
    );
    const storage = options.storage ?? "5Gi";
    errors.checkFormat("storage", storage, KUBERNETES_QUANTITY_PATTERN, 'is not a quantity such as "5Gi"');
    errors.check(
      (options.storageClass === undefined) !== (options.persistentVolume === undefined),
      "storageClass",
      "give exactly one of storageClass (dynamic) and persistentVolume (static)",
    );
    errors.throwIfAny();
    const pv = options.persistentVolume;
    return {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: options.name, namespace: options.namespace ?? "default" },
      spec: {
        accessModes: ["ReadWriteMany"],
        storageClassName: pv ? pv.spec.storageClassName : options.storageClass!.metadata.name,
        ...(pv && { volumeName: pv.metadata.name }),
        resources: { requests: { storage } },
      },
    };
  }

  private validate(props: EfsCsiDriverProps): void {
    const errors = new ValidationErrors(this.node.path);
    errors.checkFormat(
      "clusterName",
      props.clusterName,
      CLUSTER_NAME_PATTERN,
      "is not an EKS cluster name (1 to 100 letters, digits, '-' and '_', starting with a letter or digit)",
    );
    errors.checkFormat(
      "clusterSecurityGroupId",
      props.clusterSecurityGroupId,
      SECURITY_GROUP_ID_PATTERN,
      'is not a security-group id such as "sg-0123456789abcdef0"',
    );
    const podIdentity = props.podIdentity === true;
    if (podIdentity && props.irsa) {
      errors.add("podIdentity", "is on together with irsa; the driver's role comes through one of them only");
    } else if (!podIdentity && !props.irsa) {
      errors.add(
        "podIdentity",
        "is off and irsa is not set; give the driver's role through EKS Pod Identity (podIdentity: true) or IRSA (irsa)",
      );
    }
    if (props.irsa) {
      errors.checkFormat(
        "irsa.oidcProviderArn",
        props.irsa.oidcProviderArn,
        OIDC_PROVIDER_ARN_PATTERN,
        'is not an IAM OIDC provider ARN such as "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"',
      );
    }
    if ((props.nodeRoles ?? []).length === 0 && !props.nodeServiceAccount) {
      errors.add(
        "nodeRoles",
        "is empty and nodeServiceAccount is off: nothing would be granted the mounts, which the file-system policy then denies",
      );
    }
    for (const [i, grantee] of (props.nodeRoles ?? []).entries()) {
      if (!("node" in grantee)) {
        errors.checkFormat(
          `nodeRoles[${i}].roleArn`,
          grantee.roleArn,
          ROLE_ARN_PATTERN,
          "is not an IAM role ARN",
        );
      }
    }
    for (const [i, accessPoint] of (props.staticAccessPoints ?? []).entries()) {
      if (typeof accessPoint === "string") {
        errors.checkFormat(
          `staticAccessPoints[${i}]`,
          accessPoint,
          ACCESS_POINT_ARN_PATTERN,
          "is not an access point ARN",
        );
      } else {
        this.checkSameFileSystem(
          errors,
          `staticAccessPoints[${i}]`,
          accessPoint.fileSystemIdInput,
          accessPoint.node.path,
          props.fileSystem.fileSystemId,
        );
      }
    }
    for (const [field, value, allowed] of [
      ["resolveConflictsOnCreate", props.resolveConflictsOnCreate, ["NONE", "OVERWRITE"]],
      ["resolveConflictsOnUpdate", props.resolveConflictsOnUpdate, CONFLICT_RESOLUTIONS],
    ] as const) {
      if (value !== undefined) {
        errors.check(
          (allowed as readonly string[]).includes(value),
          field,
          `${show(value)} is not allowed; use one of ${show(allowed)}`,
        );
      }
    }
    const prefix = props.roleNamePrefix;
    if (prefix !== undefined && isKnown(prefix)) {
      errors.check(
        /^[\w+=,.@-]+$/.test(prefix) && prefix.length <= ROLE_NAME_PREFIX_MAX,
        "roleNamePrefix",
        `${show(prefix)} is not 1 to ${ROLE_NAME_PREFIX_MAX} characters of letters, digits and + = , . @ _ -`,
      );
    }
    errors.checkFormat(
      "permissionsBoundaryArn",
      props.permissionsBoundaryArn,
      /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/,
      'is not a managed policy ARN such as "arn:aws:iam::111122223333:policy/boundary"',
    );
    for (const [i, id] of (props.reservedPosixIds ?? []).entries()) {
      if (isKnown(id)) {
        errors.check(
          Number.isInteger(id) && id >= 0 && id <= POSIX_ID_MAX,
          `reservedPosixIds[${i}]`,
          `${show(id)} is not a POSIX id from 0 to ${POSIX_ID_MAX}`,
        );
      }
    }
    errors.throwIfAny();
  }

  /** Refuses a file-system id that is not this driver's, when both sides are known at synth. */
  private checkSameFileSystem(
    errors: ValidationErrors,
    field: string,
    given: string | undefined,
    display?: string,
    own: string = this.fileSystemId,
  ): void {
    if (given === undefined) return;
    const [a, b] = [expressionOf(this, given), expressionOf(this, own)];
    // A literal id against a file system created in this app (or the reverse) cannot be shown to
    // be the same at synth: refused, since leaving the id out gives the driver's own.
    if (Token.isUnresolved(given) !== Token.isUnresolved(own)) {
      errors.add(
        field,
        `${display ?? show(given)} cannot be checked against this driver's file system ${show(b)} at synth; leave it out to use the driver's`,
      );
      return;
    }
    errors.check(
      a === b,
      field,
      `${display ?? show(given)} is on file system ${show(a)}, not this driver's ${show(b)}; a volume on another file system would have neither the grants nor the NFS rule`,
    );
  }

  private checkGidRange(errors: ValidationErrors, start: number | undefined, end: number | undefined): void {
    if ((start === undefined) !== (end === undefined)) {
      errors.add("gidRangeStart", "and gidRangeEnd go together (the driver refuses one without the other)");
      return;
    }
    const range = {
      start: start ?? EFS_CSI_DEFAULT_GID_RANGE.start,
      end: end ?? EFS_CSI_DEFAULT_GID_RANGE.end,
    };
    if (!isKnown(range.start) || !isKnown(range.end)) return;
    const valid =
      Number.isInteger(range.start) &&
      Number.isInteger(range.end) &&
      range.start >= 1 &&
      range.end > range.start &&
      range.end <= POSIX_ID_MAX;
    if (!valid) {
      errors.add(
        "gidRangeStart",
        `${show(range.start)} to ${show(range.end)} is not a gid range: the driver needs a start above 0 and an end above the start, and EFS ids go up to ${POSIX_ID_MAX}`,
      );
      return;
    }
    const inside = this.reservedIds.filter(({ id }) => id >= range.start && id <= range.end);
    if (inside.length > 0) {
      errors.add(
        "gidRangeStart",
        `${range.start} to ${range.end} includes ${inside.map(({ id, owner }) => `${id} (${owner})`).join(", ")}; the driver gives each volume a uid and gid from the range, so its pods would own those users' files. Choose a range without them`,
      );
    }
  }
}

/** The ids a StorageClass's gid range must avoid: the access points' POSIX users and `reservedPosixIds`. */
function reservedIdsOf(props: EfsCsiDriverProps): { id: number; owner: string }[] {
  const ids: { id: number; owner: string }[] = [];
  for (const [name, accessPoint] of Object.entries(props.fileSystem.accessPoints ?? {})) {
    const user = accessPoint.posixUserInput;
    if (!user) continue;
    const owner = `access point ${name}`;
    ids.push({ id: user.uid, owner: `${owner} uid` }, { id: user.gid, owner: `${owner} gid` });
    for (const gid of user.secondaryGids ?? []) ids.push({ id: gid, owner: `${owner} secondary gid` });
  }
  for (const id of props.reservedPosixIds ?? []) ids.push({ id, owner: "reservedPosixIds" });
  return ids.filter(({ id }) => typeof id === "number" && isKnown(id));
}

function trustPolicy(props: EfsCsiDriverProps, serviceAccounts: readonly string[]): object {
  if (props.irsa) {
    const arn = props.irsa.oidcProviderArn;
    const issuer = isKnown(arn)
      ? (OIDC_PROVIDER_ARN_PATTERN.exec(arn)?.[1] ?? arn)
      : Fn.element(Fn.split("oidc-provider/", arn), 1);
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EfsCsiServiceAccounts",
          Effect: "Allow",
          Principal: { Federated: arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${issuer}:sub`]: serviceAccounts.map(
                (sa) => `system:serviceaccount:${EFS_CSI_NAMESPACE}:${sa}`,
              ),
              [`${issuer}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ],
    };
  }
  // Pod Identity tags the session with the pod's cluster, namespace and service account; without
  // these conditions any association in the account could hand this role to any pod.
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EfsCsiServiceAccounts",
        Effect: "Allow",
        Principal: { Service: POD_IDENTITY_PRINCIPAL },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": props.clusterName,
            "aws:RequestTag/kubernetes-namespace": EFS_CSI_NAMESPACE,
            "aws:RequestTag/kubernetes-service-account": [...serviceAccounts],
          },
        },
      },
    ],
  };
}

/**
 * AmazonEFSCSIDriverPolicy, narrowed to one file system where IAM can name it. Access points'
 * ARNs do not hold their file system's id, so the access-point statements are limited to this
 * account and Region and, for delete, to the driver's tag.
 */
function driverPolicyDocument(fileSystemArn: string): object {
  const accessPoints = `arn:${partitionOfArn(fileSystemArn)}:elasticfilesystem:${regionOfArn(fileSystemArn)}:${accountIdOfArn(fileSystemArn)}:access-point/*`;
  const requestTag = `aws:RequestTag/${EFS_CSI_CLUSTER_TAG_KEY}`;
  const onlyTheClusterTag = {
    Null: { [requestTag]: "false" },
    "ForAllValues:StringEquals": { "aws:TagKeys": [EFS_CSI_CLUSTER_TAG_KEY] },
  };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DescribeTheFileSystem",
        Effect: "Allow",
        Action: ["elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets"],
        Resource: fileSystemArn,
      },
      {
        Sid: "DescribeAccessPoints",
        Effect: "Allow",
        Action: "elasticfilesystem:DescribeAccessPoints",
        Resource: [fileSystemArn, accessPoints],
      },
      {
        // No resource-level permissions: IAM takes only "*" for this action.
        Sid: "DescribeAvailabilityZones",
        Effect: "Allow",
        Action: "ec2:DescribeAvailabilityZones",
        Resource: "*",
      },
      {
        Sid: "CreateTaggedAccessPoints",
        Effect: "Allow",
        Action: "elasticfilesystem:CreateAccessPoint",
        Resource: fileSystemArn,
        Condition: onlyTheClusterTag,
      },
      {
        Sid: "TagAccessPointsWhileCreating",
        Effect: "Allow",
        Action: "elasticfilesystem:TagResource",
        Resource: accessPoints,
        Condition: {
          ...onlyTheClusterTag,
          StringEquals: { "elasticfilesystem:CreateAction": "CreateAccessPoint" },
        },
      },
      {
        Sid: "DeleteTaggedAccessPoints",
        Effect: "Allow",
        Action: "elasticfilesystem:DeleteAccessPoint",
        Resource: accessPoints,
        Condition: { Null: { [`aws:ResourceTag/${EFS_CSI_CLUSTER_TAG_KEY}`]: "false" } },
      },
    ],
  };
}
