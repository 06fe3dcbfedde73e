"""Creates, in the emulator, stand-ins for the existing resources an example names by id or ARN.

Usage: python3 tools/apply/stand-ins.py http://127.0.0.1:PORT stand-ins.json
(boto3 comes with moto). Reads a JSON list of stand-ins (the harness writes STAND_INS of emulator.ts); prints a JSON object mapping each
placeholder id or ARN to the id or ARN moto gave the stand-in (moto chooses EC2 ids itself).
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="eu-west-1", aws_access_key_id="mock-access-key", aws_secret_access_key="mock-secret-key")
ec2 = boto3.client("ec2", **kw)
mapping = {}
with open(sys.argv[2], encoding="utf-8") as file:
    stand_ins = json.load(file)
for stand_in in stand_ins:
    kind = stand_in["kind"]
    if kind == "vpc":
        vpc = ec2.create_vpc(CidrBlock=stand_in["cidr"])["Vpc"]["VpcId"]
        mapping[stand_in["placeholder"]] = vpc
        for subnet in stand_in["subnets"]:
            created = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet["cidr"], AvailabilityZone=subnet["availabilityZone"])
            mapping[subnet["placeholder"]] = created["Subnet"]["SubnetId"]
        for group in stand_in["securityGroups"]:
            created = ec2.create_security_group(VpcId=vpc, GroupName=group["placeholder"], Description="stand-in")
            mapping[group["placeholder"]] = created["GroupId"]
    elif kind == "role":
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = boto3.client("iam", **kw).create_role(RoleName=stand_in["name"], AssumeRolePolicyDocument=json.dumps(trust))
        mapping[stand_in["placeholder"]] = role["Role"]["Arn"]
    elif kind == "s3-object":
        s3 = boto3.client("s3", **kw)
        s3.create_bucket(Bucket=stand_in["bucket"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        # An empty zip archive: the function is created, never invoked.
        s3.put_object(Bucket=stand_in["bucket"], Key=stand_in["key"], Body=b"PK\x05\x06" + b"\x00" * 18)
    else:
        raise SystemExit(f"unknown stand-in kind {kind}")
print(json.dumps(mapping))
