"""People on the local cloud, each with an account and a cloud of their own: for the demo, benchmarks and tests.

Signing up goes through the SDK as a device would. A person's cloud is deployed
with :meth:`LocalCloud.deploy_user_cloud`, then linked as the platform's deploy
state machine links it when it finishes: the directory records the cloud's API
and AWS account (whose events then speak for the person), the platform bus lets
that account put events, and the person signs a key statement naming the cloud.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from imegha import accounts
from imegha.accounts import Account
from imegha.endpoints import Endpoints
from imegha.platform_api import PlatformApi, RequestSigner
from imegha.profile import Profile
from imegha_crypto import NewAccount, create_account, sign_key_statement
from imegha_local.cloud import Account as AwsAccount
from imegha_local.cloud import LocalCloud, UserCloud


@dataclass
class Person:
    imtag: str
    account: Account
    cloud: UserCloud | None = None

    @property
    def user_id(self) -> str:
        return self.account.session.user_id


def endpoints_of(cloud: LocalCloud, state_file: Path) -> Endpoints:
    cloud.state().save(state_file)
    return Endpoints.from_file(state_file)


@contextlib.contextmanager
def platform_of_its_own(
    prefix: str, parameters: dict[str, str] | None = None
) -> Iterator[tuple[LocalCloud, Endpoints, Path]]:
    """A local cloud with the platform deployed (with ``parameters`` for its template), in a temporary home that
    ``IMEGHA_HOME`` points at, until the block ends: for a demo chapter or a benchmark running in a process of its
    own. Yields the home too."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        home = Path(name)
        os.environ["IMEGHA_HOME"] = name
        with LocalCloud(0, home=home / "cloud") as cloud:
            cloud.deploy_platform(parameters=parameters)
            yield cloud, endpoints_of(cloud, home / "endpoints.json"), home


def sign_up(endpoints: Endpoints, imtag: str, password: str) -> Person:
    """``imtag`` signs up in a profile of the same name (under ``IMEGHA_HOME``); the local pool takes any code."""
    account = Account(Profile.named(imtag), endpoints)
    account.sign_up(f"{imtag.lower()}@example.org", password, imtag, lambda: "000000")
    return Person(imtag, account)


def first_keys(user_id: str, password: str, iterations: int | None = None) -> tuple[NewAccount, dict]:
    """What a device makes once a sign-up is confirmed: the account's keys, and the first key statement naming them
    (``iterations``: the password derivation's, the SDK's own by default)."""
    account = create_account(user_id, password, iterations=iterations or accounts.KDF_ITERATIONS)
    statement = sign_key_statement(
        account.keys.identity_key,
        user_id=user_id,
        exchange_key=account.keys.exchange_key.public_key,
        cloud_url=None,
        sequence=1,
    )
    return account, statement


def upload_first_keys(api: PlatformApi, password: str, iterations: int | None = None) -> PlatformApi:
    """A device's part after a sign-up, for a person with no profile (a raw Cognito sign-up): their first keys and
    statement uploaded; returns the API that signs what cannot be undone with the identity key it uploaded."""
    user_id = api.me()["userId"]
    account, statement = first_keys(user_id, password, iterations)
    api.upload_keys(0, account.bundle, statement)
    return replace(api, signer=RequestSigner(user_id, lambda: account.keys.identity_key))


def give_cloud(cloud: LocalCloud, person: Person) -> Person:
    """Deploy ``person``'s cloud in an account of their own and link it as the deploy state machine does."""
    person.cloud = cloud.deploy_user_cloud(owner=person.user_id)
    link_user_cloud(cloud, person.user_id, person.cloud)
    person.account.publish_cloud_url(person.cloud.stack.outputs["CloudApiUrl"])
    return person


def connect_everyone(people: dict[str, Person]) -> None:
    """Make each of ``people`` every other's connection (asked and accepted), so the doorbell rings for their
    messages: a stranger's message waits as a request."""
    for asking, asked in itertools.combinations(people, 2):
        people[asking].account.connect(asked)
        people[asked].account.accept(asking)


def link_user_cloud(cloud: LocalCloud, owner: str, user_cloud: UserCloud) -> None:
    """Record ``owner``'s cloud in the directory: its account is the one whose doorbell rings the platform believes."""
    platform = cloud.platform_stack
    directory = cloud.client("cloudformation").describe_stack_resource(
        StackName=platform.name, LogicalResourceId="DirectoryTable"
    )["StackResourceDetail"]["PhysicalResourceId"]
    account_id = user_cloud.account.account_id
    cloud.client("dynamodb").update_item(
        TableName=directory,
        Key={"pk": {"S": f"USER#{owner}"}},
        UpdateExpression="SET cloudApiUrl = :url, cloudAccountId = :account",
        ExpressionAttributeValues={
            ":url": {"S": user_cloud.stack.outputs["CloudApiUrl"]},
            ":account": {"S": account_id},
        },
    )


def everything_held(cloud: LocalCloud, accounts: list[AwsAccount]) -> str:
    """Every item of every DynamoDB table and every message waiting in every queue of ``accounts``, and the local
    cloud's log, as text: what whoever runs the platform or a cloud could read."""
    dumped = [cloud.log_path.read_text()]
    for account in accounts:
        dynamodb, sqs = cloud.client("dynamodb", account), cloud.client("sqs", account)
        for table in dynamodb.list_tables()["TableNames"]:
            for page in dynamodb.get_paginator("scan").paginate(TableName=table):
                dumped += [json.dumps(item, ensure_ascii=False) for item in page["Items"]]
        for queue in sqs.list_queues().get("QueueUrls", []):
            messages = sqs.receive_message(
                QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
            ).get("Messages", [])
            dumped += [json.dumps(message, ensure_ascii=False) for message in messages]
    return "\n".join(dumped)
