"""A person's own cloud, as their device handles it: connect their AWS account, deploy, follow, destroy.

Connecting is the whitepaper's cross-account handshake: the platform makes an
ExternalId for this user; the user launches the bootstrap stack
(``user-cloud/bootstrap-role.yaml``) with it in their own AWS account; then gives
the platform the deployment role that stack made. On the local cloud,
:meth:`PersonalCloud.connect_local` plays the user's part in a fresh simulated
account, with the local cloud's own ``bootstrap_account`` (this SDK never imports
the local cloud: the caller hands it over). Once a deployment succeeds, and the URL the platform reports has answered
as the stack in the account the person connected (:mod:`.cloud_confirmation`), the device signs a new key statement
naming it and how it was confirmed, so peers can check the directory's link against the user's own word.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ProfileNotFound

from imegha_crypto import RECOVERY_COPY_FIELDS

from .accounts import Account
from .cloud_confirmation import (
    CloudNotConfirmed,
    ConnectedAccount,
    StackLookup,
    challenge,
    cloudformation_lookup,
    confirm,
    role_account,
)
from .cloud_tokens import cloud_tokens
from .documents import JSONObject
from .files_api import FilesApi
from .platform_api import PlatformApi

FINISHED = ("SUCCEEDED", "FAILED")
LAST_STEPS_S = 10.0  # how long a finished deployment's execution is followed to its last step
LOCAL_ACCOUNT = "local-aws-account"  # the profile document holding the simulated account's keys (local cloud only)
# What the person told this device about the account they connected (the platform's word is not enough: see
# cloud_confirmation): the deployment role they gave, its account and region, and the AWS profile they named, if any.
CONNECTED_ACCOUNT = "connected-aws-account"


class CloudNotReachable(Exception):
    """The person asked for something the platform or the local cloud cannot do here."""


def bootstrap_template() -> Path | None:
    """The one template a user launches in their own account, where this SDK runs from iMegha's source tree."""
    template = Path(__file__).resolve().parents[2] / "user-cloud" / "bootstrap-role.yaml"
    return template if template.is_file() else None


