import { TerraformStack, Testing } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import {
  AddonConflictResolution,
  EFS_CSI_CLUSTER_TAG_KEY,
  EfsCsiDriver,
  EfsCsiDriverProps,
  kubernetesManifestsOutput,
} from "../../modules/containers";
import { EfsKubernetesVolumes } from "../../modules/containers/kubernetes";
import * as clients from "../../modules/clients";
import * as containers from "../../modules/containers";
import { SharedFileSystem } from "../../modules/efs";
import { PropsValidationError } from "../../modules/shared/validation";
import { intentMismatches } from "../helpers/iam-simulator";
import { kubernetesSchemaProblems } from "../helpers/kubernetes-schema";
import { parsePolicy } from "../helpers/policy";
import { configsOf, onlyResource, synth, testStack } from "../helpers/synth";

// The EFS CSI driver on EKS (issue #21): the AWS side, the typed Kubernetes objects, the refusals.

const SG = "sg-0123456789abcdef0";
const FS_ARN = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0123456789abcdef0";
const OIDC = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123";

function setup(overrides: Partial<EfsCsiDriverProps> = {}, stack: TerraformStack = testStack()) {
  const fs = new SharedFileSystem(stack, "shared", {
    vpcId: "vpc-0123456789abcdef0",
    subnets: [
      { id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: "eu-west-1a" },
      { id: "subnet-0bbbbbbbbbbbbbbbb", availabilityZone: "eu-west-1b" },
    ],
    accessPoints: {
      app: {
        path: "/app",
        posixUser: { uid: 1001, gid: 1001, secondaryGids: [60000] },
        creationInfo: { ownerUid: 1001, ownerGid: 1001, permissions: "0750" },
      },
      other: { path: "/other" },
    },
  });
  const nodeRole = new IamRole(stack, "node-role", { assumeRolePolicy: "{}" });
  const make = (props: Partial<EfsCsiDriverProps> = {}, id = "efs-csi") =>
    new EfsCsiDriver(stack, id, {
      clusterName: "prod",
      fileSystem: fs,
      clusterSecurityGroupId: SG,
      podIdentity: true,
      nodeRoles: [nodeRole],
      staticAccessPoints: [fs.accessPoints.app!],
      ...overrides,
      ...props,
    });
  return { stack, fs, nodeRole, make };
}

