"""A person's account, as their device handles it: every key is made, wrapped and opened here.

What leaves the device: the email, the iMTag, an authentication secret derived
from the password (never the password), wrapped keys, public keys and signed
statements. The password, the recovery phrase and every unwrapped key stay in
this process or the profile's key agent; a sign-in hands the DEK and the private
keys to the agent, and later commands only ask it to use them.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace

from imegha_crypto import (
    DEFAULT_PASSWORD_ITERATIONS,
    AccountKeys,
    CloudConfirmed,
    CryptoError,
    DecryptionError,
    ExchangePrivateKey,
    IdentityPublicKey,
    authentication_secret,
    b64url_decode,
    b64url_encode,
    change_password,
    create_account,
    open_account,
    recover_account,
    recovery_lookup,
    recovery_verifier,
    safety_code,
    sign_key_statement,
)

from .agent import AgentKeys, StartingAgent, agent_keys, stop_agent
from .cognito import AccountExists, CodeNeeded, CognitoAuth, NotConfirmed, SignInError, Tokens
from .documents import JSONObject
from .endpoints import Endpoints, Unreachable
from .platform_api import ApiError, PlatformApi, RecoveryApi, RequestSigner
from .profile import Profile
from .totp import typed_code
from .trust import Peer, PinStore, UntrustedPeer, compared, mark_verified, trusted_peer

# The cost of guessing a password is the point of the derivation; tests and
# benchmarks on the local cloud may lower it to the floor the envelopes accept.
KDF_ITERATIONS = int(os.environ.get("IMEGHA_KDF_ITERATIONS", DEFAULT_PASSWORD_ITERATIONS))
# Cognito's ID tokens live an hour; a session renews them this long before they lapse.
TOKEN_RENEWAL_MARGIN_S = 60
WRONG_PASSWORD = "the password does not open this account's keys"


class AccountError(Exception):
    """Something the person can act on: a wrong password, a taken iMTag, no session.

    >>> try:  # doctest: +SKIP
    ...     alice.log_in("alice@example.org", "not her password")
    ... except AccountError as refusal:
    ...     print(refusal)
    """


class PeerLeft(AccountError):
    """The person asked for deleted their iMegha account: nothing reaches them any more."""

    def __init__(self, message: str, *, user_id: str, imtag: str):
        super().__init__(message)
        self.user_id, self.imtag = user_id, imtag


class UnconfirmedSignUp(AccountError):
    """The email's account exists, with this password, but its sign-up never got its confirmation code: confirm it
    (:meth:`Account.resend_confirmation_code`, :meth:`Account.confirm_sign_up`), then sign in, which finishes it."""


class SecondFactorNeeded(AccountError):
    """The password was right, but the account has two-step sign-in on and no code was given: sign in again with
    the code its authenticator app shows now (``mfa_code``)."""


class MalformedCode(AccountError, ValueError):
    """What was given as an authenticator app's code is not one (six digits): refused before it is sent."""


def authenticator_code(typed: str) -> str:
    """An authenticator app's code as the person typed it, as Cognito takes it; :class:`MalformedCode` if it is not."""
    try:
        return typed_code(typed)
    except ValueError as error:
        raise MalformedCode(str(error)) from None


@dataclass(frozen=True)
class Session:
    user_id: str
    email: str
    imtag: str
    id_token: str
    access_token: str
    refresh_token: str | None
    identity_key: str
    """The user's own identity public key (SPKI, base64url), for safety codes."""


