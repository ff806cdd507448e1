"""SNS: a mobile endpoint gets what is published to it, or through a topic it subscribes to, as its platform reads it.

moto accepts ``application`` subscriptions but delivers nothing to them, and
keeps a message published to an endpoint whole; here each gets what SNS
documents for its platform, filter policies and disabled endpoints included.
"""

from __future__ import annotations

import json

from imegha_local.shims.core import patch

# Which key of a JSON message structure each kind of platform application reads, as SNS documents it.
_PLATFORM_MESSAGE_KEYS = {"APNS": "APNS", "APNS_SANDBOX": "APNS_SANDBOX", "GCM": "GCM"}


def _sns_delivers_to_subscribed_mobile_endpoints() -> None:
    """A topic delivers to the mobile endpoints subscribed to it (protocol ``application``).

    moto accepts such subscriptions but delivers nothing to them. As AWS
    documents it, the subscription's filter policy applies as for any protocol,
    and with ``MessageStructure: json`` the endpoint gets the value under its
    platform's key (``APNS``, ``APNS_SANDBOX``, ``GCM``), else ``default``; a
    disabled endpoint gets nothing. What an endpoint received is kept where
    moto keeps what is published to an endpoint directly (``messages``), the
    local stand-in for the phone.
    """
    from moto.sns.models import Subscription, sns_backends

    @patch(Subscription, "publish")
    def publish(
        original,
        subscription,
        message,
        message_id,
        subject=None,
        message_attributes=None,
        group_id=None,
        deduplication_id=None,
        message_structure=None,
    ) -> None:
        if subscription.protocol != "application":
            return original(
                subscription,
                message,
                message_id,
                subject,
                message_attributes,
                group_id,
                deduplication_id,
                message_structure,
            )
        matcher = subscription._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return None
        region = subscription.endpoint.split(":")[3]
        endpoint = sns_backends[subscription.account_id][region].platform_endpoints.get(subscription.endpoint)
        if endpoint is None or not endpoint.enabled:
            return None
        endpoint.messages[message_id] = _as_platform_reads(endpoint, message, message_structure)
        return None


def _sns_publishes_to_a_mobile_endpoint_as_its_platform_reads_it() -> None:
    """Publishing to an endpoint's ARN with ``MessageStructure: json`` delivers the value under its platform's key.

    moto keeps the whole JSON structure as the message; SNS sends the endpoint
    the value under its platform's key (``APNS``, ``GCM``), else ``default``.
    A disabled endpoint still fails with ``EndpointDisabled``, as moto has it.
    """
    from moto.sns.models import SNSBackend

    @patch(SNSBackend, "publish")
    def publish(original, backend, message, arn=None, *args, message_structure=None, **kwargs):
        endpoint = backend.platform_endpoints.get(arn or "")
        if endpoint is not None and message_structure == "json" and endpoint.enabled:
            message, message_structure = _as_platform_reads(endpoint, message, message_structure), None
        return original(backend, message, arn, *args, message_structure=message_structure, **kwargs)


def _as_platform_reads(endpoint, message: str, message_structure: str | None) -> str:
    if message_structure != "json":
        return message
    structured = json.loads(message)
    return structured.get(_PLATFORM_MESSAGE_KEYS.get(endpoint.application.platform, ""), structured["default"])
