"""Cognito on the local cloud, as AWS documents it: a user pool's triggers run, a new confirmation code goes only
where it is due, a revoked refresh token renews nothing, a discreet app client does not tell who has an account, and
software-token MFA takes only the current codes of the user's own authenticator secret."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from imegha.totp import totp
from imegha_local.shims import core


def public_cognito(local_cloud):
    return boto3.client(
        "cognito-idp",
        region_name=local_cloud.region,
        endpoint_url=local_cloud.endpoint_url,
        config=Config(signature_version=UNSIGNED),
    )


def test_a_failing_pre_sign_up_trigger_refuses_the_sign_up_and_creates_no_user(local_cloud, probe):
    with pytest.raises(ClientError) as refusal:
        public_cognito(local_cloud).sign_up(
            ClientId=probe["UserPoolClientId"], Username="eve@elsewhere.net", Password="Long-enough-passw0rd"
        )

    assert refusal.value.response["Error"]["Code"] == "UserLambdaValidationException"
    assert refusal.value.response["Error"]["Message"] == (
        "PreSignUp failed with error eve@elsewhere.net may not sign up here."
    )
    users = local_cloud.client("cognito-idp").list_users(UserPoolId=probe["UserPoolId"])["Users"]
    assert not [user for user in users if {"Name": "email", "Value": "eve@elsewhere.net"} in user["Attributes"]]


def test_confirming_a_sign_up_runs_the_post_confirmation_trigger(local_cloud, probe, records):
    public = public_cognito(local_cloud)
    signed_up = public.sign_up(
        ClientId=probe["UserPoolClientId"], Username="asha@example.org", Password="Long-enough-passw0rd"
    )
    public.confirm_sign_up(ClientId=probe["UserPoolClientId"], Username="asha@example.org", ConfirmationCode="1")

    received = records()[f"PostConfirmation_ConfirmSignUp:{signed_up['UserSub']}"]
    assert received["request"]["userAttributes"]["email"] == "asha@example.org"
    assert received["request"]["userAttributes"]["sub"] == signed_up["UserSub"]
    assert received["userPoolId"] == probe["UserPoolId"]


def test_a_new_confirmation_code_goes_only_to_a_sign_up_not_yet_confirmed(local_cloud, probe):
    public = public_cognito(local_cloud)
    client = probe["UserPoolClientId"]
    public.sign_up(ClientId=client, Username="noor@example.org", Password="Long-enough-passw0rd")

    resent = public.resend_confirmation_code(ClientId=client, Username="noor@example.org")
    public.confirm_sign_up(ClientId=client, Username="noor@example.org", ConfirmationCode="1")
    with pytest.raises(ClientError) as confirmed:
        public.resend_confirmation_code(ClientId=client, Username="noor@example.org")
    with pytest.raises(ClientError) as nobody:
        public.resend_confirmation_code(ClientId=client, Username="nobody@example.org")

    assert resent["CodeDeliveryDetails"] == {
        "Destination": "n***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert confirmed.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "User is already confirmed.",
    }
    assert nobody.value.response["Error"]["Code"] == "UserNotFoundException"


def test_a_revoked_refresh_token_renews_nothing_and_the_users_other_sessions_go_on(local_cloud, probe):
    public = public_cognito(local_cloud)
    client = probe["UserPoolClientId"]
    public.sign_up(ClientId=client, Username="lena@example.org", Password="Long-enough-passw0rd")
    public.confirm_sign_up(ClientId=client, Username="lena@example.org", ConfirmationCode="1")

    def signed_in() -> str:
        return public.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "lena@example.org", "PASSWORD": "Long-enough-passw0rd"},
        )["AuthenticationResult"]["RefreshToken"]

    def renewed(refresh_token: str) -> dict:
        return public.initiate_auth(
            ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": refresh_token}
        )["AuthenticationResult"]

    phone, laptop = signed_in(), signed_in()
    assert renewed(phone)["IdToken"]

    public.revoke_token(ClientId=client, Token=phone)

    with pytest.raises(ClientError) as revoked:
        renewed(phone)
    assert revoked.value.response["Error"] == {
        "Code": "NotAuthorizedException",
        "Message": "Refresh Token has been revoked",
    }
    assert renewed(laptop)["IdToken"]


def test_a_client_that_prevents_user_existence_errors_answers_for_nobody_as_for_anyone(local_cloud, probe):
    discreet = local_cloud.client("cognito-idp").create_user_pool_client(
        UserPoolId=probe["UserPoolId"], ClientName="discreet", PreventUserExistenceErrors="ENABLED"
    )["UserPoolClient"]

    answer = public_cognito(local_cloud).resend_confirmation_code(
        ClientId=discreet["ClientId"], Username="nobody@example.org"
    )

    assert answer["CodeDeliveryDetails"] == {
        "Destination": "n***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }


def test_signing_in_as_nobody_through_a_discreet_client_fails_as_a_wrong_password_does(local_cloud, probe):
    public = public_cognito(local_cloud)
    discreet = local_cloud.client("cognito-idp").create_user_pool_client(
        UserPoolId=probe["UserPoolId"],
        ClientName="discreet-sign-in",
        PreventUserExistenceErrors="ENABLED",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    public.sign_up(ClientId=discreet, Username="omar@example.org", Password="Long-enough-passw0rd")
    public.confirm_sign_up(ClientId=discreet, Username="omar@example.org", ConfirmationCode="1")

    def refusal(client_id: str, username: str, password: str) -> dict:
        with pytest.raises(ClientError) as refused:
            public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        return refused.value.response["Error"]

    wrong_password = refusal(discreet, "omar@example.org", "Not-his-passw0rd")
    assert (
        refusal(discreet, "nobody@example.org", "Not-his-passw0rd")
        == wrong_password
        == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}
    )
    assert (
        refusal(probe["UserPoolClientId"], "nobody@example.org", "Not-his-passw0rd")["Code"] == "UserNotFoundException"
    )


@pytest.fixture(scope="module")
def two_step_pool(local_cloud) -> str:
    """A pool where each user may turn software-token MFA on, and an app client signing in with passwords."""
    cognito = local_cloud.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName="two-step", UsernameAttributes=["email"])["UserPool"]["Id"]
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="OPTIONAL"
    )
    return cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="two-step", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]


@pytest.fixture
def at_noon(monkeypatch) -> float:
    """The local cloud's clock, stopped at a fixed time, so a code's step is known: 2030-01-01 12:00:00 UTC."""
    noon = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    monkeypatch.setattr(core, "now", lambda: noon)
    return noon.timestamp()


def signed_up(local_cloud, client: str, email: str, password: str = "Long-enough-passw0rd") -> Callable[..., dict]:
    """A confirmed user; returns how they start signing in (InitiateAuth's answer)."""
    public = public_cognito(local_cloud)
    public.sign_up(ClientId=client, Username=email, Password=password)
    public.confirm_sign_up(ClientId=client, Username=email, ConfirmationCode="1")

    def sign_in(with_password: str = password) -> dict:
        return public.initiate_auth(
            ClientId=client,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": with_password},
        )

    return sign_in


def with_authenticator(public, client: str, sign_in: Callable[..., dict], at: float) -> str:
    """Turns software-token MFA on for the user: associates a secret, verifies it with a current code, prefers it."""
    access_token = sign_in()["AuthenticationResult"]["AccessToken"]
    secret = public.associate_software_token(AccessToken=access_token)["SecretCode"]
    public.verify_software_token(AccessToken=access_token, UserCode=totp(secret, at))
    public.set_user_mfa_preference(
        AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
    )
    return secret


def answered(public, client: str, challenge: dict, email: str, code: str) -> dict:
    return public.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="SOFTWARE_TOKEN_MFA",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
    )


