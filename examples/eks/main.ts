/**
 * EKS pods on the shared file system through the EFS CSI driver, on an existing cluster.
 *
 * - Stack `eks` (AWS): the file system in the cluster's VPC, the `aws-efs-csi-driver` add-on, the
 *   driver's role through EKS Pod Identity, the node role's mount grants and NFS from the cluster
 *   security group. The Kubernetes objects are an output, as YAML for `kubectl apply -f -`. It names
 *   the cluster and its VPC by name and id, so it plans without an AWS call.
 * - Stack `eks-kubernetes`: the same objects as Kubernetes provider resources, plus a Deployment of
 *   2 replicas writing to the dynamically provisioned claim. It reads the cluster by name (data
 *   sources) to reach its API. Deploy it after `eks`; or skip it and apply the `eks` output.
 */
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { DataAwsEksClusterAuth } from "@cdktf/provider-aws/lib/data-aws-eks-cluster-auth";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import {
  EfsCsiDriver,
  EfsPersistentVolumeClaimManifest,
  EfsPersistentVolumeManifest,
  EfsStorageClassManifest,
  KubernetesManifest,
  kubernetesManifestsOutput,
} from "cdktf-efs-shared-home/containers";
import { EfsKubernetesVolumes } from "cdktf-efs-shared-home/containers/kubernetes";
import { SharedFileSystem } from "cdktf-efs-shared-home/efs";

const NAME = "eks";
const REGION = "eu-west-1";
const CLUSTER_NAME = "platform";
const NAMESPACE = "default";

/** The Kubernetes objects both stacks share: built once, by the driver, with its checks. */
interface Volumes {
  readonly storageClass: EfsStorageClassManifest;
  readonly persistentVolume: EfsPersistentVolumeManifest;
  readonly dynamicClaim: EfsPersistentVolumeClaimManifest;
  readonly staticClaim: EfsPersistentVolumeClaimManifest;
}

/** Two replicas appending to one file on the shared volume: each line names the pod that wrote it. */
function writerDeployment(claimName: string): KubernetesManifest {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "efs-writer", namespace: NAMESPACE, labels: { app: "efs-writer" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "efs-writer" } },
      template: {
        metadata: { labels: { app: "efs-writer" } },
        spec: {
          containers: [
            {
              name: "writer",
              image: "public.ecr.aws/amazonlinux/amazonlinux:2023",
              command: ["/bin/sh", "-c"],
              args: ["while true; do echo $(date -u) $HOSTNAME >> /data/out.txt; sleep 5; done"],
              volumeMounts: [{ name: "shared", mountPath: "/data" }],
            },
          ],
          volumes: [{ name: "shared", persistentVolumeClaim: { claimName } }],
        },
      },
    },
  };
}

class EksAwsStack extends TerraformStack {
  readonly volumes: Volumes;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: REGION });

    // The cluster's VPC and private subnets (`aws eks describe-cluster --name platform`).
    const fileSystem = new SharedFileSystem(this, "shared-file-system", {
      name: NAME,
      vpcId: "vpc-0a1b2c3d4e5f60718",
      subnets: [
        { id: "subnet-0bbbbbbbbbbbbbbb1", availabilityZone: "eu-west-1a" },
        { id: "subnet-0bbbbbbbbbbbbbbb2", availabilityZone: "eu-west-1b" },
      ],
      preventDestroy: false,
      accessPoints: {
        reports: {
          path: "/reports",
          posixUser: { uid: 1001, gid: 1001 },
          creationInfo: { ownerUid: 1001, ownerGid: 1001, permissions: "0750" },
        },
      },
    });
    const reports = fileSystem.accessPoints["reports"];
    if (!reports) throw new Error("the reports access point is declared above");

    const driver = new EfsCsiDriver(this, "efs-csi-driver", {
      clusterName: CLUSTER_NAME,
      fileSystem,
      // `cluster.resourcesVpcConfig.clusterSecurityGroupId`: EKS puts it on every managed node.
      clusterSecurityGroupId: "sg-0c0c0c0c0c0c0c0c0",
      podIdentity: true,
      nodeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/platform-node-group" }],
      staticAccessPoints: [reports],
      roleNamePrefix: `${CLUSTER_NAME}-efs-csi-`,
    });

    const storageClass = driver.storageClass({
      name: "efs-dynamic",
      basePath: "/eks",
      gidRangeStart: 100000,
      gidRangeEnd: 200000,
    });
    const persistentVolume = driver.persistentVolume({ name: "efs-reports", accessPoint: reports });
    this.volumes = {
      storageClass,
      persistentVolume,
      dynamicClaim: driver.persistentVolumeClaim({ name: "efs-scratch", namespace: NAMESPACE, storageClass }),
      staticClaim: driver.persistentVolumeClaim({
        name: "efs-reports",
        namespace: NAMESPACE,
        persistentVolume,
      }),
    };
    kubernetesManifestsOutput(this, "kubernetes-manifests", [
      ...Object.values(this.volumes),
      writerDeployment(this.volumes.dynamicClaim.metadata.name),
    ]);
  }
}

class EksKubernetesStack extends TerraformStack {
  constructor(scope: Construct, id: string, volumes: Volumes) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: REGION });
    const cluster = new DataAwsEksCluster(this, "cluster", { name: CLUSTER_NAME });
    const auth = new DataAwsEksClusterAuth(this, "cluster-auth", { name: CLUSTER_NAME });
    new KubernetesProvider(this, "kubernetes", {
      host: cluster.endpoint,
      clusterCaCertificate: `\${base64decode(${cluster.certificateAuthority.get(0).data})}`,
      token: auth.token,
    });

    const created = new EfsKubernetesVolumes(this, "efs-volumes", {
      storageClasses: [volumes.storageClass],
      persistentVolumes: [volumes.persistentVolume],
      persistentVolumeClaims: [volumes.dynamicClaim, volumes.staticClaim],
    });
    const claim = created.persistentVolumeClaims[`${NAMESPACE}/${volumes.dynamicClaim.metadata.name}`];

    new DeploymentV1(this, "writer", {
      metadata: { name: "efs-writer", namespace: NAMESPACE, labels: { app: "efs-writer" } },
      spec: {
        replicas: "2",
        selector: { matchLabels: { app: "efs-writer" } },
        template: {
          metadata: { labels: { app: "efs-writer" } },
          spec: {
            container: [
              {
                name: "writer",
                image: "public.ecr.aws/amazonlinux/amazonlinux:2023",
                command: ["/bin/sh", "-c"],
                args: ["while true; do echo $(date -u) $HOSTNAME >> /data/out.txt; sleep 5; done"],
                volumeMount: [{ name: "shared", mountPath: "/data" }],
              },
            ],
            volume: [
              { name: "shared", persistentVolumeClaim: { claimName: volumes.dynamicClaim.metadata.name } },
            ],
          },
        },
      },
      // The pods wait for their claim's volume; the deployment times out if it never binds.
      ...(claim && { dependsOn: [claim] }),
    });
  }
}

const app = new App();
const aws = new EksAwsStack(app, NAME);
new EksKubernetesStack(app, `${NAME}-kubernetes`, aws.volumes);
app.synth();
