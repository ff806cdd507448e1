"""A custom resource's function: it keeps an object named after the resource in a bucket while the resource stands,
and answers CloudFormation at the response URL as AWS's cfn-response module does (refusing what it is told to)."""

import json
import urllib.request

import boto3


def handler(event, context):
    properties, kind = event["ResourceProperties"], event["RequestType"]
    name = event["PhysicalResourceId"] if kind == "Delete" else properties["Name"]
    s3 = boto3.client("s3")
    reason = f"told to refuse to {kind.lower()} {name}" if properties.get("Refuse") == kind else None
    if reason is None and kind == "Delete":
        s3.delete_object(Bucket=properties["Bucket"], Key=name)
    elif reason is None:
        s3.put_object(Bucket=properties["Bucket"], Key=name, Body=json.dumps(event).encode())
    answer = {
        "Status": "FAILED" if reason else "SUCCESS",
        "Reason": reason or "",
        "PhysicalResourceId": name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {"Greeting": f"hello {name}"},
    }
    body = json.dumps(answer).encode()
    put = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(put) as response:
        response.read()
