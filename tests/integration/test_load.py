"""Many users' clouds ring the doorbell at once, then again under every fault the local cloud injects: each
(event, recipient) reaches the inbox exactly once, or waits in the dead-letter queue with its reason until the
operator's redrive delivers it, once, however often it is replayed."""

from __future__ import annotations

import pytest

from imegha_local.faults import FaultRates
from imegha_local.load import (
    account,
    build_world,
    copy_dead_letters,
    dead_letter_again,
    plan_events,
    redrive,
    ring,
    settle,
)

CLOUDS, RATE = 20, 50.0


@pytest.fixture(scope="module")
def world(local_cloud):
    # The runs ring in bursts no person would: the per-sender rate limit would drop what is counted.
    local_cloud.deploy_platform(parameters={"DoorbellRatePerMinute": "10000"})
    return build_world(local_cloud, CLOUDS, seed=1)


def test_every_event_reaches_each_of_its_recipients_inboxes_once(world):
    events = plan_events(world, 100, seed=1)

    ringing = ring(world, events, RATE)
    settle(world, quiet_s=2.0)

    accounting = account(world, events, ringing)
    assert accounting.deliveries > len(events)  # groups and shares reach several people
    assert accounting.delivered_once == accounting.deliveries, accounting.summary()
    assert accounting.letters == [] and accounting.strays == 0


def test_under_faults_nothing_is_lost_or_delivered_twice_and_a_dead_letter_says_why_and_replays_once(world):
    events = plan_events(world, 300, seed=2)
    faults = world.cloud.faults
    faults.seed(2)
    faults.inject(FaultRates.parse("all=0.1"))
    try:
        ringing = ring(world, events, RATE)
        settle(world)
    finally:
        faults.inject(FaultRates())
    assert set(faults.injected) == set(FaultRates.names())  # every fault struck

    during = account(world, events, ringing)
    assert during.lost == [] and during.duplicated == [], during.summary()
    assert during.letters and during.letters_without_reason == []
    letters = copy_dead_letters(world)

    redrive(world, lapse_s=world.notifier_timeout())
    after = account(world, events, ringing)
    assert after.lost == [] and after.duplicated == [] and after.letters == [], after.summary()
    assert after.delivered_once + len(after.not_rung) == after.deliveries

    dead_letter_again(world, letters)  # the same letters replayed a second time
    redrive(world)
    again = account(world, events, ringing)
    assert again.duplicated == [] and again.delivered_once == after.delivered_once, again.summary()
