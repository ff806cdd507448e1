import sys
import uuid

import boto3
import pytest
from moto import mock_aws

from tests.aws_tables import create_tables
from tests.conftest import ROOT

# The platform's Lambdas share one CodeUri; its packages (dal, logic, handlers) import as Lambda would see them.
sys.path.insert(0, str(ROOT / "functions"))


@pytest.fixture
def platform_tables(monkeypatch):
    with mock_aws():
        tables = create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")
        monkeypatch.setenv("DIRECTORY_TABLE_NAME", tables["DirectoryTable"])
        monkeypatch.setenv("CONNECTIONS_TABLE_NAME", tables["ConnectionsTable"])
        monkeypatch.setenv("DEVICE_TOKENS_TABLE_NAME", tables["DeviceTokensTable"])
        yield tables


@pytest.fixture
def stores(platform_tables):
    from dal.connections import ConnectionsStore
    from dal.devices import DeviceStore
    from dal.directory import DirectoryStore

    return (
        DirectoryStore(platform_tables["DirectoryTable"]),
        ConnectionsStore(platform_tables["ConnectionsTable"]),
        DeviceStore(platform_tables["DeviceTokensTable"]),
    )


@pytest.fixture(scope="module")
def tables_made_once():
    """The platform's tables, once for a module (moto's start is the slow part), for a module whose tests keep apart
    by users or tags of their own; it asks for them as its ``platform_tables``."""
    with mock_aws():
        yield create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")


@pytest.fixture
def me() -> str:
    """A user of this test's own."""
    return f"user-{uuid.uuid4()}"
