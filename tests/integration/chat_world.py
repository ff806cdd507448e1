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
    phones: dict[str, str]
    """Each person's registered phone: the SNS mobile endpoint the doorbell publishes to."""
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
        """Every push the platform has published to the people's phones so far: the recipient, the alert and the ids
        the APNs payload carries (the local cloud keeps what reached a phone on its endpoint)."""
        from moto.sns.models import sns_backends

        platform = sns_backends[self.cloud.platform.account_id][self.cloud.region]
        self.received_pushes[:] = [
            {"recipient": self.people[name].user_id, "alert": push["aps"]["alert"]["body"], **push}
            for name, endpoint in self.phones.items()
            for push in map(json.loads, platform.platform_endpoints[endpoint].messages.values())
        ]
        return self.received_pushes


def replay_message(
    dynamodb, table: str, conversation_id: str, sequence: int, into: str, at: int, recipient: str
) -> None:
    """A sender's cloud, taken over, copies their message ``sequence`` of ``conversation_id`` into conversation
    ``into`` at sequence ``at``, for ``recipient``: a reader must refuse it."""
    original = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": f"MSG#{sequence:016d}"}}
    )["Item"]
    dynamodb.put_item(
        TableName=table,
        Item={
            **original,
            "pk": {"S": f"CONV#{into}"},
            "sk": {"S": f"MSG#{at:016d}"},
            "sequence": {"N": str(at)},
            "recipients": {"L": [{"S": recipient}]},
        },
    )


def build_world(cloud: LocalCloud, home: Path, names: tuple[str, ...]) -> World:
    endpoints = endpoints_of(cloud, home / "endpoints.json")
    people = {name: give_cloud(cloud, sign_up(endpoints, name, f"{name}'s own long password")) for name in names}
    connect_everyone(people)
    return World(cloud, people, {name: a_phone(cloud, person) for name, person in people.items()})


def a_phone(cloud: LocalCloud, person: Person) -> str:
    """An iPhone registered for ``person``; the ARN of its SNS endpoint, which the doorbell publishes to."""
    person.account.platform().register_device("iphone-0001", "apns", f"token-{person.user_id}")
    table = cloud.client("cloudformation").describe_stack_resource(
        StackName=cloud.platform_stack.name, LogicalResourceId="DeviceTokensTable"
    )["StackResourceDetail"]["PhysicalResourceId"]
    item = cloud.client("dynamodb").get_item(
        TableName=table, Key={"userId": {"S": person.user_id}, "deviceId": {"S": "iphone-0001"}}
    )["Item"]
    return item["endpointArn"]["S"]
