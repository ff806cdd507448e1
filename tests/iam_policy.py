"""Enough of IAM's policy evaluation to ask what a role may do: explicit deny, then allow, within its boundary.

Covers Action/NotAction and Resource/NotResource with IAM's case-insensitive
action wildcards and case-sensitive resource wildcards; the condition operators
the templates use (StringEquals, StringNotEquals, StringLike, StringNotLike,
ArnEquals, ArnLike, Bool, Null, each with IfExists), with condition keys read
case-insensitively and a key the request does not carry failing a positive test
and passing a negated one, as IAM documents. :func:`allows` answers for one
policy; :func:`role_allows` for a role: some grant allows, no policy denies,
and its permissions boundary allows too (a boundary grants nothing by itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict)


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str, *, case_sensitive: bool) -> bool:
    if not case_sensitive:
        pattern, value = pattern.lower(), value.lower()
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _like(actual: str, expected: str) -> bool:
    return _matches(expected, actual, case_sensitive=True)


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringLike": _like,
    "ArnEquals": lambda actual, expected: actual == expected,
    "ArnLike": _like,
    "Bool": lambda actual, expected: actual.lower() == str(expected).lower(),
}
_NEGATED = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals"}


def _applies(statement: dict, request: Request) -> bool:
    if "Action" in statement:
        action_ok = any(_matches(p, request.action, case_sensitive=False) for p in _listed(statement["Action"]))
    else:
        action_ok = not any(_matches(p, request.action, case_sensitive=False) for p in _listed(statement["NotAction"]))
    if "Resource" in statement:
        resource_ok = any(_matches(p, request.resource, case_sensitive=True) for p in _listed(statement["Resource"]))
    else:
        resource_ok = not any(
            _matches(p, request.resource, case_sensitive=True) for p in _listed(statement["NotResource"])
        )
    return action_ok and resource_ok and _conditions_hold(statement.get("Condition", {}), request.context)


def _conditions_hold(conditions: dict, context: dict[str, str]) -> bool:
    present = {key.lower(): value for key, value in context.items()}
    return all(
        _condition_holds(operator, present.get(key.lower()), _listed(expected))
        for operator, checks in conditions.items()
        for key, expected in checks.items()
    )


def _condition_holds(operator: str, actual: str | None, expected: list) -> bool:
    if operator == "Null":
        return (actual is None) == (str(expected[0]).lower() == "true")
    base = operator.removesuffix("IfExists")
    if actual is None:
        return operator.endswith("IfExists") or base in _NEGATED
    if base in _NEGATED:
        return not any(_OPERATORS[_NEGATED[base]](actual, value) for value in expected)
    if base not in _OPERATORS:
        raise NotImplementedError(f"condition operator {operator}")
    return any(_OPERATORS[base](actual, value) for value in expected)


def denies(policy: dict, request: Request) -> bool:
    return any(s["Effect"] == "Deny" and _applies(s, request) for s in _listed(policy["Statement"]))


def allows(policy: dict, request: Request) -> bool:
    """What one policy allows: an Allow statement applies and no Deny does."""
    if denies(policy, request):
        return False
    return any(s["Effect"] == "Allow" and _applies(s, request) for s in _listed(policy["Statement"]))


def role_allows(grants: list[dict], boundary: dict | None, request: Request) -> bool:
    """What a role may do: no policy of it denies, one of its grants allows, and so does its boundary, if any."""
    if any(denies(policy, request) for policy in grants):
        return False
    return any(allows(policy, request) for policy in grants) and (boundary is None or allows(boundary, request))


def substitute(value, variables: dict[str, str]):
    """Resolve ``Fn::Sub``, ``Ref`` and ``Fn::GetAtt X.Arn`` in a template fragment from ``variables``."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda match: variables[match.group(1)], value["Fn::Sub"])
        if set(value) == {"Ref"}:
            return variables[value["Ref"]]
        if set(value) == {"Fn::GetAtt"}:
            attribute = value["Fn::GetAtt"]
            return variables[attribute if isinstance(attribute, str) else ".".join(attribute)]
        return {key: substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    return value
