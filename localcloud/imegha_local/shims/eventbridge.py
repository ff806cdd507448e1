"""EventBridge: rules deliver to Lambda, SNS and Step Functions targets, and buses take events other accounts may send.

moto delivers matched events to log groups, archives, SQS queues and other buses
only (PutEvents fails for any other target), and looks every bus up in the
caller's own account. As in AWS, a rule's Lambda, SNS and state machine targets
receive what it matches, shaped by ``Input``, ``InputPath`` or
``InputTransformer``; and an event sent to another account's bus lands there if
that bus's resource policy allows the sender's account, carrying the sender's
account.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from contextvars import ContextVar
from typing import Any

from imegha_local.shims.core import PARTITION, active, patch
from imegha_local.shims.lambda_ import invoked_by
from imegha_local.shims.policies import Principal, matches_action, names_principal, unmet_condition


def _eventbridge_delivers_to_lambda_sns_and_step_functions() -> None:
    """A rule's Lambda, SNS and Step Functions targets receive the events it matches.

    moto delivers matched events to log groups, archives, SQS queues and other
    buses only, and raises NotImplementedError (failing PutEvents) for any other
    target. As in AWS: a Lambda target is invoked asynchronously with the event,
    an SNS target gets it as the message, a state machine target starts an
    execution with it as input; ``Input``, ``InputPath`` and ``InputTransformer``
    shape what is delivered, and ``time`` is an ISO 8601 timestamp. Delivery is at
    least once and in no promised order, which the injected faults
    ``duplicate_events`` and ``reorder_events`` make happen (:mod:`imegha_local.faults`).
    """
    from moto.events.models import EventTemplateParser, Rule

    deliverers = {"lambda": _deliver_to_lambda, "sns": _deliver_to_sns, "states": _deliver_to_state_machine}

    @patch(Rule, "send_to_targets")
    def send_to_targets(original, rule, event, transform_input=True):
        ours = [target for target in rule.targets if target["Arn"].split(":")[2] in deliverers]
        if len(ours) < len(rule.targets):
            others = _copy_with_targets(rule, [target for target in rule.targets if target not in ours])
            original(others, event, transform_input)
        if not ours or not rule.event_pattern.matches_event(event):
            return
        delivered = {key: value for key, value in event.items() if key != "ingestion-time"}
        if isinstance(delivered.get("time"), int | float):
            delivered["time"] = dt.datetime.fromtimestamp(delivered["time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for target in ours:
            payload = _target_input(target, delivered, EventTemplateParser)
            deliverers[target["Arn"].split(":")[2]](target["Arn"], payload)


_event_sender: ContextVar[str | None] = ContextVar("event_sender", default=None)


def _eventbridge_takes_events_from_the_accounts_its_bus_policy_names() -> None:
    """PutEvents to another account's bus (named by ARN) lands there if that bus's policy allows the sender's account.

    moto looks every bus up in the caller's own account, so an event a user's
    cloud sends to the platform's bus fails with ResourceNotFoundException. As in
    AWS: the bus's resource policy (``PutPermission``) must allow
    ``events:PutEvents`` to the sender's account, or the whole call fails with
    AccessDeniedException; a delivered event's ``account`` is the sender's, which
    is what lets a consumer, or a rule's ``account`` pattern, tell who sent it.
    """
    from moto.core.exceptions import JsonRESTError
    from moto.events.models import EventsBackend, Rule, events_backends

    @patch(EventsBackend, "put_events")
    def put_events(original, backend, events):
        buses = [_other_accounts_bus(backend, event.get("EventBusName")) for event in events]
        if not any(buses):
            return original(backend, events)
        for event, bus in zip(events, buses, strict=True):
            if bus and not _bus_policy_allows(bus.policy, backend.account_id):
                raise JsonRESTError(
                    "AccessDeniedException",
                    f"User: arn:{PARTITION}:iam::{backend.account_id}:root is not authorized to perform: "
                    f"events:PutEvents on resource: {event['EventBusName']} because no resource-based policy "
                    "allows the events:PutEvents action",
                )
        entries = []
        for event, bus in zip(events, buses, strict=True):
            if bus is None:
                entries += original(backend, [event])
                continue
            token = _event_sender.set(backend.account_id)
            try:
                entries += events_backends[bus.account_id][bus.region].put_events([{**event, "EventBusName": bus.name}])
            finally:
                _event_sender.reset(token)
        return entries

    @patch(Rule, "send_to_targets")
    def send_to_targets(original, rule, event, transform_input=True):
        sender = _event_sender.get()
        return original(rule, {**event, "account": sender} if sender else event, transform_input)


def _other_accounts_bus(backend, name: str | None):
    """The bus ``name`` names if it is an ARN in another account than ``backend``'s, else None."""
    from moto.events.models import events_backends

    match = re.fullmatch(rf"arn:{PARTITION}:events:([\w-]+):(\d{{12}}):event-bus/(.+)", name or "")
    if not match or match.group(2) == backend.account_id:
        return None
    return events_backends[match.group(2)][match.group(1)].describe_event_bus(match.group(3))


