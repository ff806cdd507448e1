"""Cognito on the local cloud, as AWS documents it: a user pool's triggers run, a new confirmation code goes only
where it is due, a revoked refresh token renews nothing, and a discreet app client does not tell who has an account."""

from __future__ import annotations

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


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
