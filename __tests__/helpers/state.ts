import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { planStack, PlanJson, PlanResult, providersSchemaJson } from "./terraform";

/**
 * A Terraform state "as if the base plan had been applied", built without AWS: it lets a test plan
 * a changed configuration offline (`plan -refresh=false`) and see updates and replacements
 * instead of creates only.
 */

const AWS_PROVIDER = "registry.terraform.io/hashicorp/aws";
const FAKE_ACCOUNT_ID = "123456789012";

/** A Terraform state file, format version 4 (what Terraform 1.x writes). */
export interface TerraformState {
  readonly version: 4;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Record<string, { value: unknown; type: unknown; sensitive?: boolean }>;
  readonly resources: StateResource[];
}

export interface StateResource {
  readonly mode: "managed";
  readonly type: string;
  readonly name: string;
  readonly provider: string;
  readonly instances: StateInstance[];
}

export interface StateInstance {
  readonly index_key?: string | number;
  readonly schema_version: number;
  attributes: Record<string, unknown>;
  readonly sensitive_attributes: unknown[];
}

/** A cty type as `terraform providers schema -json` writes it: "string", ["list", "string"], … */
type CtyType = string | [string, unknown];

interface SchemaBlock {
  readonly attributes?: Record<string, { type?: CtyType }>;
  readonly block_types?: Record<string, { nesting_mode: string; block: SchemaBlock }>;
}

/** Resource schemas of hashicorp/aws by type, as the provider in `stackDir` reports them. */
export type ResourceSchemas = Record<string, { version: number; block: SchemaBlock }>;

/** The AWS provider's resource schemas, as the provider a stack directory pins reports them. */
export async function providerSchemas(stackDir: string): Promise<ResourceSchemas> {
  const stdout = await providersSchemaJson(stackDir);
  return JSON.parse(stdout).provider_schemas[AWS_PROVIDER].resource_schemas;
}

/**
 * Turns a plan of creates into the state that applying it would leave: the planned values, with a
 * fake but well-formed value for everything known only after apply (`fs-…` ids, ARNs in the fake
 * account 123456789012, empty collections). An unknown attribute set from a single reference to
 * another resource (`vpc_id = aws_vpc.x.id`) gets that resource's fake value, so the two agree.
 * Values computed from several references (policies) are left to `appliedState`.
 */
export function stateFromPlan(
  plan: PlanJson,
  schemas: ResourceSchemas,
  region = "eu-west-1",
): TerraformState {
  const configs = new Map<string, any>(
    (plan.configuration?.root_module?.resources ?? []).map((r: any) => [r.address, r]),
  );
  const resources = new Map<string, StateResource>();
  const byAddress = new Map<string, StateInstance>();

  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode !== "managed" || !rc.change.actions.includes("create")) continue;
    const resourceAddress = `${rc.type}.${rc.name}`;
    const config = configs.get(resourceAddress);
    const schema = schemas[rc.type];
    if (!schema) throw new Error(`no provider schema for ${rc.type} (${rc.address})`);
    const fake = new FakeValues(rc.type, rc.address, rc.change.after ?? {}, region);
    const instance: StateInstance = {
      ...(rc.index !== undefined ? { index_key: rc.index } : {}),
      schema_version: config?.schema_version ?? schema.version,
      attributes: fillBlock(rc.change.after ?? {}, rc.change.after_unknown, schema.block, fake),
      sensitive_attributes: [],
    };
    byAddress.set(rc.address, instance);
    if (!resources.has(resourceAddress)) {
      const alias = String(config?.provider_config_key ?? "aws").split(".")[1];
      resources.set(resourceAddress, {
        mode: "managed",
        type: rc.type,
        name: rc.name,
        provider: `provider["${AWS_PROVIDER}"]${alias ? `.${alias}` : ""}`,
        instances: [],
      });
    }
    resources.get(resourceAddress)!.instances.push(instance);
  }

  copySingleReferences(plan, configs, byAddress);

  return {
    version: 4,
    terraform_version: plan.terraform_version ?? "1.11.4",
    serial: 1,
    lineage: "00000000-0000-4000-8000-000000000001",
    outputs: Object.fromEntries(
      Object.entries(plan.planned_values?.outputs ?? {})
        .filter(([, output]: [string, any]) => output.value !== undefined)
        .map(([name, output]: [string, any]) => [name, stateOutput(output.value, output.sensitive)]),
    ),
    resources: [...resources.values()],
  };
}

/** Offline plans `appliedState` may run before it gives up on reaching "no changes". */
const MAX_SETTLE_PLANS = 4;

