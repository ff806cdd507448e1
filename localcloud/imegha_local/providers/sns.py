"""SNS: ``AWS::SNS::TopicPolicy``, which moto cannot make, and ``AWS::SNS::Subscription`` with its attributes.

moto's own subscription model keeps no ``FilterPolicy``, ``RawMessageDelivery``
or ``RedrivePolicy``; here each is set as SetSubscriptionAttributes would.
"""

from __future__ import annotations

import json

from imegha_local.providers.base import PolicyOnEach, Provider


class TopicPolicy(PolicyOnEach):
    TYPE = "AWS::SNS::TopicPolicy"
    TARGETS = "Topics"

    @classmethod
    def set_policy(cls, account_id, region, target, document):
        from moto.sns.models import sns_backends

        sns_backends[account_id][region].set_topic_attribute(target, "Policy", document)


class Subscription(Provider):
    TYPE = "AWS::SNS::Subscription"
    ATTRIBUTES = ("Arn",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        from moto.sns.models import sns_backends

        backend = sns_backends[account_id][region]
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for attribute in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy"):
            if attribute in properties:
                value = properties[attribute]
                backend.set_subscription_attributes(
                    subscription.arn,
                    attribute,
                    json.dumps(value)
                    if isinstance(value, dict)
                    else str(value).lower()
                    if isinstance(value, bool)
                    else str(value),
                )
        return cls(subscription.arn, account_id, region, {"Arn": subscription.arn})

    def delete(self, account_id, region):
        from moto.sns.models import sns_backends

        sns_backends[account_id][region].unsubscribe(self.physical_resource_id)
