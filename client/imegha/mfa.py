"""Two-step sign-in: the code an authenticator app shows (TOTP, Cognito's software-token MFA) at every sign-in.

Turning it on is Cognito's three steps: AssociateSoftwareToken gives a new
secret, which the person adds to their app; VerifySoftwareToken with the code
the app then shows proves the app holds it; SetUserMFAPreference has Cognito ask
for a code at every sign-in from then on. Turning it off takes the password and
a current code, which Cognito itself checks in a sign-in of its own, so that a
session left open on a device is not enough to take the second step away.
"""

from __future__ import annotations

from dataclasses import dataclass

from imegha_crypto import authentication_secret

from . import accounts
from .accounts import Account, AccountError, authenticator_code
from .cognito import SignInError
from .endpoints import Unreachable
from .totp import otpauth_uri


@dataclass(frozen=True)
class Enrolment:
    """A new authenticator secret, not yet in use: the person adds it to their app, as text or as the URI."""

    secret: str
    """Base32, as the app's 'enter a setup key' asks for it; also the app's backup: kept with the 24 words."""
    uri: str
    """``otpauth://totp/iMegha:<email>?secret=…``, what the app reads from a QR code."""


class SecondFactor:
    """Two-step sign-in for one signed-in person: on, off, and whether it is on.

    >>> two_step = SecondFactor(alice)  # doctest: +SKIP
    >>> enrolment = two_step.begin()  # doctest: +SKIP
    >>> print(enrolment.uri)  # doctest: +SKIP
    otpauth://totp/iMegha:alice@example.org?secret=…&issuer=iMegha&algorithm=SHA1&digits=6&period=30
    >>> two_step.enable("492 039")  # doctest: +SKIP
    >>> two_step.disable(password, "118 204")  # doctest: +SKIP
    """

    def __init__(self, account: Account):
        self.account = account

    def enabled(self) -> bool:
        """Whether Cognito asks this person for an authenticator app's code at sign-in."""
        access_token = self.account.live_session().access_token
        return Account._cognito(self.account.cognito.software_token_mfa, access_token)

    def begin(self) -> Enrolment:
        """Have Cognito make a new secret for an authenticator app; :meth:`enable` with the app's code puts it to use.

        Refused while two-step sign-in is on: moving to a new app goes through :meth:`disable`, which asks for a
        current code, so that an open session alone cannot swap the authenticator for another.
        """
        if self.enabled():
            raise AccountError("two-step sign-in is on already: to move to a new authenticator app, turn it off first")
        session = self.account.live_session()
        secret = Account._cognito(self.account.cognito.associate_software_token, session.access_token)
        return Enrolment(secret, otpauth_uri(secret, session.email))

    def enable(self, code: str) -> None:
        """Check the app's current ``code`` against the secret :meth:`begin` made, then ask for codes at sign-in."""
        access_token = self.account.live_session().access_token
        cognito = self.account.cognito
        Account._cognito(cognito.verify_software_token, access_token, authenticator_code(code))
        Account._cognito(cognito.use_software_token_mfa, access_token, True)

    def disable(self, password: str, code: str) -> None:
        """Stop asking for codes, once Cognito has signed the person in afresh with ``password`` and ``code``.

        That sign-in's own session is revoked after it: it was only a proof.
        """
        checked = authenticator_code(code)
        email = self.account.session.email
        secret = authentication_secret(email, password, iterations=accounts.KDF_ITERATIONS)
        cognito = self.account.cognito
        proof = Account._cognito(cognito.sign_in, email, secret, lambda: checked)
        Account._cognito(cognito.use_software_token_mfa, proof.access_token, False)
        if proof.refresh_token:
            try:
                cognito.revoke(proof.refresh_token)
            except (SignInError, Unreachable):
                pass  # it lapses by itself; two-step sign-in is off either way
