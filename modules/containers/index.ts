/**
 * Container and function integrations of the shared file system: ECS task volumes, Lambda file
 * system configs, and the EFS CSI driver on EKS. The Kubernetes provider resources are in
 * `cdktf-efs-shared-home/containers/kubernetes`, so that this entry point never loads
 * `@cdktf/provider-kubernetes` (an optional peer).
 */
export * from "./ecs";
export * from "./lambda";
export * from "./eks";