def refusal(call: Callable[[], object]) -> dict:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]


def test_an_authenticator_is_verified_only_with_a_current_code_of_the_users_own_secret(
    local_cloud, two_step_pool, at_noon
):
    public = public_cognito(local_cloud)
    sign_in = signed_up(local_cloud, two_step_pool, "tomas@example.org")
    other = signed_up(local_cloud, two_step_pool, "ines@example.org")
    access_token = sign_in()["AuthenticationResult"]["AccessToken"]

    secret = public.associate_software_token(AccessToken=access_token)["SecretCode"]
    others = public.associate_software_token(AccessToken=other()["AuthenticationResult"]["AccessToken"])["SecretCode"]

    assert secret != others and len(base64.b32decode(secret + "=" * (-len(secret) % 8))) >= 20
    for wrong in (totp(others, at_noon), totp(secret, at_noon - 60), totp(secret, at_noon + 60)):
        assert refusal(lambda code=wrong: public.verify_software_token(AccessToken=access_token, UserCode=code)) == {
            "Code": "EnableSoftwareTokenMFAException",
            "Message": "Code mismatch and fail enable Software Token MFA",
        }
    # One step of clock skew either way is allowed, as for any authenticator app.
    verified = public.verify_software_token(AccessToken=access_token, UserCode=totp(secret, at_noon - 30))
    assert verified["Status"] == "SUCCESS"