/**
 * The state of the base configuration "after apply": `stateFromPlan`, then offline plans of the
 * base configuration against it, each folding its known planned values (policies and other values
 * computed from references) back in, until a plan shows no changes. A value that depends on a
 * value settled in the previous plan (a dashboard listing alarm ARNs) takes one more plan.
 */
export async function appliedState(base: PlanResult): Promise<TerraformState> {
  let state = stateFromPlan(base.plan, await providerSchemas(base.stackDir));
  for (let attempt = 1; attempt <= MAX_SETTLE_PLANS; attempt++) {
    writeState(base.stackDir, state);
    const { plan } = await planStack(base.stackDir, [], { validate: false });
    const pending = pendingChanges(plan);
    if (pending.length === 0) return state;
    // Updates whose new values are all known settle everything: folding them in leaves nothing to plan.
    if (onlyKnownUpdates(plan)) return foldKnownValues(state, plan);
    if (attempt === MAX_SETTLE_PLANS) {
      throw new Error(`the built state still plans changes after ${attempt} plans: ${pending.join(", ")}`);
    }
    state = foldKnownValues(state, plan);
  }
  throw new Error("unreachable");
}

function onlyKnownUpdates(plan: PlanJson): boolean {
  return (
    (plan.resource_changes ?? []).every(
      (rc: any) =>
        rc.change.actions.every((a: string) => a === "no-op" || a === "read") ||
        (rc.change.actions.length === 1 &&
          rc.change.actions[0] === "update" &&
          !containsTrue(rc.change.after_unknown)),
    ) && Object.values(plan.output_changes ?? {}).every((change: any) => change.after_unknown === false)
  );
}

/** Addresses of resources and outputs that a plan would change. */
function pendingChanges(plan: PlanJson): string[] {
  const changing = (actions: string[]) => actions.some((a) => a !== "no-op" && a !== "read");
  return [
    ...(plan.resource_changes ?? [])
      .filter((rc: any) => changing(rc.change.actions))
      .map((rc: any) => rc.address),
    ...Object.entries(plan.output_changes ?? {})
      .filter(([, change]: [string, any]) => changing(change.actions))
      .map(([name]) => `output.${name}`),
  ];
}

/** Writes `state` where the test harness's local backend reads it. */
export function writeState(stackDir: string, state: TerraformState): void {
  writeFileSync(join(stackDir, "harness.tfstate"), JSON.stringify(state, null, 2));
}

/** Takes every known planned value of `plan` into `state`; unknown ones keep their state value. */
function foldKnownValues(state: TerraformState, plan: PlanJson): TerraformState {
  const instances = new Map<string, StateInstance>();
  for (const resource of state.resources) {
    for (const instance of resource.instances) {
      const key = instance.index_key === undefined ? "" : `[${JSON.stringify(instance.index_key)}]`;
      instances.set(`${resource.type}.${resource.name}${key}`, instance);
    }
  }
  for (const rc of plan.resource_changes ?? []) {
    const instance = instances.get(rc.address);
    if (!instance || rc.change.actions.every((a: string) => a === "no-op")) continue;
    const after = rc.change.after ?? {};
    const unknown = rc.change.after_unknown ?? {};
    for (const name of Object.keys(after)) {
      if (!containsTrue(unknown[name])) instance.attributes[name] = after[name];
    }
  }
  const outputs = { ...state.outputs };
  for (const [name, change] of Object.entries(plan.output_changes ?? {}) as [string, any][]) {
    if (change.after_unknown === false && change.after !== undefined) {
      outputs[name] = stateOutput(change.after, change.after_sensitive === true);
    }
  }
  return { ...state, serial: state.serial + 1, outputs };
}

/**
 * Copies `a.b.attr` into every attribute, top-level or in a nested block, whose whole expression is
 * that one reference to another resource (`vpc_id = aws_vpc.x.id`, `launch_template { id = … }`).
 */
function copySingleReferences(
  plan: PlanJson,
  configs: Map<string, any>,
  byAddress: Map<string, StateInstance>,
): void {
  // A copied value may itself come from a reference: repeat until nothing changes (chains are short).
  for (let pass = 0; pass < 10; pass++) {
    let changed = false;
    for (const rc of plan.resource_changes ?? []) {
      const instance = byAddress.get(rc.address);
      const expressions = configs.get(`${rc.type}.${rc.name}`)?.expressions;
      if (instance && expressions) changed = copyInto(instance.attributes, expressions, byAddress) || changed;
    }
    if (!changed) return;
  }
}

