"""Faults the local cloud injects on purpose: what AWS does now and then, made to happen at a rate one chooses.

Each fault is one thing a service does in production, at a given chance per request:

- ``lambda_error``: an invocation fails before the handler runs (Lambda's ``ServiceException``).
- ``lambda_timeout``: an invocation is cut off partway through (after up to half a second), its environment
  killed wherever the handler was, as Lambda does at its timeout: what it wrote stays written.
- ``lambda_throttle``: an invocation is refused (``TooManyRequestsException``): an asynchronous one is retried
  without counting against its retries, a synchronous caller hears 429.
- ``dynamodb_throughput``: a DynamoDB data-plane request answers ``ProvisionedThroughputExceededException``.
- ``dynamodb_conflict``: a ``TransactWriteItems`` is cancelled with ``TransactionConflict`` (another transaction
  held one of its items), a single-item write fails with ``TransactionConflictException``.
- ``duplicate_events``: EventBridge delivers an event to a Lambda target twice (at least once, as documented).
- ``reorder_events``: EventBridge holds an event back (up to a second), so later ones overtake it.
- ``silent_clouds``: a user's cloud does not answer: a request to its API gets API Gateway's 504 without
  reaching it, and a ring it signed is taken by the platform but the cloud never hears the answer (the
  connection drops), so it rings again.

``IMEGHA_LOCAL_FAULTS`` (``lambda_error=0.1,dynamodb_throughput=0.05``, or ``all=0.1``) sets them for a local
cloud; :class:`FaultInjector` decides each strike and counts what it injected. The platform's own deployments
(``LocalCloud.deploy_*``) run with faults paused: a fault there would test CloudFormation, not iMegha.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

ENVIRONMENT_VARIABLE = "IMEGHA_LOCAL_FAULTS"
LONGEST_CUT_S = 0.5  # how far into an invocation a timeout may cut it
LONGEST_HOLD_S = 1.0  # how long a reordered event may be held back


class FaultSpecError(ValueError):
    """A fault specification that names an unknown fault or a rate outside 0..1; the message says which."""


@dataclass(frozen=True)
class FaultRates:
    """The chance of each fault per request it can strike (0: never, 1: always)."""

    lambda_error: float = 0.0
    lambda_timeout: float = 0.0
    lambda_throttle: float = 0.0
    dynamodb_throughput: float = 0.0
    dynamodb_conflict: float = 0.0
    duplicate_events: float = 0.0
    reorder_events: float = 0.0
    silent_clouds: float = 0.0

    def __post_init__(self) -> None:
        for name, rate in self.items():
            if not 0.0 <= rate <= 1.0:
                raise FaultSpecError(f"{name}: the rate {rate} is not between 0 and 1")

    def items(self) -> list[tuple[str, float]]:
        return [(field.name, getattr(self, field.name)) for field in fields(self)]

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]

    @classmethod
    def parse(cls, text: str) -> FaultRates:
        """``name=rate`` pairs separated by commas; ``all=rate`` sets every fault, later pairs override it."""
        rates = cls()
        for pair in filter(None, (part.strip() for part in text.split(","))):
            name, equals, value = pair.partition("=")
            name = name.strip().replace("-", "_")
            try:
                rate = float(value)
            except ValueError:
                raise FaultSpecError(f"{pair!r}: expected name=rate, the rate a number from 0 to 1") from None
            if not equals:
                raise FaultSpecError(f"{pair!r}: expected name=rate")
            if name == "all":
                rates = cls(**dict.fromkeys(cls.names(), rate))
            elif name in cls.names():
                rates = replace(rates, **{name: rate})
            else:
                raise FaultSpecError(f"{name!r} is no fault; the faults are all, {', '.join(cls.names())}")
        return rates

    @classmethod
    def from_environment(cls) -> FaultRates:
        return cls.parse(os.environ.get(ENVIRONMENT_VARIABLE, ""))

    def __str__(self) -> str:
        return ",".join(f"{name}={rate:g}" for name, rate in self.items() if rate) or "none"


class FaultInjector:
    """Decides, fault by fault, whether one strikes now; counts every strike. Thread-safe; seeded for a repeatable
    sequence of decisions. ``spared`` accounts are never silent (the platform's own)."""

    def __init__(self, rates: FaultRates | None = None, seed: int | None = None, spared: frozenset[str] = frozenset()):
        self.rates = rates or FaultRates()
        self.spared = spared
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._paused = 0

    def strikes(self, fault: str) -> bool:
        """Whether ``fault`` strikes this request (counted if it does)."""
        rate = getattr(self.rates, fault)
        if not rate:
            return False
        with self._lock:
            if self._paused or self._random.random() >= rate:
                return False
            self.injected[fault] += 1
            return True

    def lambda_fault(self) -> str | None:
        """Which of Lambda's faults strikes this invocation, if any: ``lambda_throttle``, ``lambda_error`` or
        ``lambda_timeout``."""
        return next(
            (fault for fault in ("lambda_throttle", "lambda_error", "lambda_timeout") if self.strikes(fault)), None
        )

    def silences(self, account_id: str | None) -> bool:
        """Whether the user's cloud in ``account_id`` does not answer this request (never a spared account)."""
        return account_id is not None and account_id not in self.spared and self.strikes("silent_clouds")

    def cut(self) -> float:
        """How far into an invocation a timeout cuts it, in seconds."""
        with self._lock:
            return self._random.uniform(0.0, LONGEST_CUT_S)

    def hold(self) -> float:
        """How long a reordered event is held back, in seconds."""
        with self._lock:
            return self._random.uniform(0.05, LONGEST_HOLD_S)

    def seed(self, seed: int) -> None:
        """Start the sequence of decisions again from ``seed``."""
        with self._lock:
            self._random.seed(seed)

    def inject(self, rates: FaultRates) -> None:
        """Inject ``rates`` from now on (counts are kept)."""
        self.rates = rates

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No fault strikes inside the block (deployments, a test's own set-up and accounting)."""
        with self._lock:
            self._paused += 1
        try:
            yield
        finally:
            with self._lock:
                self._paused -= 1
