"""Each registered device as an SNS mobile endpoint, subscribed to the platform's push topic for its owner alone.

The doorbell publishes every push once, to the topic, naming the recipient in
a message attribute; each device's subscription lets through only what names
its owner (filter policy ``{"recipient": [userId]}``). Endpoints are made in
the SNS platform application of the device's kind (APNs or FCM) that the
operator set up with Apple's or Google's credentials; where none is
configured, the token is kept and no phone of that kind is rung.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

logger = Logger()

_EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:\S+) already exists with the same Token")
APPLICATION_VARIABLES = {"apns": "APNS_PLATFORM_APPLICATION_ARN", "fcm": "FCM_PLATFORM_APPLICATION_ARN"}


@dataclass
class PhoneEndpoints:
    topic_arn: str
    applications: Mapping[str, str]
    """The platform application's ARN for each kind of device ("apns", "fcm"); empty where none is configured."""
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("sns")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> PhoneEndpoints:
        return cls(
            environ["PUSH_TOPIC_ARN"],
            {platform: environ.get(variable, "") for platform, variable in APPLICATION_VARIABLES.items()},
        )

    def rings(self, platform: str) -> bool:
        return bool(self.applications.get(platform))

    def connect(self, user_id: str, platform: str, token: str) -> dict:
        """The device's endpoint and its owner's subscription; ``{}`` where no application is configured, or when
        the account has used up its filter policies (the device is kept, and the operator is told by the log)."""
        if not self.rings(platform):
            return {}
        endpoint = self._endpoint(self.applications[platform], token)
        try:
            subscription = self.client.subscribe(
                TopicArn=self.topic_arn,
                Protocol="application",
                Endpoint=endpoint,
                ReturnSubscriptionArn=True,
                Attributes={"FilterPolicy": json.dumps({"recipient": [user_id]})},
            )["SubscriptionArn"]
        except BaseException as error:
            self.disconnect({"endpointArn": endpoint})
            if isinstance(error, ClientError) and error.response["Error"]["Code"] == "FilterPolicyLimitExceeded":
                logger.error("SNS filter policies used up: this device is kept but not rung until AWS raises the quota")
                return {}
            raise
        return {"endpointArn": endpoint, "subscriptionArn": subscription}

    def _endpoint(self, application: str, token: str) -> str:
        """The token's endpoint, made, or the one SNS has for it already, enabled again.

        SNS disables an endpoint when Apple or Google says its token stopped
        working, and then refuses to make it again "with different attributes",
        naming it in the error: as SNS's token-management guide does, take that
        endpoint and enable it (the device registering is its token working).
        """
        try:
            return self.client.create_platform_endpoint(PlatformApplicationArn=application, Token=token)["EndpointArn"]
        except ClientError as error:
            existing = _EXISTING_ENDPOINT.search(error.response["Error"].get("Message", ""))
            if error.response["Error"]["Code"] != "InvalidParameter" or existing is None:
                raise
        self.client.set_endpoint_attributes(EndpointArn=existing.group(1), Attributes={"Enabled": "true"})
        return existing.group(1)

    def disconnect(self, device: Mapping[str, str], keep: Mapping[str, str] | None = None) -> None:
        """Unsubscribe and delete what ``device`` was connected by, but what ``keep`` still uses (SNS hands the
        same endpoint and subscription back for the same token). Both calls succeed on what is already gone."""
        keep = keep or {}
        if device.get("subscriptionArn") and device["subscriptionArn"] != keep.get("subscriptionArn"):
            try:
                self.client.unsubscribe(SubscriptionArn=device["subscriptionArn"])
            except ClientError as error:
                if error.response["Error"]["Code"] != "NotFound":
                    raise
        if device.get("endpointArn") and device["endpointArn"] != keep.get("endpointArn"):
            self.client.delete_endpoint(EndpointArn=device["endpointArn"])