class Account:
    """One person on this device, in a profile of their own: signs up or in, connects, and checks whom they deal with.

    >>> alice = Account(Profile.named("alice"), Endpoints.discover())  # doctest: +SKIP
    >>> alice.log_in("alice@example.org", password)  # doctest: +SKIP
    >>> alice.connect("Bob")  # doctest: +SKIP
    >>> code, bob = alice.safety_code("Bob")  # read aloud by both, in person or on a call  # doctest: +SKIP
    >>> code, bob = alice.verify("Bob", code)  # it matched: that key, and only that key, pinned  # doctest: +SKIP
    """

    def __init__(self, profile: Profile, endpoints: Endpoints):
        self.profile = profile
        self.endpoints = endpoints
        self.cognito = CognitoAuth(endpoints)
        self.pins = PinStore(profile)

    # --- sessions ---------------------------------------------------------

    @property
    def session(self) -> Session:
        saved = self.profile.read("session")
        if saved is None:
            raise AccountError(f"profile {self.profile.name!r} is not signed in: run 'imegha login'")
        return Session(**saved)

    def live_session(self) -> Session:
        """The session, its tokens renewed with the refresh token if they are about to lapse."""
        session = self.session
        if _expires_at(session.id_token) - time.time() > TOKEN_RENEWAL_MARGIN_S:
            return session
        if not session.refresh_token:
            raise AccountError(f"the session of profile {self.profile.name!r} has expired: run 'imegha login'")
        try:
            tokens = self.cognito.refresh(session.refresh_token)
        except SignInError:
            raise AccountError(
                f"the session of profile {self.profile.name!r} has expired: run 'imegha login'"
            ) from None
        renewed = replace(
            session, id_token=tokens.id_token, access_token=tokens.access_token, refresh_token=tokens.refresh_token
        )
        self.profile.write("session", asdict(renewed))
        return renewed

    def platform(self) -> PlatformApi:
        """The platform's API with this session's token; what cannot be undone it signs with the identity key the
        key agent holds."""
        session = self.live_session()
        signer = RequestSigner(session.user_id, lambda: self.keys().identity_key)
        return PlatformApi(self.endpoints.platform_api_url, session.id_token, signer)

    def keys(self) -> AgentKeys:
        """The keys the profile's agent holds: each use of them is an operation it performs, none is handed here."""
        return agent_keys(self.profile)

    def _open_session(
        self, user_id: str, email: str, imtag: str, tokens: Tokens, keys: AccountKeys, agent: StartingAgent
    ) -> Session:
        session = Session(
            user_id=user_id,
            email=email,
            imtag=imtag,
            id_token=tokens.id_token,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            identity_key=b64url_encode(keys.identity_key.public_key.der),
        )
        self.profile.write("session", asdict(session))
        agent.hand_over(keys, user_id)
        return session

    # --- sign-up, sign-in, password, recovery ------------------------------

    def sign_up(self, email: str, password: str, imtag: str, confirmation_code: Callable[[], str]) -> str:
        """Create the account and its keys; returns the 24-word recovery phrase, to show once.

        ``confirmation_code`` is asked for once Cognito has emailed it. The key
        agent, and the RSA key pair (tens of milliseconds, outside the GIL), are
        started first, so that they are ready by the time the requests come back.
        """
        with StartingAgent(self.profile) as agent, ThreadPoolExecutor(max_workers=1) as background:
            exchange_key = background.submit(ExchangePrivateKey.generate)
            secret = authentication_secret(email, password, iterations=KDF_ITERATIONS)
            try:
                user_id = self.cognito.sign_up(email, secret, imtag)
            except AccountExists as exists:
                raise self._existing_account(email, secret, exists) from None
            except SignInError as error:
                raise AccountError(str(error)) from None
            self._cognito(self.cognito.confirm, email, confirmation_code())
            tokens = self._signed_in(email, secret)
            # PostConfirmation has just made the directory entry, with no keys yet: version 0.
            return self._finish_sign_up(user_id, email, imtag, password, tokens, 0, agent, exchange_key.result())

    def _existing_account(self, email: str, secret: str, exists: AccountExists) -> AccountError:
        """Why a sign-up found its email taken: this person's own sign-up, never confirmed, or an account to sign in to."""
        try:
            self._signed_in(email, secret)
        except UnconfirmedSignUp as unconfirmed:
            return unconfirmed
        except AccountError:
            pass
        return AccountError(f"{exists}: sign in with 'imegha login {email}'")

    def _signed_in(self, email: str, secret: str, mfa_code: Callable[[], str] | None = None) -> Tokens:
        def code() -> str:  # asked for only if Cognito asks: the account has two-step sign-in on
            typed = mfa_code() if mfa_code else ""
            return authenticator_code(typed) if typed.strip() else ""

        try:
            return self.cognito.sign_in(email, secret, code)
        except NotConfirmed:
            raise UnconfirmedSignUp(
                f"the sign-up of {email} was never confirmed: run 'imegha login {email}' to confirm it"
            ) from None
        except CodeNeeded as needed:
            raise SecondFactorNeeded(str(needed)) from None
        except SignInError as error:
            raise AccountError(str(error)) from None

    def resend_confirmation_code(self, email: str) -> str:
        """Have Cognito email a new code for a sign-up never confirmed; returns where it went (masked)."""
        return self._cognito(self.cognito.resend_code, email)

    def confirm_sign_up(self, email: str, code: str) -> None:
        """Confirm a sign-up that stopped before its code; the next sign-in makes and uploads its keys."""
        self._cognito(self.cognito.confirm, email, code)

    def _finish_sign_up(
        self,
        user_id: str,
        email: str,
        imtag: str,
        password: str,
        tokens: Tokens,
        keys_version: int,
        agent: StartingAgent,
        exchange_key: ExchangePrivateKey | None = None,
    ) -> str:
        api = PlatformApi(self.endpoints.platform_api_url, tokens.id_token)
        account = create_account(user_id, password, iterations=KDF_ITERATIONS, exchange_key=exchange_key)
        api.upload_keys(
            keys_version,
            account.bundle,
            self._statement(user_id, account.keys, None, sequence=1),
            recovery_verifier(recovery_lookup(account.recovery_phrase)),
        )
        self._open_session(user_id, email, imtag, tokens, account.keys, agent)
        phrase: str = account.recovery_phrase
        return phrase

    def log_in(
        self,
        email: str,
        password: str,
        confirmation_code: Callable[[], str] | None = None,
        mfa_code: Callable[[], str] | None = None,
    ) -> str | None:
        """Sign in and unwrap the keys from the password alone (and, with two-step sign-in on, the code
        ``mfa_code()`` gives when Cognito asks for it: :class:`SecondFactorNeeded` without one).

        Returns a recovery phrase only when an earlier sign-up stopped before its
        keys were uploaded and this call finished it; one that stopped before
        signing its key statement is finished too. One that stopped before its
        confirmation code is confirmed with ``confirmation_code()`` (which may have
        Cognito email a new one first: :meth:`resend_confirmation_code`), or
        raises :class:`UnconfirmedSignUp` without it.
        """
        with StartingAgent(self.profile) as agent:
            secret = authentication_secret(email, password, iterations=KDF_ITERATIONS)
            try:
                tokens = self._signed_in(email, secret, mfa_code)
            except UnconfirmedSignUp:
                if confirmation_code is None:
                    raise
                self.confirm_sign_up(email, confirmation_code())
                tokens = self._signed_in(email, secret)
            api = PlatformApi(self.endpoints.platform_api_url, tokens.id_token)
            me = api.me()
            if me["keys"] is None:
                return self._finish_sign_up(
                    me["userId"], email, me["iMTag"], password, tokens, me["keysVersion"], agent
                )
            keys = self._opened_by_password(api, me, password)
            if me["keyStatement"] is None:  # keys uploaded by a client that publishes the statement apart
                api.publish_statement(self._statement(me["userId"], keys, None, sequence=1))
            self._open_session(me["userId"], email, me["iMTag"], tokens, keys, agent)
            return None

    @staticmethod
    def _opened_by_password(api: PlatformApi, me: JSONObject, password: str) -> AccountKeys:
        """The keys ``password`` opens: under the stored wrapping, or under the one a recovery held for the new
        password it set (its Cognito reset went through, its upload did not), which is then uploaded, signed."""
        try:
            return _opened(lambda: open_account(me["keys"], me["userId"], password), WRONG_PASSWORD)
        except AccountError:
            held = me.get("recoveredPasswordWrappedDek")
            if held is None:
                raise
        bundle = me["keys"] | {"passwordWrappedDek": held}
        keys = _opened(lambda: open_account(bundle, me["userId"], password), WRONG_PASSWORD)
        replace(api, signer=RequestSigner(me["userId"], lambda: keys.identity_key)).upload_keys(
            me["keysVersion"], bundle
        )
        return keys

    def log_out(self) -> bool:
        """Forget the session and the keys on this device, and have Cognito revoke the session's refresh token.

        Returns whether Cognito revoked it; the device forgets the session either way (offline, the token stays
        usable until it lapses, which is why it is worth revoking).
        """
        saved = self.profile.read("session") or {}
        try:
            revoked = False
            if saved.get("refresh_token"):
                self.cognito.revoke(saved["refresh_token"])
                revoked = True
        except (SignInError, Unreachable):
            revoked = False
        finally:
            stop_agent(self.profile)
            self.profile.remove("session")
        return revoked

    def delete(self, typed_tag: str) -> JSONObject:
        """Delete the account on the platform (see ``functions/logic/leaving.py``), then end it on this device: its
        session and key agent go; what else the profile holds (the pins, the credentials of their own AWS account,
        which keeps their cloud) stays theirs. ``typed_tag`` is the iMTag the person typed to confirm, exactly."""
        session = self.session
        if typed_tag != session.imtag:
            raise AccountError(f"{typed_tag!r} is not your iMTag ({session.imtag}): nothing was deleted")
        deleted = self.platform().delete_account(typed_tag)
        stop_agent(self.profile)
        self.profile.remove("session")
        return deleted

    def change_password(self, old_password: str, new_password: str) -> None:
        """Rewrap the same DEK under the new password, then move Cognito to the new secret.

        If Cognito refuses, the previous wrapping is put back, so the old
        password keeps opening both.
        """
        session = self.live_session()
        api = self.platform()
        me = api.me()
        rewrapped = _opened(
            lambda: change_password(me["keys"], session.user_id, old_password, new_password, iterations=KDF_ITERATIONS),
            "the current password is wrong",
        )
        version = api.upload_keys(me["keysVersion"], rewrapped)
        old_secret = authentication_secret(session.email, old_password, iterations=KDF_ITERATIONS)
        new_secret = authentication_secret(session.email, new_password, iterations=KDF_ITERATIONS)
        try:
            self._cognito(self.cognito.change_secret, session.access_token, old_secret, new_secret)
        except AccountError:
            api.upload_keys(version, me["keys"])
            raise

    def recover(
        self,
        email: str,
        phrase: str,
        new_password: str,
        confirmation_code: Callable[[], str],
        mfa_code: Callable[[], str] | None = None,
    ) -> None:
        """Set a new password with the 24-word phrase: Cognito through its emailed code, the DEK through the phrase.

        The phrase is proven first, before anything changes: its lookup fetches the account's keys without a token
        (:class:`RecoveryApi`), and it must open them here. A phrase that is not one (an unknown word, a failed
        checksum) is refused before anything is sent; another account's, or one that opens nothing, is refused
        with Cognito untouched, so the old password still signs in.

        Then the DEK under the new password is held beside the stored keys, Cognito's reset sets the new password,
        and a sign-in with it uploads the keys. If a step after the reset fails (no authenticator code, the
        network), the new password still opens the keys: ``log_in`` finds the held wrapping and uploads it. With
        two-step sign-in on, the sign-in needs the code ``mfa_code()`` gives (:class:`SecondFactorNeeded`).
        """
        try:
            lookup = recovery_lookup(phrase)
        except CryptoError as error:
            raise AccountError(f"recovery phrase refused: {error}") from None
        recovery = RecoveryApi(self.endpoints.platform_api_url)
        try:
            opened = recovery.open(email, lookup)
            recovered = recover_account(
                opened["keys"], opened["userId"], phrase, new_password, iterations=KDF_ITERATIONS
            )
        except (ApiError, CryptoError) as refusal:
            if isinstance(refusal, ApiError) and refusal.status != 403:
                raise
            reason = refusal.message if isinstance(refusal, ApiError) else f"{refusal}: nothing was changed"
            raise AccountError(f"recovery phrase refused: {reason}; your password still signs in") from None
        with StartingAgent(self.profile) as agent:
            recovery.hold_new_password(email, lookup, opened["keysVersion"], recovered.bundle["passwordWrappedDek"])
            new_secret = authentication_secret(email, new_password, iterations=KDF_ITERATIONS)
            self._cognito(self.cognito.request_reset, email)
            self._cognito(self.cognito.confirm_reset, email, confirmation_code(), new_secret)
            tokens = self._signed_in(email, new_secret, mfa_code)
            api = PlatformApi(self.endpoints.platform_api_url, tokens.id_token)
            me = api.me()
            keys = self._opened_by_password(api, me, new_password)
            self._open_session(me["userId"], email, me["iMTag"], tokens, keys, agent)

    # --- the directory and connections --------------------------------------

    def publish_cloud_url(self, cloud_url: str | None, confirmed: CloudConfirmed | None = None) -> None:
        """Sign and publish a new key statement naming the user's cloud (None: they have none, it was destroyed),
        and how this device confirmed it is theirs (None: unconfirmed; see :mod:`imegha.cloud_confirmation`)."""
        api = self.platform()
        current = api.me()["keyStatement"]
        sequence = current["body"]["sequence"] + 1 if current else 1
        api.publish_statement(self._statement(self.session.user_id, self.keys(), cloud_url, sequence, confirmed))

    def peer(self, imtag: str, *, accept_new_identity: bool = False) -> Peer:
        """Look a user up and check what the directory says against their pinned identity key; a connection who
        deleted their account is said to be gone."""
        return trusted_peer(self.pins, self._looked_up(imtag), accept_new_identity=accept_new_identity)

    def _looked_up(self, imtag: str) -> JSONObject:
        """The directory's entry for ``imtag``; for a connection who deleted their account, an ``AccountError``
        saying so (:class:`PeerLeft`), not a bare 404."""
        api = self.platform()
        try:
            return api.lookup(imtag)
        except ApiError as error:
            if error.status != 404:
                raise
            gone = self._left(imtag)
            if gone is None:
                raise
            raise PeerLeft(
                f"{gone['iMTag']} deleted their account on {gone['since'][:10]}: nothing reaches them any more "
                f"('imegha disconnect {gone['iMTag']}' takes them off your connections)",
                user_id=gone["peerId"],
                imtag=gone["iMTag"],
            ) from None

    def _left(self, imtag: str) -> JSONObject | None:
        """The line of ``imtag`` among this person's connections if they left iMegha."""
        return next(
            (
                connection
                for connection in self.platform().connections()
                if connection["status"] == "left" and connection["iMTag"].casefold() == imtag.casefold()
            ),
            None,
        )

    def connect(self, imtag: str) -> JSONObject:
        """Ask to connect, once the directory's keys for ``imtag`` check out."""
        peer = self.peer(imtag)
        return self.platform().request_connection(peer.imtag) | _identity(peer)

    def accept(self, imtag: str) -> JSONObject:
        """Accept a request, once the directory's keys for ``imtag`` check out."""
        peer = self.peer(imtag)
        return self.platform().accept(peer.user_id) | {"iMTag": peer.imtag} | _identity(peer)

    def decline(self, imtag: str) -> None:
        """Saying no needs no trust in the directory's keys: only the user id."""
        api = self.platform()
        api.decline(api.lookup(imtag)["userId"])

    def disconnect(self, imtag: str) -> None:
        """End a connection or withdraw a request; for a connection who left, take their line off the list."""
        api = self.platform()
        gone = self._left(imtag)
        api.remove(gone["peerId"] if gone else api.lookup(imtag)["userId"])

    def connections(self) -> list[JSONObject]:
        """Connections and requests, each with the peer's identity fingerprint, or a warning if their keys do not check out."""
        api = self.platform()
        listed = []
        for connection in api.connections():
            if connection["status"] == "left":  # their account is gone, and its keys with it
                listed.append(connection)
                continue
            try:
                connection |= _identity(trusted_peer(self.pins, api.lookup(connection["iMTag"])))
            except UntrustedPeer as error:
                connection["warning"] = str(error)
            listed.append(connection)
        return listed

    def safety_code(self, imtag: str) -> tuple[str, Peer]:
        """The code both people read aloud, with the key the directory serves for ``imtag`` (pinned if first seen).

        When the directory's keys for ``imtag`` do not match the pin, the refusal
        carries the code the key it serves now would give, so that the two can
        compare it before either accepts anything.
        """
        found = self.platform().lookup(imtag)
        try:
            peer = trusted_peer(self.pins, found)
        except UntrustedPeer as refusal:
            try:
                candidate = trusted_peer(self.pins, found, accept_new_identity=True, remember=False)
            except UntrustedPeer:
                raise refusal from None
            raise UntrustedPeer(
                f"{refusal} The safety code with the key the directory serves now: {self._code_with(candidate)}"
            ) from None
        return self._code_with(peer), peer

    def verify(self, imtag: str, what_was_compared: str) -> tuple[str, Peer]:
        """Record that the two people compared ``what_was_compared`` (the safety code they read to each other, or the
        peer's identity fingerprint), by pinning as verified exactly the key it names, a changed key included.

        The directory is asked once more and its answer must be that key: one that
        gives another code (a key swapped in after the comparison) is refused, and
        nothing is pinned. What names no key at all is a :class:`NotACode`.
        """
        found = self.platform().lookup(imtag)
        candidate = trusted_peer(self.pins, found, accept_new_identity=True, remember=False)
        code = self._code_with(candidate)
        if not compared(what_was_compared, code, candidate.identity_key):
            raise UntrustedPeer(
                f"WARNING: the key the directory serves for {candidate.imtag} now gives the safety code {code}, not the "
                f"one you compared: it is not the key you checked, and nothing was accepted. Compare again with "
                f"{candidate.imtag} in person or on a call."
            )
        peer = trusted_peer(self.pins, found, accept_new_identity=True)
        mark_verified(self.pins, peer.user_id)
        return code, replace(peer, verified=True)

    def _code_with(self, peer: Peer) -> str:
        return safety_code(IdentityPublicKey(b64url_decode(self.session.identity_key)), peer.identity_key)

    # --- helpers -------------------------------------------------------------

    @staticmethod
    def _statement(
        user_id: str,
        keys: AccountKeys | AgentKeys,
        cloud_url: str | None,
        sequence: int,
        confirmed: CloudConfirmed | None = None,
    ) -> JSONObject:
        statement: JSONObject = sign_key_statement(
            keys.identity_key,
            user_id=user_id,
            exchange_key=keys.exchange_key.public_key,
            cloud_url=cloud_url,
            sequence=sequence,
            cloud_confirmed=confirmed,
        )
        return statement

    @staticmethod
    def _cognito[**P, R](operation: Callable[P, R], *arguments: P.args, **keywords: P.kwargs) -> R:
        try:
            return operation(*arguments, **keywords)
        except SignInError as error:
            raise AccountError(str(error)) from None


def _opened[T](open_keys: Callable[[], T], wrong_password: str) -> T:
    """Open keys the platform served; a wrong password and a malformed bundle are both the person's to hear about."""
    try:
        return open_keys()
    except DecryptionError:
        raise AccountError(wrong_password) from None
    except CryptoError as error:
        raise AccountError(
            f"the platform served keys that are not well-formed ({error}); nothing was changed"
        ) from None


def _identity(peer: Peer) -> JSONObject:
    return {
        "identityFingerprint": str(peer.identity_key.fingerprint),
        "verified": peer.verified,
        "cloudConfirmed": peer.cloud_confirmation,
    }


def _expires_at(token: str) -> float:
    """When a JWT lapses, from its own claims; read only to renew it in time (the gateway verifies it)."""
    payload = token.split(".")[1]
    expires: float = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"]
    return expires


__all__ = [
    "Account",
    "AccountError",
    "ApiError",
    "MalformedCode",
    "PeerLeft",
    "SecondFactorNeeded",
    "Session",
    "UnconfirmedSignUp",
    "authenticator_code",
]