function copyInto(
  target: Record<string, any>,
  expressions: Record<string, any>,
  byAddress: Map<string, StateInstance>,
): boolean {
  let changed = false;
  for (const [name, expression] of Object.entries(expressions)) {
    if (Array.isArray(expression) && Array.isArray(target[name])) {
      // A nested block: one expression object per block.
      expression.forEach((block, i) => {
        if (target[name][i] && block && typeof block === "object") {
          changed = copyInto(target[name][i], block, byAddress) || changed;
        }
      });
      continue;
    }
    const refs: string[] | undefined = expression?.references;
    if (refs?.length !== 2 || !refs[0].startsWith(`${refs[1]}.`)) continue;
    const source = byAddress.get(refs[1]);
    const value = source?.attributes[refs[0].slice(refs[1].length + 1)];
    // Only a plain string, or a list or set holding just that reference, is a copy of it.
    if (typeof value !== "string") continue;
    const copied = Array.isArray(target[name])
      ? [value]
      : typeof target[name] === "string"
        ? value
        : undefined;
    if (copied !== undefined && JSON.stringify(target[name]) !== JSON.stringify(copied)) {
      target[name] = copied;
      changed = true;
    }
  }
  return changed;
}

function fillBlock(
  values: Record<string, any>,
  unknown: any,
  block: SchemaBlock,
  fake: FakeValues,
): Record<string, any> {
  const filled: Record<string, any> = { ...values };
  if (unknown === null || typeof unknown !== "object") return filled;
  for (const [name, mirror] of Object.entries(unknown)) {
    const attribute = block.attributes?.[name];
    const nested = block.block_types?.[name];
    if (attribute) {
      filled[name] = fillValue(filled[name], mirror, attribute.type, name, fake);
    } else if (nested && mirror === true) {
      // A whole nested block known only after apply: the provider reports none.
      filled[name] = nested.nesting_mode === "single" || nested.nesting_mode === "group" ? null : [];
    } else if (nested && Array.isArray(mirror)) {
      filled[name] = (filled[name] ?? []).map((element: any, i: number) =>
        fillBlock(element ?? {}, mirror[i], nested.block, fake),
      );
    } else if (nested) {
      filled[name] = fillBlock(filled[name] ?? {}, mirror, nested.block, fake);
    }
  }
  return filled;
}

function fillValue(value: any, mirror: any, type: CtyType | undefined, name: string, fake: FakeValues): any {
  if (mirror === true) return fake.valueFor(name, type);
  if (mirror === null || typeof mirror !== "object" || value === null || typeof value !== "object") {
    return value;
  }
  const [kind, inner] = Array.isArray(type) ? type : [type, undefined];
  if (Array.isArray(value) && Array.isArray(mirror)) {
    return value.map((element, i) =>
      fillValue(
        element,
        mirror[i],
        kind === "tuple" ? (inner as CtyType[])[i] : (inner as CtyType),
        name,
        fake,
      ),
    );
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, element]) => [
      key,
      fillValue(
        element,
        mirror[key],
        kind === "object" ? (inner as Record<string, CtyType>)[key] : (inner as CtyType),
        key,
        fake,
      ),
    ]),
  );
}

/** Id prefixes of the EC2 and EFS resources these stacks create, so a fake id looks like a real one. */
const ID_PREFIXES: Readonly<Record<string, string>> = {
  aws_vpc: "vpc-",
  aws_subnet: "subnet-",
  aws_security_group: "sg-",
  aws_default_security_group: "sg-",
  aws_vpc_security_group_ingress_rule: "sgr-",
  aws_vpc_security_group_egress_rule: "sgr-",
  aws_internet_gateway: "igw-",
  aws_route_table: "rtb-",
  aws_route_table_association: "rtbassoc-",
  aws_network_acl: "acl-",
  aws_flow_log: "fl-",
  aws_efs_file_system: "fs-",
  aws_efs_mount_target: "fsmt-",
  aws_efs_access_point: "fsap-",
  aws_ebs_volume: "vol-",
  aws_instance: "i-",
  aws_launch_template: "lt-",
  aws_network_interface: "eni-",
};

/** Attributes named `<x>_id` that hold an id of a known kind. */
const ID_ATTRIBUTE_PREFIXES: readonly [suffix: string, prefix: string][] = [
  ["security_group_rule_id", "sgr-"],
  ["security_group_id", "sg-"],
  ["route_table_id", "rtb-"],
  ["network_acl_id", "acl-"],
  ["network_interface_id", "eni-"],
  ["dhcp_options_id", "dopt-"],
  ["file_system_id", "fs-"],
  ["subnet_id", "subnet-"],
  ["vpc_id", "vpc-"],
  ["gateway_id", "igw-"],
  ["instance_id", "i-"],
];

/** ARN service names by resource-type prefix; EC2 for the rest. */
const ARN_SERVICES: readonly [typePrefix: string, service: string][] = [
  ["aws_efs_", "elasticfilesystem"],
  ["aws_kms_", "kms"],
  ["aws_iam_", "iam"],
  ["aws_cloudwatch_log_", "logs"],
  ["aws_backup_", "backup"],
  ["aws_s3_", "s3"],
  ["aws_autoscaling_", "autoscaling"],
];

