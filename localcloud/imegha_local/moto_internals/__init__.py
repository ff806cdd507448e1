"""The moto (and botocore) internals the local cloud relies on, each listed once, with what relies on it.

The shims (``shims/``), the providers (``providers/``) and the server
(``cloud.py``) patch, call or read parts of moto that are no API of it: private
methods, backend methods and their parameters, module-level registries, the
state models keep. A moto release that moves one would show as a 500 in the
middle of a deploy; ``tests/unit/local/test_moto_internals.py`` checks each
entry against the installed moto instead, naming what depends on it, and
checks that every moto name those modules import, patch or reach into is listed.

Attributes that hold an AWS field under its snake-case name (a function's
``handler``, a stack's ``status``) are left out: the local cloud's tests read
them through the AWS APIs. Parameters are listed as moto declares them (names
only, ``*args``/``**kwargs`` marked), wherever a shim calls or replaces the callable.
"""

from __future__ import annotations

from imegha_local.moto_internals import (
    apigateway,
    botocore,
    cloudformation,
    cognito,
    dynamodb,
    events,
    iam,
    kms,
    lambda_,
    messaging,
    s3,
    server,
    stepfunctions,
)
from imegha_local.moto_internals.entries import Internal, discrepancy

INTERNALS: tuple[Internal, ...] = (
    botocore.INTERNALS
    + apigateway.INTERNALS
    + lambda_.INTERNALS
    + cloudformation.INTERNALS
    + messaging.INTERNALS
    + cognito.INTERNALS
    + dynamodb.INTERNALS
    + server.INTERNALS
    + events.INTERNALS
    + iam.INTERNALS
    + kms.INTERNALS
    + s3.INTERNALS
    + stepfunctions.INTERNALS
)

__all__ = ["INTERNALS", "Internal", "discrepancy"]
