"""Reproduces each emulator artifact of tools/apply/emulator-artifacts.json with direct API calls.

Usage: moto_server -H 127.0.0.1 -p 45124 &  python3 tools/apply/evidence.py http://127.0.0.1:45124
(boto3 comes with moto). Prints what moto answers; the JSON file says what AWS answers instead.
"""
import json
import sys
import urllib.request

import boto3

endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")

# backup-list-tags-path: ListTags is GET /tags/{ResourceArn}/; moto reads the ARN from the segment
# before the trailing slash, so a request without one (as the provider sends) gets another resource's tags.
backup = boto3.client("backup", **kw)
arn = backup.create_backup_vault(BackupVaultName="evidence-vault", BackupVaultTags={"Owner": "x"})["BackupVaultArn"]
auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/backup/aws4_request, SignedHeaders=host, Signature=x"
for path in (f"/tags/{arn}", f"/tags/{arn}/"):
    request = urllib.request.Request(endpoint + path, headers={"Authorization": auth})
    print(f"backup ListTags GET {path} ->", urllib.request.urlopen(request).read().decode())

# ec2-launch-template-own-tags-in-data: the template's own tags come back inside LaunchTemplateData.
ec2 = boto3.client("ec2", **kw)
template = ec2.create_launch_template(
    LaunchTemplateName="evidence-lt",
    LaunchTemplateData={"InstanceType": "t3.micro"},
    TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Owner", "Value": "x"}]}],
)["LaunchTemplate"]["LaunchTemplateId"]
data = ec2.describe_launch_template_versions(LaunchTemplateId=template)["LaunchTemplateVersions"][0]["LaunchTemplateData"]
print("ec2 DescribeLaunchTemplateVersions LaunchTemplateData ->", json.dumps(data))

# ec2-group-rule-description: DescribeSecurityGroupRules drops the description of a rule that
# references a security group (DescribeSecurityGroups still has it).
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
group = ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc)["GroupId"]
peer = ec2.create_security_group(GroupName="b", Description="b", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(
    GroupId=group,
    IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": peer, "Description": "NFS from b"}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS"}]},
    ],
)
rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
print(
    "ec2 DescribeSecurityGroupRules (ingress) ->",
    json.dumps([{k: r.get(k) for k in ("Description", "ReferencedGroupInfo", "CidrIpv4")} for r in rules if not r["IsEgress"]]),
)
pairs = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
print("ec2 DescribeSecurityGroups UserIdGroupPairs ->", json.dumps([p["UserIdGroupPairs"] for p in pairs if p["UserIdGroupPairs"]]))

# ecs-service-az-rebalancing: CreateService drops availabilityZoneRebalancing; DescribeServices has none.
ecs = boto3.client("ecs", **kw)
ecs.create_cluster(clusterName="evidence")
ecs.register_task_definition(family="evidence", containerDefinitions=[{"name": "c", "image": "busybox", "memory": 128}])
ecs.create_service(cluster="evidence", serviceName="evidence", taskDefinition="evidence", desiredCount=0, availabilityZoneRebalancing="ENABLED")
service = ecs.describe_services(cluster="evidence", services=["evidence"])["services"][0]
print("ecs DescribeServices availabilityZoneRebalancing ->", json.dumps(service.get("availabilityZoneRebalancing")))

# autoscaling-capacity-reservation-specification: DescribeAutoScalingGroups returns no CapacityReservationSpecification.
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
autoscaling = boto3.client("autoscaling", **kw)
autoscaling.create_auto_scaling_group(
    AutoScalingGroupName="evidence", LaunchTemplate={"LaunchTemplateId": template}, MinSize=0, MaxSize=0, VPCZoneIdentifier=subnet,
)
asg = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["evidence"])["AutoScalingGroups"][0]
print("autoscaling DescribeAutoScalingGroups CapacityReservationSpecification ->", json.dumps(asg.get("CapacityReservationSpecification")))

# lambda-file-system-config: CreateFunction drops FileSystemConfigs; GetFunction has none.
iam = boto3.client("iam", **kw)
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="evidence-fn", AssumeRolePolicyDocument=json.dumps(trust))
function = boto3.client("lambda", **kw).create_function(
    FunctionName="evidence",
    Runtime="python3.12",
    Role=role["Role"]["Arn"],
    Handler="index.handler",
    Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    FileSystemConfigs=[{"Arn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0", "LocalMountPath": "/mnt/data"}],
)
configuration = boto3.client("lambda", **kw).get_function(FunctionName="evidence")["Configuration"]
print("lambda GetFunction FileSystemConfigs ->", json.dumps(configuration.get("FileSystemConfigs")))

# backup-put-backup-vault-notifications (a gap): no route for PUT /backup-vaults/{name}/notification-configuration.
try:
    backup.put_backup_vault_notifications(BackupVaultName="evidence-vault", SNSTopicArn="arn:aws:sns:eu-west-1:123456789012:t", BackupVaultEvents=["BACKUP_JOB_FAILED"])
    print("backup PutBackupVaultNotifications -> accepted")
except Exception as error:  # noqa: BLE001 - the error is the evidence
    print("backup PutBackupVaultNotifications ->", type(error).__name__, str(error)[:160])
