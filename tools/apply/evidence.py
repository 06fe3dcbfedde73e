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
