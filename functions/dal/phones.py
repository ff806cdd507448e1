"""Each registered device as an SNS mobile endpoint, which the doorbell publishes to directly.

No topic and no subscription: the doorbell reads a recipient's endpoints from
their devices' records and publishes to each (``dal.push``), so no filter
policy is spent per device and no quota caps how many can ring. Endpoints are
made in the SNS platform application of the device's kind (APNs or FCM) that
the operator set up with Apple's or Google's credentials; where none is
configured, the token is kept and no phone of that kind is rung.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

_EXISTING_ENDPOINT = re.compile(r"Endpoint (arn:\S+) already exists with the same Token")
APPLICATION_VARIABLES = {"apns": "APNS_PLATFORM_APPLICATION_ARN", "fcm": "FCM_PLATFORM_APPLICATION_ARN"}


@dataclass
class PhoneEndpoints:
    applications: Mapping[str, str]
    """The platform application's ARN for each kind of device ("apns", "fcm"); empty where none is configured."""
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("sns")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> PhoneEndpoints:
        return cls(
            {platform: environ.get(variable, "") for platform, variable in APPLICATION_VARIABLES.items()},
        )

    def rings(self, platform: str) -> bool:
        return bool(self.applications.get(platform))

    def connect(self, platform: str, token: str) -> dict:
        """The device's endpoint; ``{}`` where no application is configured for its kind."""
        if not self.rings(platform):
            return {}
        return {"endpointArn": self._endpoint(self.applications[platform], token)}

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
        """Delete the endpoint ``device`` rang through, unless ``keep`` still uses it (SNS hands the same endpoint
        back for the same token). Deleting succeeds on what is already gone."""
        if device.get("endpointArn") and device["endpointArn"] != (keep or {}).get("endpointArn"):
            self.client.delete_endpoint(EndpointArn=device["endpointArn"])