/** Deterministic fake values for one resource instance. */
class FakeValues {
  private readonly hex: string;

  constructor(
    private readonly type: string,
    address: string,
    private readonly known: Record<string, any>,
    private readonly region: string,
  ) {
    this.hex = createHash("sha256").update(address).digest("hex");
  }

  valueFor(name: string, type: CtyType | undefined): unknown {
    const kind = Array.isArray(type) ? type[0] : type;
    // A launch template's first version is 1; an instance launched from it records that version
    // (as a string), and the provider calls EC2 at plan time if the two disagree.
    if (name === "latest_version" || name === "default_version") return kind === "number" ? 1 : "1";
    if (name === "version" && this.type === "aws_instance") return "1";
    if (kind === "number") return 0;
    if (kind === "bool") return false;
    if (kind === "list" || kind === "set" || kind === "tuple") return [];
    if (kind === "map") return {};
    if (kind === "object") {
      const fields = (type as [string, Record<string, CtyType>])[1];
      return Object.fromEntries(Object.entries(fields).map(([key, t]) => [key, this.valueFor(key, t)]));
    }
    return this.stringFor(name);
  }

  private stringFor(name: string): string {
    if (name === "id") return this.id();
    if (name === "arn") return this.arn();
    if (name === "owner_id") return FAKE_ACCOUNT_ID;
    if (name === "name") return this.name();
    if (name === "kms_key_id") return `arn:aws:kms:${this.region}:${FAKE_ACCOUNT_ID}:key/${this.uuid()}`;
    if (name === "dns_name" || name === "mount_target_dns_name") {
      return `${this.known.file_system_id ?? this.id()}.efs.${this.region}.amazonaws.com`;
    }
    if (name === "availability_zone_id") return `${this.region.replace(/-/g, "").slice(0, 4)}-az1`;
    if (name === "ip_address") return `10.0.255.${parseInt(this.hex.slice(0, 2), 16) % 250}`;
    if (name === "unique_id") return `AROA${this.hex.slice(0, 17).toUpperCase()}`;
    if (name === "create_date") return "2025-01-01T00:00:00Z";
    if (name.endsWith("_arn")) return this.arn();
    const idKind = ID_ATTRIBUTE_PREFIXES.find(([suffix]) => name.endsWith(suffix));
    if (idKind) return `${idKind[1]}${this.hex.slice(0, 17)}`;
    // Optional+computed strings the configuration leaves unset: empty is what the provider treats as unset.
    return "";
  }

  private id(): string {
    const prefix = ID_PREFIXES[this.type];
    if (prefix) return `${prefix}${this.hex.slice(0, 17)}`;
    if (this.type === "aws_kms_key") return this.uuid();
    // IAM roles, log groups, backup vaults and buckets use their name as id.
    return this.name();
  }

  private name(): string {
    if (typeof this.known.name === "string") return this.known.name;
    if (typeof this.known.name_prefix === "string")
      return `${this.known.name_prefix}${this.hex.slice(0, 26)}`;
    if (typeof this.known.tags?.Name === "string") return this.known.tags.Name;
    return `${this.type.replace(/^aws_/, "").replace(/_/g, "-")}-${this.hex.slice(0, 8)}`;
  }

  private arn(): string {
    const service = ARN_SERVICES.find(([prefix]) => this.type.startsWith(prefix))?.[1] ?? "ec2";
    const global = service === "iam" || service === "s3";
    const region = global ? "" : this.region;
    const account = service === "s3" ? "" : FAKE_ACCOUNT_ID;
    if (service === "logs") return `arn:aws:logs:${region}:${account}:log-group:${this.name()}`;
    const resource = this.type.replace(/^aws_(efs_|kms_|iam_|backup_|s3_)?/, "").replace(/_/g, "-");
    return `arn:aws:${service}:${region}:${account}:${resource}/${this.id()}`;
  }

  private uuid(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

/** An output as the state stores it; the type is inferred from the JSON value. */
function stateOutput(
  value: unknown,
  sensitive: boolean,
): { value: unknown; type: unknown; sensitive?: boolean } {
  return { value, type: ctyTypeOf(value), ...(sensitive ? { sensitive } : {}) };
}

function ctyTypeOf(value: unknown): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(ctyTypeOf)];
  if (value !== null && typeof value === "object") {
    return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyTypeOf(v)]))];
  }
  return "dynamic";
}

function containsTrue(mirror: unknown): boolean {
  if (mirror === true) return true;
  if (mirror === null || typeof mirror !== "object") return false;
  return Object.values(mirror).some(containsTrue);
}
