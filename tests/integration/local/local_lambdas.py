"""The test Lambdas under tests/fixtures/lambdas, as the runtime takes them."""

from __future__ import annotations

from pathlib import Path

from imegha_local.runtime import FunctionSpec

LAMBDAS = Path(__file__).resolve().parents[2] / "fixtures" / "lambdas"
REGION = "us-east-1"
ACCOUNT = "111111111111"


def function_spec(name: str, code: str, handler: str, **overrides) -> FunctionSpec:
    """A spec for ``handler`` in tests/fixtures/lambdas/``code``, with whatever ``overrides`` change."""
    account = overrides.pop("account_id", ACCOUNT)
    return FunctionSpec(
        **{
            "arn": f"arn:aws:lambda:{REGION}:{account}:function:{name}",
            "name": name,
            "account_id": account,
            "region": REGION,
            "code_dir": LAMBDAS / code,
            "handler": handler,
            "environment": {},
            "layer_dirs": (),
            "timeout_s": 3,
            "memory_mb": 128,
            "credentials": dict,
            **overrides,
        }
    )