def _bus_policy_allows(policy: str | None, account: str) -> bool:
    statements = json.loads(policy)["Statement"] if policy else []
    sender = Principal(account, f"arn:{PARTITION}:iam::{account}:root")
    allowed = [
        statement
        for statement in statements
        if matches_action(statement.get("Action"), "events:PutEvents")
        and names_principal(statement.get("Principal"), sender)
        and not unmet_condition(statement.get("Condition") or {}, {"aws:principalaccount": account})
    ]
    return any(s.get("Effect") == "Allow" for s in allowed) and not any(s.get("Effect") == "Deny" for s in allowed)


def _copy_with_targets(rule, targets: list[dict]):
    import copy

    view = copy.copy(rule)
    view.targets = targets
    return view


def _target_input(target: dict, event: dict, template_parser) -> Any:
    if "Input" in target:
        return json.loads(target["Input"])
    if "InputPath" in target:
        value: Any = event
        for part in target["InputPath"].removeprefix("$").strip(".").split("."):
            value = value.get(part) if part and isinstance(value, dict) else value
        return value
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        return template_parser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    return event


def _deliver_to_lambda(arn: str, payload: Any) -> None:
    """Invoke the target asynchronously; with injected faults, maybe twice (``duplicate_events``) or after a while,
    so that later events overtake it (``reorder_events``)."""
    faults = active().runtime.faults
    copies = 2 if faults.strikes("duplicate_events") else 1
    for _ in range(copies):
        if faults.strikes("reorder_events"):
            held = threading.Timer(faults.hold(), _invoke_event, (arn, payload))
            held.daemon = True
            held.start()
        else:
            _invoke_event(arn, payload)


def _invoke_event(arn: str, payload: Any) -> None:
    from moto.awslambda.utils import get_backend

    _, _, _, region, account, *_ = arn.split(":")
    with invoked_by("events"):
        get_backend(account, region).invoke(
            function_name=arn,
            qualifier=None,
            body=json.dumps(payload),
            headers={"X-Amz-Invocation-Type": "Event"},
            response_headers={},
        )


def _deliver_to_sns(arn: str, payload: Any) -> None:
    from moto.sns.models import sns_backends

    _, _, _, region, account, *_ = arn.split(":")
    message = payload if isinstance(payload, str) else json.dumps(payload)
    active().executor.submit(sns_backends[account][region].publish, message=message, arn=arn)


def _deliver_to_state_machine(arn: str, payload: Any) -> None:
    import uuid

    from moto.stepfunctions.responses import get_backend

    _, _, _, region, account, *_ = arn.split(":")
    get_backend(account, region).start_execution(arn, name=str(uuid.uuid4()), execution_input=json.dumps(payload))
