"""How AWS reads a policy statement, as far as the shims need it: its actions, resources, principals and conditions.

Not a shim: moto evaluates no trust policy, and reads a bucket policy's
conditions as failing, so the shims that restore AssumeRole's trust policies
(:mod:`.sts`), a Lambda's and CloudFormation's role checks (:mod:`.lambda_`,
:mod:`.cloudformation`), bucket policies (:mod:`.s3`), event buses' resource
policies (:mod:`.eventbridge`) and a cross-account role's own policies
(:mod:`.iam`) judge statements here, as IAM documents its policy evaluation. A
condition on a key or with an operator this module does not know counts as
unmet where it would allow (the local cloud refuses rather than guesses), and
as holding where only a refusal is sure (:func:`could_allow`).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from imegha_local.shims.core import PARTITION


@dataclass(frozen=True)
class Principal:
    """Who asks to assume a role: an AWS identity (account and ARN) or a service."""

    account: str | None = None
    arn: str | None = None
    role_arn: str | None = None  # for an assumed-role session: the role behind it
    service_name: str | None = None

    @classmethod
    def service(cls, name: str) -> Principal:
        return cls(service_name=name)

    @property
    def described(self) -> str:
        return self.arn or self.service_name or "anonymous"


def trust_refusal(
    role_arn: str, principal: Principal, external_id: str | None = None, source_account: str | None = None
) -> str | None:
    """Why the role's trust policy refuses ``principal``, or None when it allows it; ``source_account`` is the
    account a service assumes the role for (``aws:SourceAccount``), where it says."""
    from moto.iam.models import iam_backends

    match = re.fullmatch(rf"arn:{PARTITION}:iam::(\d{{12}}):role/.+", role_arn or "")
    if not match:
        return f"{role_arn!r} is not a role ARN"
    try:
        role = iam_backends[match.group(1)][PARTITION].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its own NotFound types
        return "the role does not exist"
    policy = role.assume_role_policy_document
    document = json.loads(policy) if isinstance(policy, str) else policy
    context = {
        "sts:externalid": external_id,
        "aws:principalaccount": principal.account,
        "aws:principalarn": principal.arn,
        "aws:sourceaccount": source_account,
    }
    refusal = "no statement of the trust policy allows the caller"
    allowed = False
    for statement in _statements(document):
        if not matches_action(statement.get("Action"), "sts:AssumeRole"):
            continue
        if "NotPrincipal" in statement or not names_principal(statement.get("Principal"), principal):
            continue
        unmet = unmet_condition(statement.get("Condition") or {}, context)
        if unmet:
            refusal = unmet
            continue
        if statement.get("Effect") == "Deny":
            return "an explicit Deny in the trust policy"
        allowed = True
    return None if allowed else refusal


def trusts_another_account(document: dict, account: str) -> bool:
    """Whether a trust policy lets a principal of an account other than ``account`` assume the role."""
    for statement in _statements(document):
        if statement.get("Effect") != "Allow" or not matches_action(statement.get("Action"), "sts:AssumeRole"):
            continue
        principals = statement.get("Principal")
        values = ["*"] if principals == "*" else (principals or {}).get("AWS", [])
        for value in [values] if isinstance(values, str) else values:
            named = re.fullmatch(rf"(?:arn:{PARTITION}:iam::)?(\d{{12}})(?::.*)?", value)
            if value == "*" or (named and named.group(1) != account):
                return True
    return False


def could_allow(documents: list[dict], action: str, resource: str) -> bool:
    """Whether some Allow statement of ``documents`` could allow ``action`` on ``resource``, its conditions taken to
    hold; a resource of ``*`` (one the caller cannot name) is matched by any statement's resources."""
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                acts = not matches_action(statement["NotAction"], action)
            else:
                acts = matches_action(statement.get("Action"), action)
            if resource == "*":
                reaches = True
            elif "NotResource" in statement:
                reaches = not matches_resource(statement["NotResource"], resource)
            else:
                reaches = matches_resource(statement.get("Resource"), resource)
            if acts and reaches:
                return True
    return False


def _statements(document: dict) -> list[dict]:
    statements = document.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def matches_action(actions: Any, action: str) -> bool:
    actions = [actions] if isinstance(actions, str) else actions or []
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)


def matches_resource(resources: Any, resource: str) -> bool:
    resources = [resources] if isinstance(resources, str) else resources or []
    return any(fnmatch.fnmatchcase(resource, pattern) for pattern in resources)


def names_principal(principals: Any, principal: Principal) -> bool:
    if principals == "*":
        return True
    for kind, values in (principals or {}).items():
        for value in [values] if isinstance(values, str) else values:
            if kind == "Service" and value == principal.service_name:
                return True
            if kind == "AWS" and principal.account and _names_aws_identity(value, principal):
                return True
    return False


def _names_aws_identity(value: str, principal: Principal) -> bool:
    if value == "*":
        return True
    if value in (principal.account, f"arn:{PARTITION}:iam::{principal.account}:root"):
        return True
    return value in (principal.arn, principal.role_arn)


_STRING_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "Bool": lambda actual, expected: actual.lower() == str(expected).lower(),
    "StringEquals": lambda actual, expected: actual == expected,
    "StringNotEquals": lambda actual, expected: actual != expected,
    "StringEqualsIgnoreCase": lambda actual, expected: actual.lower() == expected.lower(),
    "StringLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
    "StringNotLike": lambda actual, expected: not fnmatch.fnmatchcase(actual, expected),
}


def unmet_condition(conditions: dict, context: dict[str, str | None]) -> str | None:
    """The first condition of a statement that does not hold, described; None when all hold."""
    for operator, tests in conditions.items():
        base = operator.removesuffix("IfExists")
        if base not in _STRING_OPERATORS:
            return f"condition operator {operator} is not evaluated by the local cloud"
        for key, expected in tests.items():
            if key.lower() not in context:
                return f"condition key {key} is not evaluated by the local cloud"
            actual = context[key.lower()]
            if actual is None:
                if operator.endswith("IfExists") or base.startswith("StringNot"):
                    continue
                return f"the request has no {key}"
            expected_values = [expected] if isinstance(expected, str) else expected
            negated = base.startswith("StringNot")
            check = _STRING_OPERATORS[base]
            holds = (
                all(check(actual, value) for value in expected_values)
                if negated
                else any(check(actual, value) for value in expected_values)
            )
            if not holds:
                return f"{key} does not satisfy {operator}"
    return None