def test_with_the_authenticator_preferred_sign_in_asks_for_a_current_code_and_refuses_any_other(
    local_cloud, two_step_pool, at_noon
):
    public = public_cognito(local_cloud)
    sign_in = signed_up(local_cloud, two_step_pool, "yara@example.org")
    secret = with_authenticator(public, two_step_pool, sign_in, at_noon)

    challenge = sign_in()

    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in challenge
    for wrong in (totp(secret, at_noon - 60), "000000"):
        assert refusal(lambda code=wrong: answered(public, two_step_pool, challenge, "yara@example.org", code)) == {
            "Code": "CodeMismatchException",
            "Message": "Invalid code or auth state for the user.",
        }
    tokens = answered(public, two_step_pool, challenge, "yara@example.org", totp(secret, at_noon + 30))
    assert tokens["AuthenticationResult"]["IdToken"]


def test_a_new_secret_replaces_the_one_in_use_only_once_a_code_of_its_own_verifies_it(
    local_cloud, two_step_pool, at_noon
):
    public = public_cognito(local_cloud)
    sign_in = signed_up(local_cloud, two_step_pool, "kenji@example.org")
    first = with_authenticator(public, two_step_pool, sign_in, at_noon)

    def signs_in_with(secret: str) -> bool:
        try:
            answered(public, two_step_pool, sign_in(), "kenji@example.org", totp(secret, at_noon))
        except ClientError:
            return False
        return True

    access_token = answered(public, two_step_pool, sign_in(), "kenji@example.org", totp(first, at_noon))[
        "AuthenticationResult"
    ]["AccessToken"]
    second = public.associate_software_token(AccessToken=access_token)["SecretCode"]
    assert signs_in_with(first) and not signs_in_with(second)

    public.verify_software_token(AccessToken=access_token, UserCode=totp(second, at_noon))
    assert signs_in_with(second) and not signs_in_with(first)
    # Verified once, a secret is in use; verifying again with no new one associated is refused.
    assert refusal(lambda: public.verify_software_token(AccessToken=access_token, UserCode=totp(second, at_noon)))[
        "Code"
    ] == ("EnableSoftwareTokenMFAException")


def test_where_the_pool_requires_mfa_a_new_user_sets_up_the_authenticator_within_the_first_sign_in(
    local_cloud, at_noon
):
    admin = local_cloud.client("cognito-idp")
    pool = admin.create_user_pool(PoolName="two-step-required", UsernameAttributes=["email"])["UserPool"]["Id"]
    admin.set_user_pool_mfa_config(
        UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    client = admin.create_user_pool_client(
        UserPoolId=pool, ClientName="two-step-required", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    admin.admin_create_user(
        UserPoolId=pool, Username="lior@example.org", TemporaryPassword="Temporary-passw0rd", MessageAction="SUPPRESS"
    )
    public = public_cognito(local_cloud)
    first = public.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "lior@example.org", "PASSWORD": "Temporary-passw0rd"},
    )
    setup = public.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": "lior@example.org", "NEW_PASSWORD": "Own-long-passw0rd"},
    )
    assert setup["ChallengeName"] == "MFA_SETUP"

    associated = public.associate_software_token(Session=setup["Session"])
    secret = associated["SecretCode"]
    wrong = refusal(lambda: public.verify_software_token(Session=associated["Session"], UserCode="000000"))
    verified = public.verify_software_token(Session=associated["Session"], UserCode=totp(secret, at_noon))
    signed_in = public.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="MFA_SETUP",
        Session=verified["Session"],
        ChallengeResponses={"USERNAME": "lior@example.org"},
    )

    assert wrong["Code"] == "EnableSoftwareTokenMFAException"
    assert signed_in["AuthenticationResult"]["IdToken"]


def test_a_password_reset_by_email_leaves_the_code_to_be_asked_for(local_cloud, two_step_pool, at_noon):
    public = public_cognito(local_cloud)
    sign_in = signed_up(local_cloud, two_step_pool, "rosa@example.org")
    with_authenticator(public, two_step_pool, sign_in, at_noon)

    public.forgot_password(ClientId=two_step_pool, Username="rosa@example.org")
    public.confirm_forgot_password(
        ClientId=two_step_pool, Username="rosa@example.org", ConfirmationCode="1", Password="Taken-over-passw0rd"
    )

    after_reset = sign_in("Taken-over-passw0rd")
    assert after_reset["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and "AuthenticationResult" not in after_reset
    assert refusal(lambda: answered(public, two_step_pool, after_reset, "rosa@example.org", "123456"))["Code"] == (
        "CodeMismatchException"
    )


def test_a_pool_without_software_token_mfa_associates_no_authenticator(local_cloud, probe):
    sign_in = signed_up(local_cloud, probe["UserPoolClientId"], "olu@example.org")
    access_token = sign_in()["AuthenticationResult"]["AccessToken"]

    assert refusal(lambda: public_cognito(local_cloud).associate_software_token(AccessToken=access_token)) == {
        "Code": "SoftwareTokenMFANotFoundException",
        "Message": "Software Token MFA has not been enabled by the userPool.",
    }
