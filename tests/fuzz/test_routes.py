"""Every platform and user-cloud route, fuzzed through the local gateway (see plans.py for the property), and the
catalogue of routes checked against the templates and what the local cloud serves."""

from __future__ import annotations

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.catalog import catalogue, gateway_routes, unreached_handler_routes
from tests.fuzz.conftest import PROFILE, record
from tests.fuzz.plans import Plan, exercise, plans

ROUTES = {route.key: route for route in catalogue()}
pytestmark = [pytest.mark.fuzz, pytest.mark.slow]


def run(world, route_key: str, plan: Plan) -> None:
    try:
        answer = exercise(world, ROUTES[route_key], plan)
    except AssertionError as failure:
        record(route_key, None, str(failure)[:400])
        raise
    record(route_key, answer.status)


@pytest.mark.parametrize("route_key", list(ROUTES))
@settings(settings.get_profile(PROFILE))
@given(data=st.data())
def test_a_route_answers_only_who_may_ask_refuses_the_rest_with_a_reason_and_never_fails(world, route_key, data):
    run(world, route_key, data.draw(plans(ROUTES[route_key]), label="plan"))


SUPERSCRIPT_TWO = "\u00b2"  # str.isdigit() says yes, int() says no
ALICE_ON_HERSELF = Plan("alice", "", (("peer_id", "@alice"),), (), (), "application/json", b"")


# What the fuzzer found, kept: each example failed before its fix.
@example(route_key="platform DELETE /connections/{peer_id}", plan=ALICE_ON_HERSELF)
@example(route_key="platform POST /connections/{peer_id}/accept", plan=ALICE_ON_HERSELF)
@example(route_key="platform POST /connections/{peer_id}/decline", plan=ALICE_ON_HERSELF)
@example(
    route_key="platform POST /groups/{group_id}/removals",
    plan=Plan("alice", "", (("group_id", "A" * 70_000),), (), (), "application/json", b"{}"),
)
@example(
    route_key="platform PUT /devices/{device_id}",
    plan=Plan("alice", "", (("device_id", "phone"),), (), (), "application/json", b'"' + b"A" * 11_534_336 + b'"'),
)
@example(
    route_key="platform GET /notifications",
    plan=Plan("alice", "", (), (("limit", SUPERSCRIPT_TWO),), (), None, b""),
)
@example(
    route_key="cloud GET /audit/entries",
    plan=Plan("owner", "", (), (("after", SUPERSCRIPT_TWO),), (), None, b""),
)
@example(
    route_key="platform PUT /groups/{group_id}/epochs/{epoch}",
    plan=Plan("alice", "", (("group_id", "@group"), ("epoch", SUPERSCRIPT_TWO)), (), (), "application/json", b"{}"),
)
@settings(phases=[Phase.explicit], deadline=None, database=None)
@given(route_key=st.sampled_from(list(ROUTES)), plan=st.just(ALICE_ON_HERSELF))  # only the examples run
def test_what_the_fuzzer_found_stays_fixed(world, route_key, plan):
    run(world, route_key, plan)


def test_every_template_route_is_fuzzed_through_a_route_its_handler_declares():
    fuzzed = {(route.gateway.api, route.gateway.method, route.gateway.path) for route in ROUTES.values()}
    declared = {(route.api, route.method, route.path) for route in gateway_routes()}
    assert declared - fuzzed == set(), "template routes with no handler route the fuzzer can drive"


def test_every_handler_route_is_reached_through_a_template_route():
    assert unreached_handler_routes() == []


def test_the_catalogue_is_what_the_local_cloud_serves(world):
    for api in ("platform", "cloud"):
        spec = world.cloud.served_api(world.base_url(api))
        assert spec is not None, f"the gateway serves no API at {world.base_url(api)}"
        # CORS preflights (OPTIONS) are answered by API Gateway itself, from the API's CORS settings: no handler.
        served = {(route.method, route.path) for route in spec.routes if route.method != "OPTIONS"}
        assert served == {(route.method, route.path) for route in gateway_routes() if route.api == api}
