/**
 * `cdktf-efs-shared-home/containers/kubernetes`: the EFS CSI driver's Kubernetes objects as
 * `@cdktf/provider-kubernetes` resources, for teams that manage Kubernetes from the same app.
 *
 * This entry point, and only this one, loads `@cdktf/provider-kubernetes` (an optional peer); the
 * package's main entry and `/containers` never do, so a team without Kubernetes needs none of it.
 */
import { Construct } from "constructs";
import { PersistentVolumeClaimV1 } from "@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1";
import { PersistentVolumeV1 } from "@cdktf/provider-kubernetes/lib/persistent-volume-v1";
import { StorageClassV1 } from "@cdktf/provider-kubernetes/lib/storage-class-v1";
import type {
  EfsPersistentVolumeClaimManifest,
  EfsPersistentVolumeManifest,
  EfsStorageClassManifest,
} from "../kubernetes-manifests";

/** The objects `EfsCsiDriver` built, to create as Kubernetes resources. */
export interface EfsKubernetesVolumesProps {
  /** @default - none */
  readonly storageClasses?: readonly EfsStorageClassManifest[];
  /** @default - none */
  readonly persistentVolumes?: readonly EfsPersistentVolumeManifest[];
  /** @default - none */
  readonly persistentVolumeClaims?: readonly EfsPersistentVolumeClaimManifest[];
}

/**
 * Creates the given StorageClasses, PersistentVolumes and claims with the Kubernetes provider, from
 * the same checked manifests `kubernetesManifestsOutput` writes: one source for both ways. Resource
 * ids are the objects' names (a claim's with its namespace), so they stay stable across synths.
 */
export class EfsKubernetesVolumes extends Construct {
  readonly storageClasses: Readonly<Record<string, StorageClassV1>>;
  readonly persistentVolumes: Readonly<Record<string, PersistentVolumeV1>>;
  readonly persistentVolumeClaims: Readonly<Record<string, PersistentVolumeClaimV1>>;

  constructor(scope: Construct, id: string, props: EfsKubernetesVolumesProps) {
    super(scope, id);
    const storageClasses: Record<string, StorageClassV1> = {};
    for (const manifest of props.storageClasses ?? []) {
      storageClasses[manifest.metadata.name] = new StorageClassV1(
        this,
        `storage-class-${manifest.metadata.name}`,
        {
          metadata: { name: manifest.metadata.name },
          storageProvisioner: manifest.provisioner,
          parameters: { ...manifest.parameters },
          mountOptions: [...manifest.mountOptions],
          reclaimPolicy: manifest.reclaimPolicy,
          volumeBindingMode: manifest.volumeBindingMode,
        },
      );
    }
    const persistentVolumes: Record<string, PersistentVolumeV1> = {};
    for (const manifest of props.persistentVolumes ?? []) {
      const { spec } = manifest;
      persistentVolumes[manifest.metadata.name] = new PersistentVolumeV1(
        this,
        `persistent-volume-${manifest.metadata.name}`,
        {
          metadata: { name: manifest.metadata.name },
          spec: [
            {
              capacity: { ...spec.capacity },
              volumeMode: spec.volumeMode,
              accessModes: [...spec.accessModes],
              persistentVolumeReclaimPolicy: spec.persistentVolumeReclaimPolicy,
              storageClassName: spec.storageClassName,
              mountOptions: [...spec.mountOptions],
              persistentVolumeSource: {
                csi: { driver: spec.csi.driver, volumeHandle: spec.csi.volumeHandle },
              },
            },
          ],
        },
      );
    }
    const claims: Record<string, PersistentVolumeClaimV1> = {};
    for (const manifest of props.persistentVolumeClaims ?? []) {
      const { name, namespace } = manifest.metadata;
      const { spec } = manifest;
      const volume = spec.volumeName === undefined ? undefined : persistentVolumes[spec.volumeName];
      const storageClass = storageClasses[spec.storageClassName];
      claims[`${namespace}/${name}`] = new PersistentVolumeClaimV1(this, `claim-${namespace}-${name}`, {
        metadata: { name, namespace },
        spec: {
          accessModes: [...spec.accessModes],
          storageClassName: spec.storageClassName,
          ...(spec.volumeName !== undefined && { volumeName: spec.volumeName }),
          resources: { requests: { ...spec.resources.requests } },
        },
        // A dynamic claim binds once the controller has made its access point, which a plan cannot
        // wait for; the pods that mount it wait instead.
        waitUntilBound: false,
        dependsOn: [volume, storageClass].filter(
          (r): r is PersistentVolumeV1 | StorageClassV1 => r !== undefined,
        ),
      });
    }
    this.storageClasses = storageClasses;
    this.persistentVolumes = persistentVolumes;
    this.persistentVolumeClaims = claims;
  }
}
