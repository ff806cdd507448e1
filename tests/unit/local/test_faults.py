"""The fault injector: which faults a specification names, and how often each strikes."""

from __future__ import annotations

import pytest

from imegha_local.faults import ENVIRONMENT_VARIABLE, FaultInjector, FaultRates, FaultSpecError


def test_a_specification_names_faults_and_their_rates_and_all_sets_every_one():
    assert FaultRates.parse("lambda_error=0.1, dynamodb-throughput=0.25") == FaultRates(
        lambda_error=0.1, dynamodb_throughput=0.25
    )
    everything = FaultRates.parse("all=0.2,silent_clouds=0")
    assert {name: rate for name, rate in everything.items() if rate} == {
        name: 0.2 for name in FaultRates.names() if name != "silent_clouds"
    }
    assert FaultRates.parse("") == FaultRates()
    assert str(FaultRates.parse("reorder_events=0.5")) == "reorder_events=0.5" and str(FaultRates()) == "none"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("lambda_eror=0.1", "'lambda_eror' is no fault"),
        ("lambda_error=often", "a number from 0 to 1"),
        ("lambda_error", "expected name=rate"),
        ("lambda_error=1.5", "not between 0 and 1"),
        ("all=-0.1", "not between 0 and 1"),
    ],
)
def test_a_specification_that_names_no_fault_or_no_rate_is_refused_saying_why(spec, says):
    with pytest.raises(FaultSpecError, match=says):
        FaultRates.parse(spec)


def test_the_local_cloud_reads_its_faults_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "duplicate_events=0.3")
    assert FaultRates.from_environment() == FaultRates(duplicate_events=0.3)
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    assert FaultRates.from_environment() == FaultRates()


def test_a_fault_strikes_at_about_its_rate_and_every_strike_is_counted():
    injector = FaultInjector(FaultRates(lambda_error=0.1, dynamodb_conflict=1.0), seed=7)
    strikes = sum(injector.strikes("lambda_error") for _ in range(10_000))
    assert 900 < strikes < 1100
    assert injector.injected["lambda_error"] == strikes
    assert all(injector.strikes("dynamodb_conflict") for _ in range(100))
    assert not any(injector.strikes("lambda_timeout") for _ in range(100))
    assert "lambda_timeout" not in injector.injected


def test_the_same_seed_strikes_the_same_requests():
    decisions = [
        [injector.strikes("reorder_events") for _ in range(200)]
        for injector in (FaultInjector(FaultRates(reorder_events=0.3), seed=3) for _ in range(2))
    ]
    assert decisions[0] == decisions[1]


def test_no_fault_strikes_while_paused_and_rates_can_change_while_running():
    injector = FaultInjector(FaultRates(lambda_throttle=1.0))
    with injector.paused(), injector.paused():
        assert not injector.strikes("lambda_throttle")
    assert injector.lambda_fault() == "lambda_throttle"
    injector.inject(FaultRates(lambda_timeout=1.0))
    assert injector.lambda_fault() == "lambda_timeout"
    assert injector.injected == {"lambda_throttle": 1, "lambda_timeout": 1}


def test_a_spared_account_is_never_silent_and_timeouts_and_holds_stay_short():
    injector = FaultInjector(FaultRates(silent_clouds=1.0), seed=1, spared=frozenset({"111111111111"}))
    assert not injector.silences("111111111111") and not injector.silences(None)
    assert injector.silences("222222222222")
    assert all(0 <= injector.cut() <= 0.5 and 0.05 <= injector.hold() <= 1.0 for _ in range(100))
