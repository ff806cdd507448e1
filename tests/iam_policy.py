"""Enough of IAM's policy evaluation to ask what a policy allows: explicit deny, then allow, else deny.

Covers Action/NotAction and Resource/NotResource with IAM's case-insensitive
action wildcards and case-sensitive resource wildcards, and StringEquals /
StringLike conditions. It answers for one policy at a time, which is how a
permissions boundary bounds: what it does not allow, no grant can add.
"""

from __future__ import annotations

import re
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
    for operator, checks in conditions.items():
        for key, expected in checks.items():
            actual = context.get(key)
            if actual is None:
                return False
            if operator == "StringEquals" and actual not in _listed(expected):
                return False
            if operator == "StringLike" and not any(
                _matches(p, actual, case_sensitive=True) for p in _listed(expected)
            ):
                return False
            if operator not in ("StringEquals", "StringLike"):
                raise NotImplementedError(f"condition operator {operator}")
    return True


def allows(policy: dict, request: Request) -> bool:
    statements = _listed(policy["Statement"])
    if any(s["Effect"] == "Deny" and _applies(s, request) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _applies(s, request) for s in statements)


def substitute(value, variables: dict[str, str]):
    """Resolve ``Fn::Sub`` and ``Ref`` in a template fragment from ``variables``."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"}:
            return re.sub(r"\$\{([^}]+)\}", lambda match: variables[match.group(1)], value["Fn::Sub"])
        if set(value) == {"Ref"}:
            return variables[value["Ref"]]
        return {key: substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    return value
