"""``imegha cloud``: connect your AWS account, deploy your cloud into it, follow it, destroy it."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable

from ..cloud_confirmation import CloudNotConfirmed
from ..documents import JSONObject
from ..personal_cloud import CloudNotReachable, PersonalCloud
from ..safe_text import shown
from . import BadInput, CommandError, Subparsers, emit, say
from .accounts import account_for, guarded
from .local import installed_local_cloud

STEPS = {
    "RecordInProgress": "started",
    "AnnounceStarted": "announced on the platform bus",
    "CreateOrUpdateStack": "creating or updating your stack, as your deployment role",
    "DestroyStack": "deleting your stack, through your deployment role (the stack empties its own bucket first)",
    "WaitForStack": "waiting for CloudFormation",
    "CheckStack": "looking at your stack",
    "RecordSucceeded": "recording your cloud",
    "RollBack": "rolling back: no half-built stack stays",
    "RecordFailed": "recording why it failed",
}


def register(subparsers: Subparsers) -> None:
    cloud = subparsers.add_parser("cloud", help="your own cloud, in your own AWS account")
    commands = cloud.add_subparsers(dest="cloud_command", metavar="COMMAND", required=True)

    connect = commands.add_parser("connect", help="connect your AWS account: your ExternalId and the bootstrap stack")
    connect.add_argument("--role-arn", help="the DeploymentRoleArn output of the imegha-bootstrap stack you launched")
    connect.add_argument(
        "--local", action="store_true", help="on the local cloud: play your part in a fresh simulated AWS account"
    )
    connect.set_defaults(handler=connect_command)

    deploy = commands.add_parser("deploy", help="deploy your cloud, or update it to the platform's current release")
    deploy.add_argument(
        "--alarm-email", metavar="EMAIL", help="where your cloud's alarms go from now on (AWS emails it to confirm)"
    )
    for command in (connect, deploy):
        command.add_argument(
            "--region",
            metavar="REGION",
            help="the AWS region your cloud stands in, its data with it (one the platform offers: 'imegha cloud "
            "status' lists them); the bootstrap stack is launched there. A cloud is not moved: destroy it first",
        )
    destroy = commands.add_parser(
        "destroy", help="delete your cloud, its files and messages with it (the right to erasure)"
    )
    destroy.add_argument("--yes", action="store_true", help="confirm: everything in your cloud is deleted")
    status = commands.add_parser("status", help="how your cloud stands; follows a deployment under way")
    for command, handler in ((deploy, deploy_command), (destroy, destroy_command), (status, status_command)):
        command.add_argument("--no-follow", action="store_true", help="do not wait for a deployment under way")
        command.set_defaults(handler=handler)
    for command in (connect, deploy, destroy, status):
        command.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.add_argument(
            "--aws-profile",
            metavar="NAME",
            help="your own AWS credentials (a profile of the AWS CLI): your device checks with them that the cloud "
            "it signs into your key statement is your stack (remembered from 'connect')",
        )
        command.add_argument("--profile", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _cloud(args: argparse.Namespace) -> PersonalCloud:
    return PersonalCloud(account_for(args), aws_profile=args.aws_profile)


@guarded
def connect_command(args: argparse.Namespace) -> None:
    if args.local and args.role_arn:
        raise BadInput("--local makes the deployment role itself: give --role-arn only for a real AWS account")
    if args.role_arn and args.region and not args.role_arn.endswith(f":role/imegha-deployment-{args.region}"):
        raise BadInput(
            f"that role is not for {args.region}: launch the bootstrap stack in {args.region} and give the role it made"
        )
    cloud = _cloud(args)
    try:
        if args.local:
            connected = cloud.connect_local(installed_local_cloud().bootstrap_account, args.region)
        elif args.role_arn:
            connected = cloud.connect(args.region) | cloud.record_role(args.role_arn)
        else:
            connection = cloud.connect(args.region)
            emit(args, connection, lambda: _bootstrap_instructions(connection))
            return
    except CloudNotReachable as error:
        raise CommandError(str(error)) from None
    emit(
        args,
        connected,
        f"Connected: the platform deploys your cloud into AWS account {connected['accountId']}, region "
        f"{connected['region']}, as {connected['roleArn']}, presenting your ExternalId.\n"
        f"Next: 'imegha cloud deploy --region {connected['region']}'.",
    )


def _bootstrap_instructions(connection: JSONObject) -> str:
    overrides = " ".join(
        f"{name}={connection[key]}"
        for name, key in (
            ("PlatformAccountId", "platformAccountId"),
            ("PlatformRegion", "platformRegion"),
            ("ExternalId", "externalId"),
        )
    )
    region = connection["region"]
    stack = connection["bootstrapStackName"]
    role_query = "Stacks[0].Outputs[?OutputKey=='DeploymentRoleArn'].OutputValue"
    # Outside iMegha's source tree the template is the release's user-cloud/bootstrap-role.yaml.
    template = connection["bootstrapTemplate"] or "bootstrap-role.yaml"
    return "\n".join(
        [
            f"Your ExternalId: {connection['externalId']}",
            "It is yours alone: the platform presents it whenever it deploys into your account, and your",
            "deployment role accepts no other (so no one else can have the platform deploy into it).",
            "",
            f"Your cloud stands in the region you launch the bootstrap stack in, with everything it holds: {region}",
            f"(the platform offers {', '.join(connection['regions'])}; choose with --region).",
            "",
            f"1. In your AWS account, region {region}, launch the bootstrap stack ({template}):",
            f"   aws cloudformation deploy --region {region} --stack-name {stack} --capabilities CAPABILITY_NAMED_IAM \\",
            f"     --template-file {shlex.quote(template)} \\",
            f"     --parameter-overrides {overrides}",
            "2. Give the platform the role it made:",
            f'   imegha cloud connect --role-arn "$(aws cloudformation describe-stacks --region {region} \\',
            f'     --stack-name {stack} --query "{role_query}" --output text)"',
            f"3. imegha cloud deploy --region {region}",
        ]
        + ([f"\nConnected already: {connection['roleArn']}"] if connection.get("roleArn") else [])
    )


def _follow(args: argparse.Namespace, cloud: PersonalCloud, deployment_id: str) -> JSONObject:
    def report(step: JSONObject) -> None:
        if not args.json and step["step"] in STEPS:
            say(
                f"  {shown(step['at'][11:19])}  {STEPS[step['step']]}"
                + (f" ({shown(step['error'])})" if step.get("error") else ""),
                flush=True,
            )

    try:
        return cloud.follow(deployment_id, report)
    except CloudNotConfirmed as error:
        raise _unsigned(error) from None
    except KeyboardInterrupt:
        say("Stopped following; the deployment goes on: 'imegha cloud status' follows it again.", file=sys.stderr)
        raise


def _finish(args: argparse.Namespace, deployment: JSONObject, done: str | Callable[[], str]) -> None:
    if deployment["status"] == "FAILED":
        if args.json:
            emit(args, deployment, "")
        raise CommandError(f"the {deployment['action']} failed: {deployment.get('reason', 'no reason recorded')}")
    if deployment["status"] != "SUCCEEDED":
        emit(args, deployment, f"Still {deployment['status']}: 'imegha cloud status' follows it.")
        return
    emit(args, deployment, done)


def _run(args: argparse.Namespace, action: str, done: Callable[[JSONObject], str]) -> None:
    cloud = _cloud(args)
    requested = cloud.request(action, getattr(args, "alarm_email", None), getattr(args, "region", None))
    if not args.json:
        say(
            f"{action.capitalize()} {shown(requested['deploymentId'])} requested, in {shown(requested['region'])}.",
            flush=True,
        )
    if args.no_follow:
        emit(args, requested, "'imegha cloud status' follows it.")
        return
    deployment = _follow(args, cloud, requested["deploymentId"])
    _finish(args, deployment, lambda: done(deployment))


@guarded
def deploy_command(args: argparse.Namespace) -> None:
    _run(
        args,
        "deploy",
        lambda d: (
            f"Your cloud is {d['stackStatus']} in AWS account {d['cloudAccountId']}, region {d['region']}.\n"
            f"  API     {d['cloudApiUrl']}   (confirmed yours and signed into your key statement)\n"
            f"  Bucket  {d['bucketName']}\n  Table   {d['tableName']}"
        ),
    )


@guarded
def destroy_command(args: argparse.Namespace) -> None:
    if not args.yes:
        raise BadInput("this deletes your cloud with every file and message in it: run it again with --yes")
    _run(
        args, "destroy", lambda d: "Your cloud is gone: its bucket, table and functions are deleted from your account."
    )


@guarded
def status_command(args: argparse.Namespace) -> None:
    cloud = _cloud(args)
    try:
        status = cloud.status()
    except CloudNotConfirmed as error:
        raise _unsigned(error) from None
    last = status.get("lastDeployment") or {}
    if status.get("activeDeploymentId") and not args.no_follow:
        if not args.json:
            say(
                f"{last.get('action', 'deployment').capitalize()} {shown(status['activeDeploymentId'])} is under way:",
                flush=True,
            )
        status["lastDeployment"] = _follow(args, cloud, status["activeDeploymentId"])
        status = cloud.status()
    emit(args, status, lambda: _describe(status))


def _unsigned(error: CloudNotConfirmed) -> CommandError:
    return CommandError(f"your device did not sign the cloud URL into your key statement: {error}")


def _describe(cloud: JSONObject) -> str:
    if not cloud.get("connected"):
        return "No AWS account connected yet: 'imegha cloud connect'."
    lines = [f"Connected: {cloud['roleArn']}"]
    if cloud.get("cloudApiUrl"):
        lines += [
            f"Your cloud: {cloud.get('stackStatus')} in AWS account {cloud['cloudAccountId']}, region {cloud['region']}",
            f"  API     {cloud['cloudApiUrl']}",
            f"  Bucket  {cloud['bucketName']}",
            f"  Table   {cloud['tableName']}",
        ]
    else:
        lines.append(
            "No cloud deployed"
            + (f" (stack {cloud['stackStatus']})" if cloud.get("stackStatus") else "")
            + f": 'imegha cloud deploy' deploys it in {cloud['region']}, your deployment role's region"
            + f" (offered: {', '.join(cloud['regions'])})."
        )
    last = cloud.get("lastDeployment")
    if last:
        lines.append(
            f"Last {last['action']} {last['deploymentId']}: {last['status']} at {last['updatedAt']}"
            + (f": {last['reason']}" if last.get("reason") else "")
        )
    return "\n".join(lines)
