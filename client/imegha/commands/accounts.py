"""Accounts: signup, login, logout, passwd, recover, whoami, connect, connections, accept, decline, disconnect, verify."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable

from ..accounts import Account, AccountError, SecondFactorNeeded, UnconfirmedSignUp
from ..cloud_profile import CloudProfile, described, quietly, summary
from ..endpoints import Endpoints
from ..profile import Profile
from ..safe_text import shown
from ..trust import Peer, UntrustedPeer
from . import BadInput, CommandError, Handler, SecretReader, Subparsers, emit, refusals_shown, say, secrets_from_stdin

MIN_PASSWORD_LENGTH = 12
# What --password-stdin reads after the other secrets when the account has two-step sign-in on.
MFA_CODE_LINE = "the code your authenticator app shows (if two-step sign-in is on)"


def register(subparsers: Subparsers) -> None:
    def add(name: str, handler: Handler, help_text: str, secrets: tuple[str, ...] = ()) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        if secrets:
            secrets_from_stdin(parser, *secrets)
        parser.set_defaults(handler=handler)
        return parser

    def imtag(parser: argparse.ArgumentParser, whose: str) -> None:
        parser.add_argument("imtag", help=whose)

    signup = add(
        "signup", signup_command, "create an account: keys are made on this device", secrets=("your password",)
    )
    signup.add_argument("email", help="your email: Cognito sends the confirmation code there")
    imtag(
        signup,
        "your public handle, e.g. DrAsha: 3 to 32 ASCII letters, digits, '_', '.' or '-', a letter first; not a tag "
        "that is taken in any letter case or looks like one (AIice or A1ice beside Alice)",
    )
    signup.add_argument("--code", help="the confirmation code Cognito emailed (asked for if omitted)")

    login = add(
        "login",
        login_command,
        "sign in on this device with your password (and, with two-step sign-in on, your authenticator app's code)",
        secrets=("your password", MFA_CODE_LINE),
    )
    login.add_argument("email", help="the email you signed up with")
    login.add_argument(
        "--code",
        help="for a sign-up never confirmed: the confirmation code Cognito emailed "
        "(else a new one is emailed and asked for)",
    )
    _mfa_code_option(login)

    add("logout", logout_command, "forget this device's session and stop its key agent")
    add("whoami", whoami_command, "who this profile is signed in as")
    add(
        "passwd",
        passwd_command,
        "change your password (your keys stay the same)",
        secrets=("your current password", "the new password"),
    )

    recover = add(
        "recover",
        recover_command,
        "set a new password with your 24-word recovery phrase",
        secrets=("your recovery phrase (24 words)", "the new password", MFA_CODE_LINE),
    )
    recover.add_argument("email", help="the email you signed up with")
    recover.add_argument("--code", help="the reset code Cognito emailed (asked for if omitted)")
    _mfa_code_option(recover)

    imtag(add("connect", connect_command, "ask someone to connect, by iMTag"), "whom to ask")
    add("connections", connections_command, "your connections and requests, with fingerprints")
    for name, handler, text, whose in (
        ("accept", accept_command, "accept a connection request", "whose request"),
        ("decline", decline_command, "decline a connection request", "whose request"),
        ("disconnect", disconnect_command, "remove a connection or withdraw a request", "whom"),
    ):
        imtag(add(name, handler, text), whose)
    verify = add("verify", verify_command, "show the safety code to compare with someone")
    imtag(verify, "whom to compare with")
    verify.add_argument(
        "--accept",
        nargs="*",
        metavar="CODE",
        help="the safety code you both read (or their key's fingerprint): records that it matched, and trusts exactly "
        "the key it was computed from (a changed key too); refused if the directory now serves another",
    )


def _mfa_code_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mfa-code",
        metavar="CODE",
        help="with two-step sign-in on: the code your authenticator app shows now (else asked for when needed)",
    )


def _mfa_code(args: argparse.Namespace, secrets: SecretReader) -> Callable[[], str]:
    """The authenticator app's code, asked for only when Cognito asks: --mfa-code, or the next secret read."""
    return lambda: args.mfa_code or secrets.read("Code from your authenticator app: ", optional=True)


def _mfa_code_given(needed: SecondFactorNeeded, command: str) -> CommandError:
    return CommandError(
        f"{needed}: run 'imegha {command}' again with it (--mfa-code CODE, or with --password-stdin the line after"
        " the other secrets)"
    )


def account_for(args: argparse.Namespace) -> Account:
    try:
        profile = Profile.named(args.profile)
    except ValueError as error:
        raise BadInput(str(error)) from None
    return Account(profile, Endpoints.discover())


guarded = refusals_shown(AccountError, UntrustedPeer, api_refusal="the platform refused: {message}")