class PersonalCloud:
    """A person's own cloud, in their own AWS account: connect the account, deploy into it, follow, destroy.

    >>> cloud = PersonalCloud(alice)  # doctest: +SKIP
    >>> cloud.record_role(role_arn)  # the DeploymentRoleArn of the bootstrap stack  # doctest: +SKIP
    >>> cloud.follow(cloud.request("deploy")["deploymentId"])["status"]  # doctest: +SKIP
    'SUCCEEDED'
    """

    def __init__(self, account: Account, aws_profile: str | None = None):
        self.account = account
        self.aws_profile = aws_profile
        """A profile of the person's own AWS credentials, with which the device confirms its cloud's stack."""

    @property
    def _api(self) -> PlatformApi:
        return self.account.platform()

    # --- connecting -----------------------------------------------------------

    def connect(self, region: str | None = None) -> JSONObject:
        """The ExternalId (the same every time) and what the bootstrap stack needs beside it; ``region``, where the
        cloud is to stand (the bootstrap stack is launched there): one the platform offers, by default its own."""
        template = bootstrap_template()
        connection = self._api.connect_cloud()
        chosen = region or connection["platformRegion"]
        if chosen not in connection["regions"]:
            raise CloudNotReachable(
                f"iMegha does not deploy to {chosen!r}: choose one of {', '.join(connection['regions'])}"
            )
        return connection | {"bootstrapTemplate": str(template) if template else None, "region": chosen}

    def record_role(self, role_arn: str) -> JSONObject:
        recorded = self._api.record_deployment_role(role_arn)
        self.account.profile.write(
            CONNECTED_ACCOUNT,
            {
                "roleArn": role_arn,
                "accountId": role_account(role_arn),
                "region": recorded["region"],
                "awsProfile": self.aws_profile,
            },
        )
        return recorded

    def connect_local(self, bootstrap_account: Callable[..., tuple[Any, Any]], region: str | None = None) -> JSONObject:
        """The user's part played on the local cloud: a fresh account with the bootstrap stack in it, in ``region``
        (made by the local cloud's ``bootstrap_account``), its role given to the platform. The account's keys stay
        in the profile, for the person to look into their own account."""
        endpoint = self.account.endpoints.aws_endpoint_url
        if not endpoint:
            raise CloudNotReachable(
                "--local needs the local cloud ('imegha local up'); for AWS, launch the "
                "bootstrap stack in your account and pass --role-arn"
            )
        connection = self.connect(region)
        user, bootstrap = bootstrap_account(
            endpoint,
            connection["platformAccountId"],
            connection["externalId"],
            connection["region"],
            connection["platformRegion"],
        )
        role_arn = bootstrap.outputs["DeploymentRoleArn"]
        self.account.profile.write(
            LOCAL_ACCOUNT,
            {
                "accountId": user.account_id,
                "accessKeyId": user.access_key_id,
                "secretAccessKey": user.secret_access_key,
                "roleArn": role_arn,
            },
        )
        return connection | self.record_role(role_arn)

    # --- deploying ----------------------------------------------------------------

    def request(self, action: str, alarm_email: str | None = None, region: str | None = None) -> JSONObject:
        """Ask for ``action``; ``alarm_email``: where the cloud's alarms go from now on (AWS asks it to confirm);
        ``region``: where the person chose their cloud to stand (the platform refuses one it does not offer, or one
        other than their deployment role's)."""
        return self._api.request_deployment(action, alarm_email, region)

    def status(self) -> JSONObject:
        """The cloud as the platform knows it, with its latest deployment; once that has succeeded, the key
        statement is brought to say the same (a deployment not followed to its end has not signed it yet)."""
        api = self._api
        cloud = api.cloud()
        if cloud.get("lastDeploymentId"):
            cloud["lastDeployment"] = api.deployment(cloud["lastDeploymentId"])
            if cloud["lastDeployment"]["status"] == "SUCCEEDED" and not cloud.get("activeDeploymentId"):
                self._sign_cloud_url(cloud.get("cloudApiUrl"))
        return cloud

    def follow(
        self, deployment_id: str, on_step: Callable[[JSONObject], None] = lambda step: None, timeout_s: float = 7200
    ) -> JSONObject:
        """Poll the deployment until it finishes, telling ``on_step`` of each step its execution takes; then, after
        a deploy, sign the cloud's URL into the key statement (after a destroy, sign that there is none)."""
        deadline = time.monotonic() + timeout_s
        seen, pause, ended = 0, 0.1, False
        while True:
            deployment = self._api.deployment(deployment_id)
            for step in deployment.get("steps", [])[seen:]:
                on_step(step)
            seen = len(deployment.get("steps", []))
            # The record says how it ended a step or two before the execution ends: follow its last steps too, for
            # a few seconds at most (a platform that marks no last step).
            steps = deployment.get("steps") or [{"last": True}]
            if deployment["status"] in FINISHED and not ended:
                ended, deadline, pause = True, min(deadline, time.monotonic() + LAST_STEPS_S), 0.1
            if (ended and steps[-1].get("last")) or time.monotonic() > deadline:
                break
            time.sleep(pause)
            pause = min(pause * 1.5, 1.0 if ended else 5.0)
        if deployment["status"] == "SUCCEEDED":
            self._sign_cloud_url(deployment.get("cloudApiUrl") if deployment["action"] == "deploy" else None)
        return deployment

    def _sign_cloud_url(self, cloud_url: str | None) -> None:
        """Sign ``cloud_url`` once it has answered as the person's own cloud (raise :class:`CloudNotConfirmed` if
        it did not); no cloud needs no confirming."""
        me = self._api.me()
        statement = me.get("keyStatement") or {}
        signed = statement.get("body", {}).get("cloudUrl") == cloud_url
        if cloud_url is None:
            if not signed:
                self.account.publish_cloud_url(None)
            return
        tokens = cloud_tokens(self.account)
        own = self.account.live_session().user_id
        if not signed:
            nonce, answer = challenge(cloud_url, f"Bearer {tokens.token(own)}")
            self.account.publish_cloud_url(cloud_url, confirm(cloud_url, nonce, answer, self.connected_account()))
        self._keep_keys(FilesApi(cloud_url, tokens.for_cloud(own)), me["keys"])

    @staticmethod
    def _keep_keys(cloud: FilesApi, keys: JSONObject) -> None:
        """Keep the keys as the recovery phrase opens them in the person's own cloud too, unless it has them: with
        their AWS account and their 24 words, their data opens without the platform (``imegha export --from-aws``)."""
        copy = {field: keys[field] for field in RECOVERY_COPY_FIELDS}
        kept = cloud.account_keys()
        if kept is None or kept["keys"] != copy:
            cloud.keep_account_keys(copy)

    def connected_account(self) -> ConnectedAccount:
        """The account the person connected from this device, and their own view of its stacks where the device
        has one: the AWS profile they named, or the local cloud's simulated account's keys."""
        connected = self.account.profile.read(CONNECTED_ACCOUNT) or {}
        local = self.account.profile.read(LOCAL_ACCOUNT) or {}
        account_id = connected.get("accountId") or local.get("accountId")
        aws_profile = self.aws_profile or connected.get("awsProfile")
        stacks: StackLookup | None = None
        if aws_profile:
            try:
                session = boto3.Session(profile_name=aws_profile, region_name=self.account.endpoints.region)
            except ProfileNotFound:
                raise CloudNotConfirmed(f"there is no AWS profile {aws_profile!r} on this device") from None
            stacks = cloudformation_lookup(lambda region: session.client("cloudformation", region_name=region))
        elif local.get("accessKeyId") and self.account.endpoints.aws_endpoint_url:
            endpoint = self.account.endpoints.aws_endpoint_url
            stacks = cloudformation_lookup(
                lambda region: boto3.client(
                    "cloudformation",
                    endpoint_url=endpoint,
                    region_name=region,
                    aws_access_key_id=local["accessKeyId"],
                    aws_secret_access_key=local["secretAccessKey"],
                )
            )
        return ConnectedAccount(account_id, stacks)
