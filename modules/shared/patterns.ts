/** Shapes of AWS names and ARNs that several modules and the settings schema check at synth. */

/** A Region name as AWS spells it: "eu-west-1", "us-gov-west-1". */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** An availability-zone name: "eu-west-1a". */
export const AZ_NAME_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d[a-z]$/;

/** A KMS key or alias ARN in any partition. */
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/;

/** What a value that fails `KMS_KEY_ARN_PATTERN` is told. */
export const NOT_A_KMS_KEY_ARN = 'is not a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/..."';
