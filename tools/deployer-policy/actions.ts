/**
 * The IAM actions the AWS provider (5.100) calls to create, read, update, tag and delete each resource
 * type our stacks declare. The deployer policy is generated from this map and the resource types the
 * stacks synthesize; `__tests__/tools/deployer-policy.test.ts` fails when a stack gains a type the map
 * does not cover. Sources: the Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/)
 * for each action, and the provider's create/read/update/delete functions for which actions it calls.
 */

const EC2_TAGS = ["ec2:CreateTags", "ec2:DeleteTags"];
const EFS_TAGS = [
  "elasticfilesystem:TagResource",
  "elasticfilesystem:UntagResource",
  "elasticfilesystem:ListTagsForResource",
];

export const ACTIONS_BY_RESOURCE_TYPE: Readonly<Record<string, readonly string[]>> = {
  // Launching from a launch template with an instance profile is authorized as the caller.
  aws_autoscaling_group: [
    "autoscaling:CreateAutoScalingGroup",
    "autoscaling:UpdateAutoScalingGroup",
    "autoscaling:DeleteAutoScalingGroup",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeScalingActivities",
    "autoscaling:StartInstanceRefresh",
    "autoscaling:CancelInstanceRefresh",
    "autoscaling:DescribeInstanceRefreshes",
    "autoscaling:AttachLoadBalancerTargetGroups",
    "autoscaling:DetachLoadBalancerTargetGroups",
    "autoscaling:DescribeLoadBalancerTargetGroups",
    "autoscaling:AttachTrafficSources",
    "autoscaling:DetachTrafficSources",
    "autoscaling:DescribeTrafficSources",
    "ec2:RunInstances",
    "ec2:CreateTags",
    "ec2:DescribeLaunchTemplateVersions",
    "iam:PassRole",
  ],
  aws_backup_plan: [
    "backup:CreateBackupPlan",
    "backup:GetBackupPlan",
    "backup:UpdateBackupPlan",
    "backup:DeleteBackupPlan",
    "backup:ListTags",
    "backup:TagResource",
    "backup:UntagResource",
  ],
  aws_backup_selection: [
    "backup:CreateBackupSelection",
    "backup:GetBackupSelection",
    "backup:DeleteBackupSelection",
    // The selection hands AWS Backup its role.
    "iam:PassRole",
  ],
  aws_backup_vault: [
    "backup:CreateBackupVault",
    "backup:DescribeBackupVault",
    "backup:DeleteBackupVault",
    "backup:ListTags",
    "backup:TagResource",
    "backup:UntagResource",
    // CreateBackupVault also needs these (AWS Backup developer guide, "Creating a backup vault").
    "backup-storage:MountCapsule",
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:GenerateDataKey",
    "kms:Decrypt",
    "kms:RetireGrant",
  ],
  aws_backup_vault_lock_configuration: [
    "backup:PutBackupVaultLockConfiguration",
    "backup:DescribeBackupVault",
    // Not backup:DeleteBackupVaultLockConfiguration: removing a lock is an administrator's call, so
    // destroying a locked vault stops there.
  ],
  // The provider reads the notification settings back after writing them; the vault itself must exist.
  aws_backup_vault_notifications: [
    "backup:PutBackupVaultNotifications",
    "backup:GetBackupVaultNotifications",
    "backup:DeleteBackupVaultNotifications",
  ],
  aws_cloudwatch_dashboard: [
    "cloudwatch:PutDashboard",
    "cloudwatch:GetDashboard",
    "cloudwatch:DeleteDashboards",
  ],
  aws_cloudwatch_log_group: [
    "logs:CreateLogGroup",
    "logs:DescribeLogGroups",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:ListTagsForResource",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:DeleteLogGroup",
  ],
  aws_cloudwatch_metric_alarm: [
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
  ],
  aws_default_security_group: [
    "ec2:DescribeSecurityGroups",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    ...EC2_TAGS,
  ],
  aws_ebs_volume: [
    "ec2:CreateVolume",
    "ec2:DescribeVolumes",
    "ec2:ModifyVolume",
    "ec2:DescribeVolumesModifications",
    "ec2:DeleteVolume",
    // final_snapshot on destroy.
    "ec2:CreateSnapshot",
    "ec2:DescribeSnapshots",
    ...EC2_TAGS,
  ],
  aws_efs_access_point: [
    "elasticfilesystem:CreateAccessPoint",
    "elasticfilesystem:DescribeAccessPoints",
    "elasticfilesystem:DeleteAccessPoint",
    ...EFS_TAGS,
  ],
  aws_efs_backup_policy: ["elasticfilesystem:PutBackupPolicy", "elasticfilesystem:DescribeBackupPolicy"],
  aws_efs_file_system: [
    "elasticfilesystem:CreateFileSystem",
    "elasticfilesystem:DescribeFileSystems",
    "elasticfilesystem:UpdateFileSystem",
    "elasticfilesystem:UpdateFileSystemProtection",
    "elasticfilesystem:DescribeLifecycleConfiguration",
    "elasticfilesystem:PutLifecycleConfiguration",
    "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:DeleteFileSystem",
    ...EFS_TAGS,
    // Encryption with a customer managed key (EFS user guide, "Using AWS KMS keys for Amazon EFS").
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:Decrypt",
  ],
  aws_efs_file_system_policy: [
    "elasticfilesystem:PutFileSystemPolicy",
    "elasticfilesystem:DescribeFileSystemPolicy",
    "elasticfilesystem:DeleteFileSystemPolicy",
  ],
  aws_efs_replication_configuration: [
    "elasticfilesystem:CreateReplicationConfiguration",
    "elasticfilesystem:DescribeReplicationConfigurations",
    "elasticfilesystem:DeleteReplicationConfiguration",
    // EFS makes the destination file system as the caller, with the destination key.
    "elasticfilesystem:CreateFileSystem",
    "kms:DescribeKey",
    "kms:CreateGrant",
  ],
  aws_efs_mount_target: [
    "elasticfilesystem:CreateMountTarget",
    "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:DescribeMountTargetSecurityGroups",
    "elasticfilesystem:ModifyMountTargetSecurityGroups",
    "elasticfilesystem:DeleteMountTarget",
    // CreateMountTarget creates the network interface as the caller (EFS API reference, CreateMountTarget).
    "ec2:DescribeSubnets",
    "ec2:DescribeNetworkInterfaces",
    "ec2:CreateNetworkInterface",
  ],
  aws_flow_log: [
    "ec2:CreateFlowLogs",
    "ec2:DescribeFlowLogs",
    "ec2:DeleteFlowLogs",
    ...EC2_TAGS,
    // The flow log delivers to CloudWatch Logs as its role.
    "iam:PassRole",
  ],
  aws_iam_instance_profile: [
    "iam:CreateInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:UntagInstanceProfile",
  ],
  aws_iam_role: [
    "iam:CreateRole",
    "iam:GetRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    // permissions_boundary on a role that exists.
    "iam:PutRolePermissionsBoundary",
  ],
  aws_iam_role_policy: ["iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"],
  aws_iam_role_policy_attachment: [
    "iam:AttachRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:DetachRolePolicy",
  ],
  aws_instance: [
    "ec2:RunInstances",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeInstanceCreditSpecifications",
    "ec2:DescribeVolumes",
    "ec2:DescribeTags",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:ModifyInstanceAttribute",
    "ec2:TerminateInstances",
    ...EC2_TAGS,
    // The instance profile's role, and the AMI id behind `resolve:ssm:`.
    "iam:PassRole",
    "ssm:GetParameters",
  ],
  aws_internet_gateway: [
    "ec2:CreateInternetGateway",
    "ec2:AttachInternetGateway",
    "ec2:DescribeInternetGateways",
    "ec2:DetachInternetGateway",
    "ec2:DeleteInternetGateway",
    ...EC2_TAGS,
  ],
  aws_kms_key: [
    "kms:CreateKey",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:PutKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:EnableKeyRotation",
    "kms:DisableKeyRotation",
    "kms:UpdateKeyDescription",
    "kms:ListResourceTags",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
  ],
  aws_kms_key_policy: ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"],
  aws_launch_template: [
    "ec2:CreateLaunchTemplate",
    "ec2:CreateLaunchTemplateVersion",
    "ec2:ModifyLaunchTemplate",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DeleteLaunchTemplate",
    ...EC2_TAGS,
    // EC2 resolves `resolve:ssm:` AMI parameters as the caller.
    "ssm:GetParameters",
  ],
  aws_route: ["ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DescribeRouteTables", "ec2:DeleteRoute"],
  aws_route_table: ["ec2:CreateRouteTable", "ec2:DescribeRouteTables", "ec2:DeleteRouteTable", ...EC2_TAGS],
  aws_route_table_association: [
    "ec2:AssociateRouteTable",
    "ec2:ReplaceRouteTableAssociation",
    "ec2:DescribeRouteTables",
    "ec2:DisassociateRouteTable",
  ],
  aws_s3_bucket: [
    "s3:CreateBucket",
    "s3:ListBucket",
    "s3:DeleteBucket",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    // The provider reads every bucket sub-configuration on refresh.
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketVersioning",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketLogging",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketPolicy",
  ],
  aws_s3_bucket_lifecycle_configuration: ["s3:PutLifecycleConfiguration", "s3:GetLifecycleConfiguration"],
  aws_s3_bucket_ownership_controls: ["s3:PutBucketOwnershipControls", "s3:GetBucketOwnershipControls"],
  aws_s3_bucket_policy: ["s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy"],
  aws_s3_bucket_public_access_block: ["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
  aws_s3_bucket_server_side_encryption_configuration: [
    "s3:PutEncryptionConfiguration",
    "s3:GetEncryptionConfiguration",
  ],
  aws_s3_bucket_versioning: ["s3:PutBucketVersioning", "s3:GetBucketVersioning"],
  aws_security_group: [
    "ec2:CreateSecurityGroup",
    "ec2:DescribeSecurityGroups",
    // A new group's default allow-all egress rule is revoked when the config declares none inline.
    "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:DeleteSecurityGroup",
    "ec2:DescribeNetworkInterfaces",
    ...EC2_TAGS,
  ],
  aws_sns_topic: [
    "sns:CreateTopic",
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
    "sns:ListTagsForResource",
    "sns:TagResource",
    "sns:UntagResource",
    "sns:DeleteTopic",
  ],
  aws_sns_topic_policy: ["sns:SetTopicAttributes", "sns:GetTopicAttributes"],
  aws_sns_topic_subscription: [
    "sns:Subscribe",
    "sns:GetSubscriptionAttributes",
    "sns:SetSubscriptionAttributes",
    "sns:Unsubscribe",
  ],
  aws_ssm_document: [
    "ssm:CreateDocument",
    "ssm:DescribeDocument",
    "ssm:GetDocument",
    "ssm:DescribeDocumentPermission",
    "ssm:UpdateDocument",
    "ssm:UpdateDocumentDefaultVersion",
    "ssm:DeleteDocument",
    "ssm:ListTagsForResource",
    "ssm:AddTagsToResource",
    "ssm:RemoveTagsFromResource",
  ],
  aws_subnet: [
    "ec2:CreateSubnet",
    "ec2:DescribeSubnets",
    "ec2:ModifySubnetAttribute",
    "ec2:DeleteSubnet",
    ...EC2_TAGS,
  ],
  aws_volume_attachment: [
    "ec2:AttachVolume",
    "ec2:DetachVolume",
    // stop_instance_before_detaching.
    "ec2:StopInstances",
    "ec2:DescribeVolumes",
    "ec2:DescribeInstances",
  ],
  aws_vpc: [
    "ec2:CreateVpc",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcAttribute",
    "ec2:ModifyVpcAttribute",
    "ec2:DeleteVpc",
    // The provider reads the VPC's default network ACL, route table and security group.
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    ...EC2_TAGS,
  ],
  aws_vpc_endpoint: [
    "ec2:CreateVpcEndpoint",
    "ec2:DescribeVpcEndpoints",
    "ec2:ModifyVpcEndpoint",
    "ec2:DeleteVpcEndpoints",
    "ec2:DescribePrefixLists",
    "ec2:DescribeVpcEndpointServices",
    ...EC2_TAGS,
    // Private DNS of an interface endpoint associates the VPC with the service's hosted zone.
    "route53:AssociateVPCWithHostedZone",
  ],
  aws_vpc_security_group_egress_rule: [
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:DescribeSecurityGroupRules",
    "ec2:ModifySecurityGroupRules",
    "ec2:RevokeSecurityGroupEgress",
    ...EC2_TAGS,
  ],
  aws_vpc_security_group_ingress_rule: [
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:DescribeSecurityGroupRules",
    "ec2:ModifySecurityGroupRules",
    "ec2:RevokeSecurityGroupIngress",
    ...EC2_TAGS,
  ],
};

/** What every deploy calls whatever the stacks hold: the provider asks who it is. */
export const BASELINE_ACTIONS: readonly string[] = ["sts:GetCallerIdentity"];

/**
 * The S3 backend (`state.bucket`): read and write the state objects and the `.tflock` lock file
 * (`use_lockfile`). Scoped to the bucket in the generated policy.
 */
export const STATE_BACKEND_ACTIONS: readonly string[] = [
  "s3:ListBucket",
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
];

/** The opt-in DynamoDB lock table (`state.dynamodbTable`), for Terraform older than 1.11. */
export const LOCK_TABLE_ACTIONS: readonly string[] = [
  "dynamodb:DescribeTable",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:DeleteItem",
];