/** The problems a call throws, one per line; fails when it does not throw a validation error. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof PropsValidationError) return [...error.problems];
    throw error;
  }
  throw new Error("expected a PropsValidationError");
}

type Statement = { Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: any };

describe("module layout", () => {
  test("the clients entry point still exports the ECS and Lambda helpers, as the same functions", () => {
    expect(clients.ecsEfsVolume).toBe(containers.ecsEfsVolume);
    expect(clients.lambdaFileSystemConfig).toBe(containers.lambdaFileSystemConfig);
    expect(clients.LAMBDA_LOCAL_MOUNT_PATH_PATTERN).toBe(containers.LAMBDA_LOCAL_MOUNT_PATH_PATTERN);
  });
});

describe("EfsCsiDriver, AWS side", () => {
  test("installs the add-on on the named cluster after the mount targets, with the conflict settings", () => {
    // GIVEN / WHEN
    const { stack, make } = setup();
    make({
      addonVersion: "v2.1.4-eksbuild.1",
      resolveConflictsOnCreate: AddonConflictResolution.OVERWRITE,
      resolveConflictsOnUpdate: AddonConflictResolution.PRESERVE,
    });
    const json = synth(stack);
    // THEN
    const addon = onlyResource(json, "aws_eks_addon");
    expect(addon).toMatchObject({
      cluster_name: "prod",
      addon_name: "aws-efs-csi-driver",
      addon_version: "v2.1.4-eksbuild.1",
      resolve_conflicts_on_create: "OVERWRITE",
      resolve_conflicts_on_update: "PRESERVE",
    });
    expect(addon.service_account_role_arn).toBeUndefined();
    const dependsOn: string[] = addon.depends_on;
    expect(dependsOn.filter((d) => d.startsWith("aws_efs_mount_target."))).toHaveLength(2);
    expect(dependsOn.some((d) => d.startsWith("aws_eks_pod_identity_association."))).toBe(true);
    expect(dependsOn.some((d) => d.startsWith("aws_iam_role_policy.efs-csi_driver-policy"))).toBe(true);
  });

  test("Pod Identity: an association for kube-system/efs-csi-controller-sa and a trust scoped to it", () => {
    // GIVEN / WHEN
    const { stack, make } = setup();
    make({
      permissionsBoundaryArn: "arn:aws:iam::111122223333:policy/boundary",
      roleNamePrefix: "prod-efs-csi-",
    });
    const json = synth(stack);
    // THEN
    const association = onlyResource(json, "aws_eks_pod_identity_association");
    expect(association).toMatchObject({
      cluster_name: "prod",
      namespace: "kube-system",
      service_account: "efs-csi-controller-sa",
    });
    const role = configsOf(json, "aws_iam_role").find((r) => r.name_prefix === "prod-efs-csi-");
    expect(role?.permissions_boundary).toBe("arn:aws:iam::111122223333:policy/boundary");
    const trust = parsePolicy(role?.assume_role_policy);
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-name": "prod",
            "aws:RequestTag/kubernetes-namespace": "kube-system",
            "aws:RequestTag/kubernetes-service-account": ["efs-csi-controller-sa"],
          },
        },
      }),
    ]);
  });

  test("IRSA: the add-on carries the role, whose trust names the OIDC provider with sub and aud", () => {
    // GIVEN / WHEN
    const { stack, make } = setup({
      podIdentity: false,
      irsa: { oidcProviderArn: OIDC },
      nodeServiceAccount: true,
    });
    make();
    const json = synth(stack);
    // THEN
    expect(configsOf(json, "aws_eks_pod_identity_association")).toEqual([]);
    const addon = onlyResource(json, "aws_eks_addon");
    expect(addon.service_account_role_arn).toMatch(/^\$\{aws_iam_role\.efs-csi_role_\w+\.arn\}$/);
    const role = configsOf(json, "aws_iam_role").find((r) => r.name_prefix === "efs-csi-");
    const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0123";
    expect(parsePolicy(role?.assume_role_policy).Statement[0]).toMatchObject({
      Principal: { Federated: OIDC },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${issuer}:sub`]: [
            "system:serviceaccount:kube-system:efs-csi-controller-sa",
            "system:serviceaccount:kube-system:efs-csi-node-sa",
          ],
          [`${issuer}:aud`]: "sts.amazonaws.com",
        },
      },
    });
  });

  test("the driver policy creates and deletes only tagged access points, on this file system (IAM simulator)", async () => {
    // GIVEN
    const stack = testStack();
    const fs = SharedFileSystem.fromAttributes(stack, "imported", {
      fileSystemArn: FS_ARN,
      mountTargetSecurityGroupId: "sg-0aaaaaaaaaaaaaaaa",
    });
    const nodeRole = new IamRole(stack, "node-role", { assumeRolePolicy: "{}" });
    // WHEN
    new EfsCsiDriver(stack, "efs-csi", {
      clusterName: "prod",
      fileSystem: fs,
      clusterSecurityGroupId: SG,
      podIdentity: true,
      nodeRoles: [nodeRole],
    });
    const json = synth(stack);
    const policy = configsOf(json, "aws_iam_role_policy").find((p) => p.name.startsWith("efs-csi-driver-"));
    const statements: Statement[] = parsePolicy(policy?.policy).Statement;
    // THEN: decisions, with the ARNs resolved as Terraform will resolve them
    const resolved = JSON.parse(
      JSON.stringify(statements).replace(
        /arn:\$\{[^}]*\}:elasticfilesystem:\$\{[^}]*\}:\$\{[^}]*\}:/g,
        "arn:aws:elasticfilesystem:eu-west-1:111122223333:",
      ),
    );
    const principal = "arn:aws:iam::111122223333:role/efs-csi-driver";
    const tag = {
      [`aws:RequestTag/${EFS_CSI_CLUSTER_TAG_KEY}`]: "true",
      "aws:TagKeys": [EFS_CSI_CLUSTER_TAG_KEY],
    };
    const carried = { [`aws:ResourceTag/${EFS_CSI_CLUSTER_TAG_KEY}`]: "true" };
    const otherFs = FS_ARN.replace("fs-0123456789abcdef0", "fs-0fffffffffffffff0");
    const ap = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0";
    const row = (
      why: string,
      action: string,
      resource: string,
      context: Record<string, string | string[]>,
      expected: "Allowed" | "ImplicitlyDenied",
    ) => ({ why, principal, action: `elasticfilesystem:${action}`, resource, context, expected });
    const mismatches = await intentMismatches(
      { identityPolicies: [{ Version: "2012-10-17", Statement: resolved }] },
      [
        row("creates tagged access points", "CreateAccessPoint", FS_ARN, tag, "Allowed"),
        row("not untagged ones", "CreateAccessPoint", FS_ARN, {}, "ImplicitlyDenied"),
        row(
          "not with other tag keys",
          "CreateAccessPoint",
          FS_ARN,
          { ...tag, "aws:TagKeys": [EFS_CSI_CLUSTER_TAG_KEY, "owner"] },
          "ImplicitlyDenied",
        ),
        row("not on another file system", "CreateAccessPoint", otherFs, tag, "ImplicitlyDenied"),
        row(
          "tags while creating",
          "TagResource",
          ap,
          { ...tag, "elasticfilesystem:CreateAction": "CreateAccessPoint" },
          "Allowed",
        ),
        row("does not retag existing access points", "TagResource", ap, tag, "ImplicitlyDenied"),
        row("deletes tagged access points", "DeleteAccessPoint", ap, carried, "Allowed"),
        row("not untagged ones", "DeleteAccessPoint", ap, {}, "ImplicitlyDenied"),
        row("describes this file system's mount targets", "DescribeMountTargets", FS_ARN, {}, "Allowed"),
        row("not another file system", "DescribeFileSystems", otherFs, {}, "ImplicitlyDenied"),
        row("cannot delete the file system", "DeleteFileSystem", FS_ARN, carried, "ImplicitlyDenied"),
        row("cannot mount as root", "ClientRootAccess", FS_ARN, {}, "ImplicitlyDenied"),
        row("cannot change the file-system policy", "PutFileSystemPolicy", FS_ARN, {}, "ImplicitlyDenied"),
      ],
    );
    expect(mismatches).toEqual([]);
  });

  test("grants the node role read-write through its static access point, and NFS from the cluster group", () => {
    // GIVEN / WHEN
    const { stack, make } = setup();
    make();
    const json = synth(stack);
    // THEN
    const fsPolicy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy);
    const nodeStatements = fsPolicy.Statement.filter((s: any) => /node-role/.test(s.Principal?.AWS ?? ""));
    expect(nodeStatements).toEqual([
      expect.objectContaining({
        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        Condition: expect.objectContaining({
          StringEquals: {
            "elasticfilesystem:AccessPointArn": expect.stringMatching(
              /aws_efs_access_point\.shared_access-point-app_\w+\.arn/,
            ),
          },
        }),
      }),
    ]);
    const ingress = configsOf(json, "aws_vpc_security_group_ingress_rule").filter(
      (r) => r.referenced_security_group_id === SG,
    );
    expect(ingress).toEqual([
      expect.objectContaining({ from_port: 2049, to_port: 2049, ip_protocol: "tcp" }),
    ]);
  });

  test("a StorageClass grants the mount identities every access point but never the root", async () => {
    // GIVEN
    const { stack, make } = setup({ staticAccessPoints: [] });
    const driver = make();
    // WHEN
    driver.storageClass({
      name: "efs-dynamic",
      basePath: "/dynamic",
      gidRangeStart: 2000,
      gidRangeEnd: 3000,
    });
    driver.storageClass({
      name: "efs-dynamic-2",
      basePath: "/dynamic2",
      gidRangeStart: 3001,
      gidRangeEnd: 4000,
    });
    const json = synth(stack);
    // THEN: one grant however many classes
    const fsPolicy = parsePolicy(onlyResource(json, "aws_efs_file_system_policy").policy);
    const nodeStatements = fsPolicy.Statement.filter((s: any) => /node-role/.test(s.Principal?.AWS ?? ""));
    expect(nodeStatements).toEqual([
      expect.objectContaining({
        Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
        Condition: {
          Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
          Null: { "elasticfilesystem:AccessPointArn": "false" },
        },
      }),
    ]);
    // Decided with the whole file-system policy, as EFS evaluates a mount.
    const nodeArn = "arn:aws:iam::111122223333:role/node";
    const resourcePolicy = JSON.parse(
      JSON.stringify(fsPolicy)
        .replace(/\$\{aws_efs_file_system\.[^}]*\.arn\}/g, FS_ARN)
        .replace(/\$\{aws_iam_role\.node-role[^}]*\.arn\}/g, nodeArn),
    );
    const ap = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0";
    const mount = { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" };
    const mismatches = await intentMismatches({ resourcePolicy }, [
      {
        why: "the node writes through an access point the driver made",
        principal: nodeArn,
        action: "elasticfilesystem:ClientWrite",
        resource: FS_ARN,
        context: { ...mount, "elasticfilesystem:AccessPointArn": ap },
        expected: "Allowed",
      },
      {
        why: "but not on the file-system root",
        principal: nodeArn,
        action: "elasticfilesystem:ClientWrite",
        resource: FS_ARN,
        context: mount,
        expected: "ImplicitlyDenied",
      },
      {
        why: "nor as root",
        principal: nodeArn,
        action: "elasticfilesystem:ClientRootAccess",
        resource: FS_ARN,
        context: { ...mount, "elasticfilesystem:AccessPointArn": ap },
        expected: "ImplicitlyDenied",
      },
    ]);
    expect(mismatches).toEqual([]);
  });
});

describe("Kubernetes objects", () => {
  function objects() {
    const { stack, make, fs } = setup();
    const driver = make();
    const storageClass = driver.storageClass({
      name: "efs-dynamic",
      basePath: "/eks",
      gidRangeStart: 100000,
      gidRangeEnd: 200000,
      directoryPerms: "750",
    });
    const persistentVolume = driver.persistentVolume({ name: "app-data", accessPoint: fs.accessPoints.app! });
    const dynamicClaim = driver.persistentVolumeClaim({ name: "scratch", namespace: "web", storageClass });
    const staticClaim = driver.persistentVolumeClaim({
      name: "app-data",
      namespace: "web",
      persistentVolume,
    });
    return { stack, driver, storageClass, persistentVolume, dynamicClaim, staticClaim };
  }

  test("the manifests pass the Kubernetes schema (kubernetes-models)", () => {
    // GIVEN
    const { storageClass, persistentVolume, dynamicClaim, staticClaim } = objects();
    // WHEN
    const problems = kubernetesSchemaProblems([storageClass, persistentVolume, dynamicClaim, staticClaim]);
    // THEN: and the validator does catch a broken object, so the check above can fail
    expect(problems).toEqual([]);
    const broken = { ...persistentVolume, spec: { ...persistentVolume.spec, accessModes: "ReadWriteMany" } };
    expect(kubernetesSchemaProblems([broken])).toEqual([expect.stringMatching(/accessModes must be array/)]);
  });

  test("the StorageClass provisions access points on this file system with TLS and IAM mounts", () => {
    const { storageClass } = objects();
    expect(storageClass).toMatchObject({
      provisioner: "efs.csi.aws.com",
      parameters: {
        provisioningMode: "efs-ap",
        directoryPerms: "750",
        basePath: "/eks",
        gidRangeStart: "100000",
        gidRangeEnd: "200000",
        ensureUniqueDirectory: "true",
      },
      mountOptions: ["tls", "iam"],
      reclaimPolicy: "Retain",
    });
  });

  test("the static PV's handle is fs::fsap, and its claim binds to it by name", () => {
    const { stack, persistentVolume, staticClaim } = objects();
    kubernetesManifestsOutput(stack, "manifests", [persistentVolume]);
    const json = synth(stack);
    expect(persistentVolume.spec.csi.volumeHandle).toMatch(/::/);
    expect(JSON.stringify(json.output.manifests.value)).toMatch(
      /\$\{aws_efs_file_system\.shared_file-system_\w+\.id\}::\$\{aws_efs_access_point\.shared_access-point-app_\w+\.id\}/,
    );
    expect(json.output.manifests.value).toMatch(/^\$\{yamlencode\(/);
    expect(staticClaim.spec).toMatchObject({ volumeName: "app-data", storageClassName: "" });
  });

  test("as Kubernetes provider resources: the same objects, synthesized", () => {
    // GIVEN
    const { storageClass, persistentVolume, dynamicClaim, staticClaim } = objects();
    const kubeStack = new TerraformStack(Testing.app(), "kube");
    new KubernetesProvider(kubeStack, "kubernetes", {});
    // WHEN
    new EfsKubernetesVolumes(kubeStack, "volumes", {
      storageClasses: [storageClass],
      persistentVolumes: [persistentVolume],
      persistentVolumeClaims: [dynamicClaim, staticClaim],
    });
    const json = JSON.parse(Testing.synth(kubeStack));
    // THEN
    expect(onlyResource(json, "kubernetes_storage_class_v1")).toMatchObject({
      storage_provisioner: "efs.csi.aws.com",
      mount_options: ["tls", "iam"],
      parameters: expect.objectContaining({ provisioningMode: "efs-ap", basePath: "/eks" }),
    });
    const pv = onlyResource(json, "kubernetes_persistent_volume_v1");
    expect(pv.spec[0].persistent_volume_source.csi.driver).toBe("efs.csi.aws.com");
    expect(pv.spec[0].access_modes).toEqual(["ReadWriteMany"]);
    expect(configsOf(json, "kubernetes_persistent_volume_claim_v1")).toHaveLength(2);
  });
});

describe("refusals at synth", () => {
  test("Pod Identity and IRSA both on", () => {
    const { make } = setup({ irsa: { oidcProviderArn: OIDC } });
    expect(problemsOf(() => make())).toEqual([
      expect.stringMatching(/^podIdentity: is on together with irsa/),
    ]);
  });

  test("neither Pod Identity nor IRSA", () => {
    const { make } = setup({ podIdentity: false });
    expect(problemsOf(() => make())).toEqual([
      expect.stringMatching(/^podIdentity: is off and irsa is not set/),
    ]);
  });

  test("a StorageClass on another file system", () => {
    const { make } = setup();
    const driver = make();
    expect(
      problemsOf(() =>
        driver.storageClass({
          name: "sc",
          fileSystemId: "fs-0fffffffffffffff0",
          gidRangeStart: 2000,
          gidRangeEnd: 3000,
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^fileSystemId: "fs-0fffffffffffffff0" cannot be checked against this driver's file system/,
      ),
    ]);
  });

  test("a PV on an access point of another file system", () => {
    const { stack, make } = setup();
    const otherFs = new SharedFileSystem(stack, "other-fs", {
      name: "other",
      vpcId: "vpc-0123456789abcdef0",
      subnets: [
        { id: "subnet-0aaaaaaaaaaaaaaaa", availabilityZone: "eu-west-1a" },
        { id: "subnet-0bbbbbbbbbbbbbbbb", availabilityZone: "eu-west-1b" },
      ],
      accessPoints: { foreign: { path: "/foreign" } },
    });
    const driver = make();
    const problems = problemsOf(() =>
      driver.persistentVolume({ name: "pv", accessPoint: otherFs.accessPoints.foreign! }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^accessPoint: test\/other-fs\/access-point-foreign is on file system/),
      expect.stringMatching(/^accessPoint: .* is not one of the driver's staticAccessPoints/),
    ]);
    // the same in the driver's own list, before any grant is written
    expect(problemsOf(() => make({ staticAccessPoints: [otherFs.accessPoints.foreign!] }, "second"))).toEqual(
      [
        expect.stringMatching(
          /^staticAccessPoints\[0\]: test\/other-fs\/access-point-foreign is on file system/,
        ),
      ],
    );
  });

  test("a PV whose fileSystemId is another file system", () => {
    const { make, fs } = setup();
    const driver = make();
    expect(
      problemsOf(() =>
        driver.persistentVolume({
          name: "pv",
          accessPoint: fs.accessPoints.app!,
          fileSystemId: "fs-0fffffffffffffff0",
        }),
      ),
    ).toEqual([expect.stringMatching(/^fileSystemId: "fs-0fffffffffffffff0" cannot be checked/)]);
  });

  test("a PV on an access point the mount identities were not granted", () => {
    const { make, fs } = setup();
    const driver = make();
    expect(
      problemsOf(() => driver.persistentVolume({ name: "pv", accessPoint: fs.accessPoints.other! })),
    ).toEqual([
      expect.stringMatching(
        /^accessPoint: test\/shared\/access-point-other is not one of the driver's staticAccessPoints/,
      ),
    ]);
  });

  test.each([
    ["/", /must be an absolute directory/],
    ["relative", /must be an absolute directory/],
    ["/a/../b", /must be an absolute directory/],
    ["/a/b/c/d", /4 directories deep; the driver adds the volume's directory/],
    ["/.hidden", /starting with "\."/],
    ["/a$b", /contains "\$"/],
    [`/${"x".repeat(60)}`, /the volume's directory needs 41/],
  ])("a basePath %j that breaks the access-point path rules", (basePath, message) => {
    const { make } = setup();
    const driver = make();
    const problems = problemsOf(() =>
      driver.storageClass({ name: "sc", basePath, gidRangeStart: 2000, gidRangeEnd: 3000 }),
    );
    expect(problems.every((p) => p.startsWith("basePath: "))).toBe(true);
    expect(problems.join("\n")).toMatch(message);
  });

  test("a gid range over a configured POSIX user (the driver's default range included)", () => {
    const { make } = setup({ reservedPosixIds: [150000] });
    const driver = make();
    // the app access point's secondary gid 60000 is inside the default 50000-7000000
    expect(problemsOf(() => driver.storageClass({ name: "sc" }))).toEqual([
      expect.stringMatching(
        /^gidRangeStart: 50000 to 7000000 includes 60000 \(access point app secondary gid\)/,
      ),
    ]);
    expect(
      problemsOf(() => driver.storageClass({ name: "sc", gidRangeStart: 1000, gidRangeEnd: 2000 })),
    ).toEqual([
      expect.stringMatching(/includes 1001 \(access point app uid\), 1001 \(access point app gid\)/),
    ]);
    expect(
      problemsOf(() => driver.storageClass({ name: "sc", gidRangeStart: 100000, gidRangeEnd: 200000 })),
    ).toEqual([expect.stringMatching(/includes 150000 \(reservedPosixIds\)/)]);
    expect(() => driver.storageClass({ name: "sc", gidRangeStart: 2000, gidRangeEnd: 3000 })).not.toThrow();
  });

  test.each([
    [0, 1000],
    [5000, 5000],
    [5000, 4000],
    [1.5, 4000],
    [1000, 4294967296],
  ])("a gid range %d to %d out of the driver's range", (gidRangeStart, gidRangeEnd) => {
    const { make } = setup();
    const driver = make();
    expect(problemsOf(() => driver.storageClass({ name: "sc", gidRangeStart, gidRangeEnd }))).toEqual([
      expect.stringMatching(/^gidRangeStart: .* is not a gid range: the driver needs a start above 0/),
    ]);
  });

  test("one end of a gid range without the other", () => {
    const { make } = setup();
    const driver = make();
    expect(problemsOf(() => driver.storageClass({ name: "sc", gidRangeStart: 2000 }))).toEqual([
      expect.stringMatching(/go together/),
    ]);
  });

  test("no mount identity, and malformed literals, all in one error", () => {
    const { make } = setup({
      nodeRoles: [],
      clusterName: "-bad",
      clusterSecurityGroupId: "sg-1",
      roleNamePrefix: "x".repeat(39),
      permissionsBoundaryArn: "boundary",
      resolveConflictsOnCreate: AddonConflictResolution.PRESERVE,
    });
    const problems = problemsOf(() => make());
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "clusterName",
      "clusterSecurityGroupId",
      "nodeRoles",
      "permissionsBoundaryArn",
      "resolveConflictsOnCreate",
      "roleNamePrefix",
    ]);
  });
});

describe("refusals on an imported file system, where ids are literals", () => {
  test("a StorageClass and a PV whose fileSystemId is another file system's", () => {
    // GIVEN
    const stack = testStack();
    const fs = SharedFileSystem.fromAttributes(stack, "imported", {
      fileSystemArn: FS_ARN,
      mountTargetSecurityGroupId: "sg-0aaaaaaaaaaaaaaaa",
    });
    const ap = "arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/fsap-0123456789abcdef0";
    const driver = new EfsCsiDriver(stack, "efs-csi", {
      clusterName: "prod",
      fileSystem: fs,
      clusterSecurityGroupId: SG,
      podIdentity: true,
      nodeServiceAccount: true,
      staticAccessPoints: [ap],
    });
    // WHEN / THEN
    expect(
      problemsOf(() => driver.storageClass({ name: "sc", fileSystemId: "fs-0fffffffffffffff0" })),
    ).toEqual([
      expect.stringMatching(
        /^fileSystemId: "fs-0fffffffffffffff0" is on file system "fs-0fffffffffffffff0", not this driver's "fs-0123456789abcdef0"/,
      ),
    ]);
    expect(
      problemsOf(() =>
        driver.persistentVolume({ name: "pv", accessPoint: ap, fileSystemId: "fs-0fffffffffffffff0" }),
      ),
    ).toEqual([expect.stringMatching(/^fileSystemId: .*not this driver's "fs-0123456789abcdef0"/)]);
    expect(
      driver.storageClass({ name: "sc", fileSystemId: "fs-0123456789abcdef0" }).parameters.fileSystemId,
    ).toBe("fs-0123456789abcdef0");
    expect(driver.persistentVolume({ name: "pv", accessPoint: ap }).spec.csi.volumeHandle).toBe(
      "fs-0123456789abcdef0::fsap-0123456789abcdef0",
    );
  });
});

describe("GrantOptions.anyAccessPoint", () => {
  test("is refused together with accessPoint", () => {
    const { fs, nodeRole } = setup();
    expect(
      problemsOf(() =>
        fs.grantReadWrite(nodeRole, { accessPoint: fs.accessPoints.app!, anyAccessPoint: true }),
      ),
    ).toEqual(["anyAccessPoint: is set together with accessPoint; choose one"]);
  });

  test("and accessPointsOnly for the same role, in either order: the Deny would cancel it outside the role's own access points", () => {
    // Found by an attack: accepted in this order, the Deny left ClientWrite through every other
    // access point ExplicitlyDenied, so dynamically provisioned volumes failed to mount.
    const first = setup();
    first.fs.grantReadWrite(first.nodeRole, { anyAccessPoint: true });
    expect(
      problemsOf(() =>
        first.fs.grantReadWrite(first.nodeRole, {
          accessPoint: first.fs.accessPoints.app!,
          accessPointsOnly: true,
        }),
      ),
    ).toEqual([expect.stringMatching(/^accessPointsOnly: .* \(or one through any access point\)/)]);
    const second = setup();
    second.fs.grantReadWrite(second.nodeRole, {
      accessPoint: second.fs.accessPoints.app!,
      accessPointsOnly: true,
    });
    expect(problemsOf(() => second.fs.grantReadWrite(second.nodeRole, { anyAccessPoint: true }))).toEqual([
      expect.stringMatching(/^accessPoint: is required/),
    ]);
  });

  test("alone names its inline policy after it", () => {
    const { stack, fs, nodeRole } = setup();
    fs.grantReadWrite(nodeRole, { anyAccessPoint: true });
    const names = configsOf(synth(stack), "aws_iam_role_policy").map((p) => p.name);
    expect(names).toContainEqual(
      expect.stringMatching(/^shared-home-efs-read-write-\$\{.*\}-any-access-point$/),
    );
  });
});

describe("more refusals", () => {
  test("a subPathPattern that climbs out of basePath, and a namespace that is not a DNS label", () => {
    const { make } = setup();
    const driver = make();
    expect(
      problemsOf(() =>
        driver.storageClass({
          name: "sc",
          subPathPattern: "../${.PVC.name}",
          gidRangeStart: 2000,
          gidRangeEnd: 3000,
        }),
      ),
    ).toEqual([expect.stringMatching(/^subPathPattern: .* would place volumes outside basePath/)]);
    const storageClass = driver.storageClass({ name: "sc", gidRangeStart: 2000, gidRangeEnd: 3000 });
    expect(
      problemsOf(() => driver.persistentVolumeClaim({ name: "c", namespace: "a.b", storageClass })),
    ).toEqual([expect.stringMatching(/^namespace: "a\.b" is not a namespace name/)]);
  });

  test("the manifests output refuses strings cdktf would write into the expression unescaped", () => {
    const { stack } = setup();
    const manifest = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x" },
      data: { script: 'echo "hi"', template: "${HOME}" },
    };
    expect(() => kubernetesManifestsOutput(stack, "out", [manifest])).toThrow(
      /manifests\[0\]\.data\.script: "echo \\"hi\\""\n {2}- manifests\[0\]\.data\.template/,
    );
  });
});
