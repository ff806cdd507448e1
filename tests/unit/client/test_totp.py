"""An authenticator app's codes as the SDK makes and reads them: RFC 6238's own vectors, the step a code lives for,
the URI an app is given, and what the person may type."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from imegha.totp import otpauth_uri, totp, typed_code

RFC_6238 = json.loads((Path(__file__).resolve().parents[2] / "vectors" / "totp-sha1-rfc6238.json").read_text())


@pytest.mark.parametrize("vector", RFC_6238["vectors"], ids=lambda vector: str(vector["time"]))
def test_the_codes_are_rfc_6238s_for_each_of_its_times(vector):
    assert totp(RFC_6238["secret"], vector["time"], digits=8) == vector["totp"]
    # Cognito's codes are the same number's last six digits.
    assert totp(RFC_6238["secret"], vector["time"]) == vector["totp"][-6:]


def test_a_code_holds_for_its_30_second_step_and_changes_with_the_next():
    secret = RFC_6238["secret"]
    assert totp(secret, 60) == totp(secret, 89.9) != totp(secret, 90)
    # A secret in lower case and without its padding, as some apps write it, is the same secret.
    assert totp(secret.lower(), 60) == totp(secret, 60)


def test_the_uri_names_the_issuer_and_account_and_carries_cognitos_parameters():
    uri = urlsplit(otpauth_uri("JBSWY3DPEHPK3PXP", "asha@example.org"))

    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", "/iMegha:asha@example.org")
    assert parse_qs(uri.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["iMegha"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_a_typed_code_may_have_spaces_and_anything_but_six_digits_is_refused_without_echoing_it():
    assert typed_code(" 123 456\n") == "123456"
    for typed in ("12345", "1234567", "12a456", "١٢٣٤٥٦", "", "my long password"):
        with pytest.raises(ValueError, match="6 digits") as refused:
            typed_code(typed)
        assert typed.strip() not in str(refused.value) or not typed.strip()
