/** Shapes of AWS names and ARNs that several modules and the settings schema check at synth. */

/** A Region name as AWS spells it: "eu-west-1", "us-gov-west-1". */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * S3 general-purpose bucket naming rules
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3 to 63 characters,
 * lowercase letters, digits, dots and hyphens; starts and ends with a letter or digit; no two dots in
 * a row; not shaped like an IP address; not the reserved prefixes `xn--`, `sthree-`, `amzn-s3-demo-`
 * or suffixes `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`.
 */
export const S3_BUCKET_NAME_PATTERN =
  /^(?!\d{1,3}(\.\d{1,3}){3}$)(?!.*\.\.)(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const NOT_AN_S3_BUCKET_NAME =
  "is not an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, not a reserved form (xn--, sthree-, amzn-s3-demo- prefixes; -s3alias, --ol-s3, .mrap, --x-s3 suffixes)";

/** The partition of a Region: "aws-cn" for cn-*, "aws-us-gov" for us-gov-*, else "aws". */
export function partitionOfRegion(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** An availability-zone name: "eu-west-1a". */
export const AZ_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;
/** What a module prop that fails `AZ_NAME_PATTERN` is told. */
export const NOT_AN_AZ_NAME = 'is not an AZ name such as "eu-west-1a"';

/**
 * A KMS key or alias ARN in any partition. The resource part takes no whitespace: a key id is a
 * UUID or `mrk-<hex>`, an alias name letters, digits, `/`, `_` and `-`, so a stray space would only
 * ever name a key that does not exist.
 */
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_+=,.@-]+$/;

/** What a value that fails `KMS_KEY_ARN_PATTERN` is told. */
export const NOT_A_KMS_KEY_ARN = 'is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."';

/** The Region inside a well-formed ARN (`arn:partition:service:REGION:account:resource`), else undefined. */
export function regionOfArnText(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region && REGION_PATTERN.test(region) ? region : undefined;
}

/** True for `arn:...:kms:...:alias/<name>`: a name that points at a key, not the key. */
export function isKmsAliasArn(arn: string): boolean {
  return /^arn:[^:]+:kms:[^:]*:\d{12}:alias\//.test(arn);
}

/** The Region an AZ name belongs to ("eu-west-1b" → "eu-west-1"). */
export function regionOfAz(zone: string): string {
  return zone.replace(/[a-z]$/, "");
}

/**
 * Tag keys and values as EFS accepts them (EFS API reference, "Tag": Unicode letters, white space,
 * digits and `_ . : / = + - @`); most other AWS services accept the same set. Keys 1 to 128
 * characters and never `aws:...` (reserved), values up to 256 characters.
 */
export const TAG_TEXT_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const TAG_KEY_MAX_LENGTH = 128;
export const TAG_VALUE_MAX_LENGTH = 256;
/** EFS, EC2 and most services allow 50 user tags per resource. */
export const MAX_TAGS_PER_RESOURCE = 50;

/** An existing VPC's id: "vpc-0123456789abcdef0" (8 or 17 hex digits). */
export const VPC_ID_PATTERN = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** What a module prop that fails `VPC_ID_PATTERN` is told. */
export const NOT_A_VPC_ID = 'is not a VPC id such as "vpc-0123456789abcdef0"';

/** An existing subnet's id: "subnet-0123456789abcdef0" (8 or 17 hex digits). */
export const SUBNET_ID_PATTERN = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** What a module prop that fails `SUBNET_ID_PATTERN` is told. */
export const NOT_A_SUBNET_ID = 'is not a subnet id such as "subnet-0123456789abcdef0"';

/** A security-group id: `sg-` and 8 or 17 hex digits. */
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** What a module prop that fails `SECURITY_GROUP_ID_PATTERN` is told. */
export const NOT_A_SECURITY_GROUP_ID = 'is not a security-group id such as "sg-0123456789abcdef0"';

/** Role ARN, with an optional path: `arn:aws:iam::111122223333:role/path/to/name`. */
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[!-~]*\/)?([\w+=,.@-]{1,64})$/;

/** An access point ARN, as Lambda and IAM conditions take it. */
export const ACCESS_POINT_ARN_PATTERN =
  /^arn:aws[a-z-]*:elasticfilesystem:[a-z0-9-]+:\d{12}:access-point\/(fsap-[0-9a-f]{8,40})$/;
