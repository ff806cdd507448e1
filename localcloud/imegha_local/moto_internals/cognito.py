"""The internals of Cognito user pools and their triggers."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, added, attribute, class_, method

INTERNALS: tuple[Internal, ...] = (
    # moto.cognitoidp
    class_(
        "moto.cognitoidp.exceptions.CodeMismatchException",
        "message",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    class_(
        "moto.cognitoidp.exceptions.InvalidParameterException",
        "msg",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    class_(
        "moto.cognitoidp.exceptions.NotAuthorizedError", "message", "shims.cognito._cognito_hides_whether_a_user_exists"
    ),
    class_(
        "moto.cognitoidp.exceptions.ResourceNotFoundError",
        "message",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    class_(
        "moto.cognitoidp.exceptions.UserNotFoundError",
        "message",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.admin_confirm_sign_up",
        "self, user_pool_id, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.admin_create_user",
        "self, user_pool_id, username, message_action, temporary_password, attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.associate_software_token",
        "self, access_token, session",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.confirm_forgot_password",
        "self, client_id, username, password, confirmation_code",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.confirm_sign_up",
        "self, client_id, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.create_user_pool",
        "self, name, extended_config",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.create_user_pool_client",
        "self, user_pool_id, generate_secret, extended_config",
        "providers.cognito.UserPoolClient",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.delete_user_pool", "self, user_pool_id", "providers.cognito.UserPool"
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.delete_user_pool_client",
        "self, user_pool_id, client_id",
        "providers.cognito.UserPoolClient",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.describe_user_pool",
        "self, user_pool_id",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_checks_authenticator_codes",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.get_user",
        "self, access_token",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.initiate_auth",
        "self, client_id, auth_flow, auth_parameters",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.respond_to_auth_challenge",
        "self, session, client_id, challenge_name, challenge_responses",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    attribute("moto.cognitoidp.models.CognitoIdpBackend.sessions", "shims.cognito._cognito_checks_authenticator_codes"),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.set_user_pool_mfa_config",
        "self, user_pool_id, sms_config, token_config, mfa_config",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.sign_up",
        "self, client_id, username, password, attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.update_user_pool",
        "self, user_pool_id, extended_config",
        "providers.cognito.UserPool",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpBackend.verify_software_token",
        "self, access_token, session, user_code, friendly_device_name",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpBackend.user_pools",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUser.attribute_lookup",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUser.user_pool_id", "shims.cognito._cognito_checks_authenticator_codes"
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpUser.update_attributes",
        "self, new_attributes",
        "shims.cognito._cognito_invokes_lambda_triggers",
    ),
    method(
        "moto.cognitoidp.models.CognitoIdpUserPool._get_user",
        "self, username",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.clients",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.extended_config",
        "shims.cognito._cognito_invokes_lambda_triggers",
        "providers.cognito.UserPool",
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.refresh_tokens", "shims.cognito._cognito_revokes_refresh_tokens"
    ),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPool.token_mfa_config",
        "shims.cognito._cognito_checks_authenticator_codes",
    ),
    attribute("moto.cognitoidp.models.CognitoIdpUserPool.users", "shims.cognito._cognito_invokes_lambda_triggers"),
    attribute(
        "moto.cognitoidp.models.CognitoIdpUserPoolClient.extended_config",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_hides_whether_a_user_exists",
    ),
    method(
        "moto.cognitoidp.models.RegionAgnosticBackend._find_backend_for_clientid",
        "self, client_id",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    attribute("moto.cognitoidp.models.UserStatus.CONFIRMED", "shims.cognito._cognito_invokes_lambda_triggers"),
    attribute("moto.cognitoidp.models.UserStatus.UNCONFIRMED", "shims.cognito._cognito_resends_confirmation_codes"),
    attribute(
        "moto.cognitoidp.models.cognitoidp_backends", "providers.cognito.UserPool", "providers.cognito.UserPoolClient"
    ),
    method(
        "moto.cognitoidp.responses.CognitoIdpResponse._get_region_agnostic_backend",
        "self",
        "shims.cognito._cognito_resends_confirmation_codes",
        "shims.cognito._cognito_revokes_refresh_tokens",
    ),
    added(
        "moto.cognitoidp.responses.CognitoIdpResponse.resend_confirmation_code",
        "shims.cognito._cognito_resends_confirmation_codes",
    ),
    added("moto.cognitoidp.responses.CognitoIdpResponse.revoke_token", "shims.cognito._cognito_revokes_refresh_tokens"),
)
