"""SNS on the local cloud, as AWS documents it: a topic delivers to the mobile endpoints subscribed to it, each as its
platform reads the message, as far as their filter policies let it through."""

from __future__ import annotations

import json
import uuid


def test_a_topic_delivers_to_the_mobile_endpoints_its_filter_policies_let_through(local_cloud):
    from moto.sns.models import sns_backends

    sns = local_cloud.client("sns")
    apns = sns.create_platform_application(Name="phones", Platform="APNS", Attributes={})["PlatformApplicationArn"]
    topic = sns.create_topic(Name=f"pushes-{uuid.uuid4().hex[:8]}")["TopicArn"]
    phones = {}
    for person in ("asha", "ben"):
        phones[person] = sns.create_platform_endpoint(PlatformApplicationArn=apns, Token=f"{person}-token-0123456789")[
            "EndpointArn"
        ]
        sns.subscribe(
            TopicArn=topic,
            Protocol="application",
            Endpoint=phones[person],
            ReturnSubscriptionArn=True,
            Attributes={"FilterPolicy": json.dumps({"recipient": [person]})},
        )

    sns.publish(
        TopicArn=topic,
        MessageStructure="json",
        Message=json.dumps({"default": "for anyone", "APNS": json.dumps({"aps": {"alert": "for an iPhone"}})}),
        MessageAttributes={"recipient": {"DataType": "String", "StringValue": "asha"}},
    )

    received = {
        person: list(
            sns_backends[local_cloud.platform.account_id][local_cloud.region].platform_endpoints[arn].messages.values()
        )
        for person, arn in phones.items()
    }
    assert received == {"asha": [json.dumps({"aps": {"alert": "for an iPhone"}})], "ben": []}
