"""SQS: ``AWS::SQS::QueuePolicy``, which moto's CloudFormation cannot make, set on each queue it names."""

from __future__ import annotations

from imegha_local.providers.base import PolicyOnEach


class QueuePolicy(PolicyOnEach):
    TYPE = "AWS::SQS::QueuePolicy"
    TARGETS = "Queues"

    @classmethod
    def set_policy(cls, account_id, region, target, document):
        from moto.sqs.models import sqs_backends

        sqs_backends[account_id][region].set_queue_attributes(target.rsplit("/", 1)[-1], {"Policy": document})
