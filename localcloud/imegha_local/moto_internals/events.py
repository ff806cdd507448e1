"""The internals of EventBridge."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, added, attribute, method

INTERNALS: tuple[Internal, ...] = (
    # moto.events
    added("moto.events.models.EventBus.physical_resource_id", "shims.cloudformation._ref_returns_what_aws_documents"),
    method(
        "moto.events.models.EventPattern.matches_event",
        "self, event",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.EventTemplateParser.parse",
        "input_template, input_paths_map, event",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.EventsBackend.describe_event_bus",
        "self, name",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    method(
        "moto.events.models.EventsBackend.put_events",
        "self, events",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    attribute(
        "moto.events.models.Rule.event_pattern",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
    ),
    method(
        "moto.events.models.Rule.send_to_targets",
        "self, original_event, transform_input",
        "shims.eventbridge._eventbridge_delivers_to_lambda_sns_and_step_functions",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
    attribute(
        "moto.events.models.events_backends",
        "shims.eventbridge._eventbridge_takes_events_from_the_accounts_its_bus_policy_names",
    ),
)
