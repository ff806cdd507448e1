"""What cannot be undone needs the person's identity key, not only a token.

A Cognito token says who is asking, and whoever holds it can ask: a token
leaked to a cloud that logged it, or one minted by whoever took over the email
it resets by. So the requests that destroy, re-key or redirect a person's things
(destroying or deploying their cloud, changing the deployment role, replacing
their wrapped keys) must also carry a signature by their Ed25519 identity key
(the crypto layer's ``request`` record), which only their unlocked devices hold.

It is checked against the identity key of the person's *current* key statement in
the directory, never a key the request brings; and it names a nonce the platform
issued to that person moments before, which the check uses up. A request with no
signature, another person's, one for another request, or one whose nonce is
unknown, lapsed or used is refused (403) before the route reads or writes anything.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Tracer

from dal.directory import DirectoryStore
from dal.nonces import NonceStore
from imegha_crypto import (
    SIGNATURE_HEADER,
    CryptoError,
    IdentityPublicKey,
    b64url_decode,
    b64url_encode,
    verify_request,
)
from imegha_service.errors import NotAllowed
from imegha_service.http import SignedRequest

tracer = Tracer()
# Long enough to sign and send one request, short enough that a nonce nobody used is soon worth nothing.
NONCE_LIFETIME = timedelta(minutes=2)


@tracer.capture_method
def issue_nonce(nonces: NonceStore, caller: str, now: datetime | None = None) -> dict:
    """A fresh nonce for the caller's next signed request: 32 random bytes, theirs alone, usable once."""
    expires = (now or datetime.now(UTC)) + NONCE_LIFETIME
    nonce = b64url_encode(secrets.token_bytes(32))
    nonces.issue(nonce, caller, int(expires.timestamp()))
    return {"nonce": nonce, "expiresAt": expires.isoformat(timespec="seconds")}


@tracer.capture_method
def require_identity(
    directory: DirectoryStore,
    nonces: NonceStore,
    caller: str,
    request: SignedRequest,
    *,
    first_keys: bool = False,
    now: datetime | None = None,
) -> None:
    """Accept ``request`` only if the caller's current identity key signed it with a fresh nonce of theirs, which
    this uses up; otherwise NotAllowed, saying why.

    ``first_keys``: the route uploads keys, and a person with none on record yet may upload their first unsigned:
    they bring the identity key, and the first statement naming it, with them; until then there is nothing to
    guard and no key to sign with.
    """
    user = directory.user(caller)
    statement = user.get("keyStatement")
    if statement is None:
        if first_keys and user.get("keys") is None:
            return
        raise NotAllowed(
            "this needs your identity key's signature, and no key statement of yours names one yet: "
            "sign in again ('imegha login'), which publishes it"
        )
    if request.signature is None:
        raise NotAllowed(
            f"this cannot be undone, so it needs your identity key's signature ({SIGNATURE_HEADER}), not only a token"
        )
    identity = IdentityPublicKey(b64url_decode(statement["body"]["identityKey"]))
    try:
        nonce = verify_request(
            request.signature, identity, method=request.method, path=request.path, body=request.body, user_id=caller
        )
    except CryptoError as error:
        raise NotAllowed(f"identity signature refused: {error}") from None
    nonces.use(nonce, caller, int((now or datetime.now(UTC)).timestamp()))
