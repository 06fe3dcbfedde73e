import type { Construct } from "constructs";
import { Fn, TerraformOutput, Tokenization } from "cdktf";

/** The CSI driver name that StorageClasses provision with and PersistentVolumes name. */
export const EFS_CSI_PROVISIONER = "efs.csi.aws.com";

/** Any Kubernetes object, as a manifest: what `kubectl apply` takes. */
export interface KubernetesManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** A StorageClass of the EFS CSI driver (`storage.k8s.io/v1`), from `EfsCsiDriver.storageClass`. */
export interface EfsStorageClassManifest extends KubernetesManifest {
  readonly apiVersion: "storage.k8s.io/v1";
  readonly kind: "StorageClass";
  readonly provisioner: typeof EFS_CSI_PROVISIONER;
  readonly parameters: Readonly<Record<string, string>>;
  readonly mountOptions: readonly string[];
  readonly reclaimPolicy: "Retain" | "Delete";
  readonly volumeBindingMode: "Immediate";
}

/** A static PersistentVolume on an access point, from `EfsCsiDriver.persistentVolume`. */
export interface EfsPersistentVolumeManifest extends KubernetesManifest {
  readonly apiVersion: "v1";
  readonly kind: "PersistentVolume";
  readonly spec: {
    readonly capacity: { readonly storage: string };
    readonly volumeMode: "Filesystem";
    readonly accessModes: readonly ["ReadWriteMany"];
    readonly persistentVolumeReclaimPolicy: "Retain";
    readonly storageClassName: string;
    readonly mountOptions: readonly string[];
    readonly csi: { readonly driver: typeof EFS_CSI_PROVISIONER; readonly volumeHandle: string };
  };
}

/** A claim on a StorageClass or a static PersistentVolume, from `EfsCsiDriver.persistentVolumeClaim`. */
export interface EfsPersistentVolumeClaimManifest extends KubernetesManifest {
  readonly apiVersion: "v1";
  readonly kind: "PersistentVolumeClaim";
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly spec: {
    readonly accessModes: readonly ["ReadWriteMany"];
    readonly storageClassName: string;
    readonly volumeName?: string;
    readonly resources: { readonly requests: { readonly storage: string } };
  };
}

/**
 * A Terraform output holding `manifests` as one YAML document (a `v1` `List`), for teams that apply
 * with kubectl or GitOps: `terraform output -raw <name> | kubectl apply -f -`. Terraform's
 * `yamlencode` writes it, so file-system and access-point ids resolve at apply.
 */
export function kubernetesManifestsOutput(
  scope: Construct,
  id: string,
  manifests: readonly KubernetesManifest[],
): TerraformOutput {
  const problems = literalProblems(manifests, "manifests");
  if (problems.length > 0) {
    throw new Error(
      `kubernetesManifestsOutput(${id}): cdktf writes these strings into a Terraform expression unescaped, which would break it or interpolate:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return new TerraformOutput(scope, id, {
    description: "Kubernetes manifests of the EFS volumes, as YAML for kubectl apply -f -",
    value: Fn.yamlencode({ apiVersion: "v1", kind: "List", items: manifests }),
  });
}

/**
 * Strings whose literal parts hold `"`, `\\`, `${` or `%{`: cdktf writes the output's value as one
 * `yamlencode({...})` expression without escaping them (hashicorp/terraform-cdk#3911), so Terraform
 * would refuse the configuration or read a template. Write such a command with single quotes.
 */
function literalProblems(value: unknown, path: string): string[] {
  if (typeof value === "string") {
    const literals = Tokenization.reverseString(value).literals.join("");
    return /["\\]|\$\{|%\{/.test(literals) ? [`${path}: ${JSON.stringify(value)}`] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => literalProblems(item, `${path}[${i}]`));
  if (value !== null && typeof value === "object" && !Tokenization.isResolvable(value)) {
    return Object.entries(value).flatMap(([key, item]) => literalProblems(item, `${path}.${key}`));
  }
  return [];
}
