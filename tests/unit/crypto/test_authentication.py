"""The Cognito secret: derived from the password, repeatable on a new device, and never the KEK."""

import pytest

from imegha_crypto import (
    AUTHENTICATION_ITERATIONS,
    DecryptionError,
    authentication_secret,
    create_account,
    open_account,
)

FAST = 100_000


def test_a_new_device_derives_the_same_secret_from_email_and_password():
    assert authentication_secret("Alice@Example.org ", "pass phrase", iterations=FAST) == authentication_secret(
        "alice@example.org", "pass phrase", iterations=FAST
    )


def test_the_secret_depends_on_email_and_password_and_is_not_the_password():
    secret = authentication_secret("alice@example.org", "pass phrase", iterations=FAST)

    assert secret != authentication_secret("bob@example.org", "pass phrase", iterations=FAST)
    assert secret != authentication_secret("alice@example.org", "pass phrasf", iterations=FAST)
    assert "pass phrase" not in secret and len(secret) == 43


def test_the_secret_does_not_open_the_account_keys():
    account = create_account("alice-id", "pass phrase", iterations=FAST)
    secret = authentication_secret("alice@example.org", "pass phrase", iterations=FAST)

    with pytest.raises(DecryptionError):
        open_account(account.bundle, "alice-id", secret)


def test_the_default_cost_matches_the_kek():
    assert AUTHENTICATION_ITERATIONS == 600_000
