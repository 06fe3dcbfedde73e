import { Construct } from "constructs";
import { LocalBackend, S3Backend, TerraformElement, TerraformStack } from "cdktf";

/**
 * S3-native state locking (`use_lockfile`) became GA in Terraform 1.11, which also deprecated the
 * DynamoDB lock arguments (https://developer.hashicorp.com/terraform/language/backend/s3).
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11";

/** Where a stack keeps its state in S3. */
export interface RemoteStateOptions {
  /** The state bucket; the `state` stack creates it. */
  readonly bucket: string;
  /** The object key is `<keyPrefix>/<stack>.tfstate`; one prefix per environment. */
  readonly keyPrefix: string;
  /** Region of the bucket. */
  readonly region: string;
  /**
   * KMS key for the state objects.
   * @default - SSE-S3 (AES-256)
   */
  readonly kmsKeyArn?: string;
  /**
   * A DynamoDB lock table, in addition to the S3 lock file, for Terraform older than 1.11 that may
   * still touch the same state. Deprecated by Terraform 1.11.
   * @default - S3-native locking only
   */
  readonly dynamodbTable?: string;
}

/**
 * A local backend with a path relative to the stack's working directory
 * (`cdktf.out/stacks/<stack>`), so the state file lands in the project root, where cdktf keeps it,
 * without writing the build machine's absolute path into the synthesized JSON.
 */
export function useLocalBackend(stack: TerraformStack, stackName: string, stateFileName?: string): void {
  new LocalBackend(stack, { path: `../../../${stateFileName ?? `terraform.${stackName}.tfstate`}` });
  requireTerraformVersion(stack);
}

/** An encrypted S3 backend with S3-native locking; key `<keyPrefix>/<stack>.tfstate`. */
export function useS3Backend(stack: TerraformStack, stackName: string, options: RemoteStateOptions): void {
  const backend = new S3Backend(stack, {
    bucket: options.bucket,
    key: `${options.keyPrefix}/${stackName}.tfstate`,
    region: options.region,
    encrypt: true,
    kmsKeyId: options.kmsKeyArn,
    dynamodbTable: options.dynamodbTable,
  });
  // cdktf 0.21's S3BackendConfig has no prop for use_lockfile (added in Terraform 1.10). An override
  // of the backend itself lands inside `backend "s3"` in both the JSON and the HCL synth.
  backend.addOverride("use_lockfile", true);
  requireTerraformVersion(stack);
}

/** S3 when `remoteState` is given, else local state next to the project. */
export function useBackend(stack: TerraformStack, stackName: string, remoteState?: RemoteStateOptions): void {
  if (remoteState) useS3Backend(stack, stackName, remoteState);
  else useLocalBackend(stack, stackName);
}

function requireTerraformVersion(stack: TerraformStack): void {
  new RequiredTerraformVersion(stack, "required-terraform-version", REQUIRED_TERRAFORM_VERSION);
}

/**
 * `terraform { required_version = ... }`, in the JSON synth only.
 *
 * DEVIATION: `cdktf synth --hcl` cannot write it. cdktf 0.21's HCL writer (`renderTerraform` in
 * `cdktf/lib/hcl/render.js`) renders `required_providers`, `backend` and `cloud` of the `terraform`
 * block and, for every other key, passes the list of key names instead of the values to the
 * attribute writer: `required_version` comes out as `0 = "required_version"`, which Terraform
 * rejects. Nothing else the writer emits opens a `terraform` block, so this element leaves the HCL
 * without the constraint (a `stack.addOverride` would reach the HCL writer and break it).
 */
class RequiredTerraformVersion extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly constraint: string,
  ) {
    super(scope, id);
  }

  toTerraform(): Record<string, unknown> {
    return { terraform: { required_version: this.constraint } };
  }

  toHclTerraform(): Record<string, unknown> {
    return {};
  }
}
