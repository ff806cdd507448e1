"""People with clouds of their own on the local cloud, and what the platform and AWS hold, for iMChat's tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from imegha.chat import Chat
from imegha.chat_api import UserCloudApi
from imegha.cloud_tokens import cloud_tokens
from imegha.group_chat import Groups
from imegha_local.cloud import Account, LocalCloud
from imegha_local.people import Person, connect_everyone, endpoints_of, give_cloud, sign_up


@dataclass
class World:
    cloud: LocalCloud
    people: dict[str, Person]
    push_queue: str
    texts: list[str] = field(default_factory=list)
    """Every text a test sent: none may appear in anything stored or sent."""
    received_pushes: list[dict] = field(default_factory=list)

    def chat(self, name: str) -> Chat:
        return Chat(self.people[name].account)

    def groups(self, name: str) -> Groups:
        return Groups(self.chat(name))

    def said(self, text: str) -> str:
        self.texts.append(text)
        return text

    def cloud_api(self, owner: str, as_whom: str) -> UserCloudApi:
        """``owner``'s cloud, called with ``as_whom``'s token for it."""
        return UserCloudApi(
            self.people[owner].cloud.stack.outputs["CloudApiUrl"],
            cloud_tokens(self.people[as_whom].account).for_cloud(self.people[owner].user_id),
        )

    def own_account(self, name: str) -> Account:
        """The AWS account of ``name``'s cloud, as its owner (or whoever took it over) can use it."""
        return self.people[name].cloud.account

    def table_of(self, name: str) -> str:
        return self.people[name].cloud.stack.outputs["TableName"]

    def inbox(self, name: str) -> list[dict]:
        return self.chat(name).platform.notifications(limit=200)["notifications"]

    def pushes(self) -> list[dict]:
        """Every push the platform has published so far, as a subscribed device endpoint would receive it."""
        sqs = self.cloud.client("sqs")
        received = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=self.push_queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                break
            received += batch
            sqs.delete_message_batch(
                QueueUrl=self.push_queue,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]} for index, message in enumerate(batch)
                ],
            )
        self.received_pushes += [json.loads(message["Body"]) for message in received]
        return self.received_pushes


def build_world(cloud: LocalCloud, home: Path, names: tuple[str, ...]) -> World:
    endpoints = endpoints_of(cloud, home / "endpoints.json")
    people = {name: give_cloud(cloud, sign_up(endpoints, name, f"{name}'s own long password")) for name in names}
    connect_everyone(people)
    return World(cloud, people, subscribe_a_device(cloud))


def subscribe_a_device(cloud: LocalCloud) -> str:
    """An SQS queue subscribed to the push topic, standing in for the device endpoints SNS would deliver to."""
    sqs = cloud.client("sqs")
    queue = sqs.create_queue(QueueName="a-device")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    cloud.client("sns").subscribe(
        TopicArn=cloud.platform_stack.outputs["PushNotificationsTopicArn"], Protocol="sqs", Endpoint=queue_arn
    )
    return queue
