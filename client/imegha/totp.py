"""An authenticator app's codes: TOTP (RFC 6238) as Cognito's software-token MFA uses it, and how the app is told.

Cognito hands out the secret (base32) and checks the codes; the device only
shows the secret to the person, as text and as an ``otpauth://`` URI their app
reads (``otpauth_uri``), and checks that what they type has the shape of a code
(``typed_code``). ``totp`` makes a code from the secret, as the app does: for a
program that holds its own secret, and for the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from urllib.parse import quote, urlencode

DIGITS = 6
PERIOD_S = 30
ISSUER = "iMegha"


def totp(secret: str, at: float | None = None, *, digits: int = DIGITS) -> str:
    """The code for ``secret`` (base32, as Cognito gives it) at time ``at`` (now by default): HMAC-SHA-1 over the
    count of 30-second steps since the epoch, truncated dynamically (RFC 4226, section 5.3)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = int((time.time() if at is None else at) // PERIOD_S)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def otpauth_uri(secret: str, account: str) -> str:
    """What an authenticator app scans or is given: ``otpauth://totp/iMegha:<account>?secret=…&issuer=iMegha`` (the
    Key URI format authenticator apps share), with the parameters Cognito's codes use."""
    label = quote(f"{ISSUER}:{account}", safe=":@")
    parameters = urlencode(
        {"secret": secret, "issuer": ISSUER, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD_S}
    )
    return f"otpauth://totp/{label}?{parameters}"


def typed_code(text: str) -> str:
    """A code as the person typed it, spaces and all ('123 456', as apps show it), as Cognito takes it: six digits.
    Anything else is a ``ValueError``, refused before it is sent."""
    code = "".join(text.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        # Not echoed: a line read in the wrong place may be a password.
        raise ValueError(f"a code from an authenticator app is {DIGITS} digits")
    return code