def _new_password(secrets: SecretReader, prompt: str = "New password: ") -> str:
    password = secrets.read(prompt, confirm=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInput(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _code_source(
    args: argparse.Namespace, account: Account, what: str, sent_to: str | None = None
) -> Callable[[], str]:
    def ask() -> str:
        if args.code:
            return str(args.code)
        if account.endpoints.aws_endpoint_url:
            # The local cloud sends no email and Cognito there accepts any code.
            return "000000"
        if args.password_stdin:
            raise BadInput(f"pass the {what} code Cognito emailed to {sent_to or args.email} with --code")
        return input(f"The {what} code Cognito emailed to {sent_to or args.email}: ").strip()

    return ask


class _UnconfirmedSignUpCode:
    """For a sign-up that stopped before its confirmation code: the code given with --code, else, once the person
    agrees (a script agreed by running the command), a new one Cognito emails now; ``sent_to`` says where."""

    def __init__(self, args: argparse.Namespace, account: Account):
        self.args, self.account = args, account
        self.sent_to: str | None = None

    def __call__(self) -> str:
        args = self.args
        if args.code:
            return str(args.code)
        if not (args.password_stdin or self.account.endpoints.aws_endpoint_url):
            offer = input(f"The sign-up of {args.email} was never confirmed. Email a new confirmation code? [Y/n] ")
            if offer.strip().lower() not in ("", "y", "yes"):
                raise CommandError(
                    f"not confirmed: run 'imegha login {args.email} --code CODE' with the code Cognito emailed"
                )
        self.sent_to = self.account.resend_confirmation_code(args.email)
        return _code_source(args, self.account, "new confirmation", self.sent_to)()


@guarded
def signup_command(args: argparse.Namespace) -> None:
    secrets = SecretReader(args)
    account = account_for(args)
    password = _new_password(secrets, "Password: ")
    code = _UnconfirmedSignUpCode(args, account)
    try:
        phrase = account.sign_up(args.email, password, args.imtag, _code_source(args, account, "confirmation"))
    except UnconfirmedSignUp:
        # The same person signing up again after stopping before the code: confirm that sign-up and finish it.
        finished = account.log_in(args.email, password, code)
        if finished is None:  # an unconfirmed sign-up has no keys yet, so this one made them
            raise CommandError(
                f"{args.email} has an account with its keys already: 'imegha login {args.email}'"
            ) from None
        phrase = finished
    session = account.session
    data = {"userId": session.user_id, "email": session.email, "iMTag": session.imtag, "recoveryPhrase": phrase}
    text = f"Signed up as {session.imtag} ({session.email}).\n"
    if session.imtag != args.imtag:
        text += f"{session.imtag} is the iMTag your first sign-up chose, and an iMTag cannot change.\n"
    if code.sent_to:
        data["newConfirmationCodeSentTo"] = code.sent_to
    emit(
        args,
        data,
        lambda: (
            text + "\nYour recovery phrase. Write it down now: it is shown once, and it is the only way\n"
            "back into your files if you forget your password.\n\n" + _numbered(phrase)
        ),
    )


@guarded
def login_command(args: argparse.Namespace) -> None:
    secrets = SecretReader(args)
    account = account_for(args)
    password = secrets.read("Password: ")
    code = _UnconfirmedSignUpCode(args, account)
    try:
        phrase = account.log_in(args.email, password, code, _mfa_code(args, secrets))
    except SecondFactorNeeded as needed:
        raise _mfa_code_given(needed, "login") from None
    session = account.session
    data = {"userId": session.user_id, "email": session.email, "iMTag": session.imtag}
    text = f"Signed in as {session.imtag} ({session.email}); keys unlocked on this device."
    if code.sent_to:
        data["newConfirmationCodeSentTo"] = code.sent_to
        text = f"Your sign-up is confirmed, with the new code emailed to {code.sent_to}.\n" + text
    if phrase:
        data["recoveryPhrase"] = phrase
        text += "\nYour sign-up was unfinished and is now complete. Your recovery phrase:\n\n" + _numbered(phrase)
    emit(args, data, text)


@guarded
def logout_command(args: argparse.Namespace) -> None:
    revoked = account_for(args).log_out()
    emit(
        args,
        {"signedOut": True, "sessionRevoked": revoked},
        "Signed out; this device holds no keys for the profile now, and "
        + (
            "Cognito revoked the session."
            if revoked
            else "Cognito could not be reached to revoke the session: it lapses by itself within 30 days."
        ),
    )


@guarded
def whoami_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    session = account.session
    card = quietly(lambda: CloudProfile(account).mine())
    emit(
        args,
        {"userId": session.user_id, "email": session.email, "iMTag": session.imtag}
        | ({"profile": summary(card)} if card else {}),
        f"{session.imtag} ({session.email})" + (f"\n  {described(card)}" if card else ""),
    )


@guarded
def passwd_command(args: argparse.Namespace) -> None:
    secrets = SecretReader(args)
    account = account_for(args)
    old = secrets.read("Current password: ")
    account.change_password(old, _new_password(secrets))
    emit(args, {"changed": True}, "Password changed; your keys and recovery phrase are unchanged.")


@guarded
def recover_command(args: argparse.Namespace) -> None:
    secrets = SecretReader(args)
    account = account_for(args)
    phrase = secrets.read("Recovery phrase: ")
    new_password = _new_password(secrets)
    try:
        account.recover(
            args.email, phrase, new_password, _code_source(args, account, "reset"), _mfa_code(args, secrets)
        )
    except SecondFactorNeeded as needed:
        # The emailed code has set the new password, and the DEK under it waits beside the stored keys; signing in
        # with the new password and a code finishes the recovery.
        raise CommandError(
            f"{needed}: your new password is set; sign in with it and the code: 'imegha login {args.email}'"
            " (--mfa-code CODE)"
        ) from None
    emit(
        args,
        {"recovered": True, "iMTag": account.session.imtag},
        "Recovered: sign in with your new password from now on.",
    )


@guarded
def connect_command(args: argparse.Namespace) -> None:
    result = account_for(args).connect(args.imtag)
    state = "connected" if result["status"] == "connected" else "request sent"
    emit(
        args,
        result,
        f"{shown(result['iMTag'])}: {state}. Their identity key's fingerprint: {result['identityFingerprint']}",
    )


@guarded
def connections_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    listed = account.connections()
    cards = quietly(lambda: CloudProfile(account).of_connections()) or {}
    for connection in listed:
        if connection["iMTag"] in cards:
            connection["profile"] = summary(cards[connection["iMTag"]])

    def text() -> str:
        if not listed:
            return "No connections yet: 'imegha connect <iMTag>'."
        return "\n".join(
            f"{shown(c['iMTag']):<20} {shown(c['status']):<10} "
            + (
                f"deleted their account on {shown(c['since'][:10])}"
                if c["status"] == "left"
                else shown(c["warning"])
                if "warning" in c
                else shown(c["identityFingerprint"])
                + ("  verified" if c["verified"] else "")
                + ("  cloud unconfirmed" if c.get("cloudConfirmed") is False else "")
            )
            + (f"\n  {described(cards[c['iMTag']])}" if c["iMTag"] in cards else "")
            for c in listed
        )

    emit(args, {"connections": listed}, text)


@guarded
def accept_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    result = account.accept(args.imtag)
    quietly(lambda: CloudProfile(account).share_with_connections())  # they see your profile from now on
    emit(
        args,
        result,
        f"{shown(result['iMTag'])}: connected. Their identity key's fingerprint: {result['identityFingerprint']}",
    )


@guarded
def decline_command(args: argparse.Namespace) -> None:
    account_for(args).decline(args.imtag)
    emit(args, {"iMTag": args.imtag, "status": "declined"}, f"{args.imtag}: request declined.")


@guarded
def disconnect_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    # First: their share of your profile revoked, and the profile sealed again under a key they never had.
    quietly(lambda: CloudProfile(account).forget(args.imtag))
    account.disconnect(args.imtag)
    emit(args, {"iMTag": args.imtag, "status": "disconnected"}, f"{args.imtag}: disconnected.")


@guarded
def verify_command(args: argparse.Namespace) -> None:
    account = account_for(args)
    if args.accept is None:
        code, peer = account.safety_code(args.imtag)
    elif not args.accept:
        raise BadInput(
            f"pass the safety code you and {args.imtag} read to each other (or their key's fingerprint): "
            f"imegha verify {args.imtag} --accept CODE. Accepting records that exact key, not whatever the "
            "directory serves now"
        )
    else:
        code, peer = account.verify(args.imtag, " ".join(args.accept))
    emit(
        args,
        {
            "iMTag": peer.imtag,
            "safetyCode": code,
            "verified": peer.verified,
            "identityFingerprint": str(peer.identity_key.fingerprint),
            "cloudUrl": peer.cloud_url,
            "cloudConfirmed": peer.cloud_confirmation,
        },
        lambda: (
            f"Safety code with {peer.imtag}:\n\n  {code}\n\n"
            + (
                "Recorded as verified: this key, and only this key."
                if args.accept
                else f"Read it to {peer.imtag} in person or on a call; if it matches theirs, run "
                f"'imegha verify {peer.imtag} --accept CODE' with the code you both read."
            )
        ),
    )


def warned_unverified(peers: Iterable[Peer]) -> list[str]:
    """Say on stderr, before anything is sealed for them, which of ``peers`` this device has never verified (their key
    is the directory's word alone); their iMTags, for the answer's ``unverified``."""
    unverified = [peer.imtag for peer in peers if not peer.verified]
    for imtag in map(shown, unverified):
        say(
            f"imegha: warning: {imtag} is not verified on this device: this is sealed for the key the directory serves "
            f"for {imtag}, which nobody has checked yet. Compare safety codes with them ('imegha verify {imtag}').",
            file=sys.stderr,
            flush=True,
        )
    return unverified


def _numbered(phrase: str) -> str:
    words = phrase.split()
    return "\n".join(
        "   ".join(f"{index + row * 6 + 1:>2}. {words[index + row * 6]:<10}" for index in range(6)) for row in range(4)
    )
