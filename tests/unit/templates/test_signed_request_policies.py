"""Who may touch the nonces of signed requests, and what checking a signature lets a function do to the directory:
the directory function issues nonces, the three functions that check signatures use them up, and the deployments
function reads the directory's key statements without being able to write a byte of it."""

from __future__ import annotations

import json

from imegha_local.templates import load_template
from tests.conftest import ROOT

FUNCTIONS = {
    name: resource["Properties"]
    for name, resource in load_template(ROOT / "template.yaml")["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}


def listed(value) -> list:
    return value if isinstance(value, list) else [value]


def actions_on(table: str) -> dict[str, set[str]]:
    """Per function, the actions its scoped statements allow on ``table``; a SAM policy template naming the table
    counts as the template's name."""
    granted: dict[str, set[str]] = {}
    for name, properties in FUNCTIONS.items():
        for policy in properties.get("Policies", []):
            for kind, body in policy.items():
                if kind != "Statement":
                    if table in json.dumps(body):
                        granted.setdefault(name, set()).add(kind)
                    continue
                for statement in listed(body):
                    if statement["Effect"] == "Allow" and table in json.dumps(statement["Resource"]):
                        granted.setdefault(name, set()).update(listed(statement["Action"]))
    return granted


def test_only_the_directory_function_issues_nonces_and_only_the_checking_functions_use_them_up():
    assert actions_on("RequestNoncesTable") == {
        "DirectoryFunction": {"dynamodb:PutItem", "dynamodb:DeleteItem"},
        "DeploymentsFunction": {"dynamodb:DeleteItem"},
        "LeaveFunction": {"dynamodb:DeleteItem"},
    }


def test_the_deployments_function_reads_key_statements_and_cannot_write_the_directory():
    assert actions_on("DirectoryTable")["DeploymentsFunction"] == {"dynamodb:GetItem"}


def test_both_checking_functions_know_the_nonces_table():
    for name in ("DirectoryFunction", "DeploymentsFunction", "LeaveFunction"):
        assert FUNCTIONS[name]["Environment"]["Variables"]["REQUEST_NONCES_TABLE_NAME"] == {"Ref": "RequestNoncesTable"}
