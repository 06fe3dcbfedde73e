import { kubernetesSchemaProblems } from "../helpers/kubernetes-schema";
import { parsePolicy } from "../helpers/policy";
import { ExampleExpectations, planned, planOf, stackOf } from "./plan-queries";

const STACK = "eks";
const KUBERNETES_STACK = "eks-kubernetes";

export const expectations: ExampleExpectations = {
  checks: {
    "installs the aws-efs-csi-driver add-on on the existing cluster after the mount targets": (
      plans,
      synthesized,
    ) => {
      const [addon] = planned(planOf(plans, STACK), "aws_eks_addon");
      expect(addon?.after).toMatchObject({ cluster_name: "platform", addon_name: "aws-efs-csi-driver" });
      const config = Object.values<any>(stackOf(synthesized, STACK).resource.aws_eks_addon)[0];
      expect(config.depends_on.filter((d: string) => d.startsWith("aws_efs_mount_target."))).toHaveLength(2);
    },

    "gives the controller its role through Pod Identity, trusted only for its service account": (
      plans,
      synthesized,
    ) => {
      const [association] = planned(planOf(plans, STACK), "aws_eks_pod_identity_association");
      expect(association?.after).toMatchObject({
        cluster_name: "platform",
        namespace: "kube-system",
        service_account: "efs-csi-controller-sa",
      });
      const role = Object.values<any>(stackOf(synthesized, STACK).resource.aws_iam_role)[0];
      expect(parsePolicy(role.assume_role_policy).Statement[0].Condition.StringEquals).toEqual({
        "aws:RequestTag/eks-cluster-name": "platform",
        "aws:RequestTag/kubernetes-namespace": "kube-system",
        "aws:RequestTag/kubernetes-service-account": ["efs-csi-controller-sa"],
      });
    },

    "grants the node role mounts only through access points, and NFS from the cluster group": (
      plans,
      synthesized,
    ) => {
      const json = stackOf(synthesized, STACK);
      const policy = parsePolicy(Object.values<any>(json.resource.aws_efs_file_system_policy)[0].policy);
      const node = policy.Statement.filter(
        (s: any) => s.Principal?.AWS === "arn:aws:iam::111122223333:role/platform-node-group",
      );
      expect(node).toHaveLength(2);
      for (const statement of node) {
        expect(statement.Condition.StringEquals ?? statement.Condition.Null).toBeDefined();
      }
      const ingress = planned(planOf(plans, STACK), "aws_vpc_security_group_ingress_rule").map(
        (r) => r.after,
      );
      expect(ingress).toContainEqual(
        expect.objectContaining({ referenced_security_group_id: "sg-0c0c0c0c0c0c0c0c0", from_port: 2049 }),
      );
    },

    "the manifests output is YAML of the StorageClass, PV, claims and a 2-replica Deployment, valid for Kubernetes":
      (_plans, synthesized) => {
        const value: string = stackOf(synthesized, STACK).output["kubernetes-manifests"].value;
        expect(value).toMatch(/^\$\{yamlencode\(/);
        // The HCL object inside yamlencode, read as the manifests it encodes (references kept as text).
        const manifests = parsePolicy(value.replace(/^\$\{yamlencode\(/, "${jsonencode(")).items;
        expect(manifests.map((m: any) => m.kind)).toEqual([
          "StorageClass",
          "PersistentVolume",
          "PersistentVolumeClaim",
          "PersistentVolumeClaim",
          "Deployment",
        ]);
        expect(manifests[4].spec.replicas).toBe(2);
        expect(kubernetesSchemaProblems(manifests)).toEqual([]);
      },

    "the Kubernetes stack creates the same objects with the provider, reading the cluster by name": (
      plans,
      synthesized,
    ) => {
      expect(plans[KUBERNETES_STACK]).toBeUndefined();
      const json = stackOf(synthesized, KUBERNETES_STACK);
      expect(Object.values<any>(json.data.aws_eks_cluster)[0].name).toBe("platform");
      expect(Object.keys(json.resource).sort()).toEqual([
        "kubernetes_deployment_v1",
        "kubernetes_persistent_volume_claim_v1",
        "kubernetes_persistent_volume_v1",
        "kubernetes_storage_class_v1",
      ]);
      expect(Object.values<any>(json.resource.kubernetes_deployment_v1)[0].spec.replicas).toBe("2");
    },
  },
};
