"""Cognito: ``AWS::Cognito::UserPool`` and ``AWS::Cognito::UserPoolClient``, which moto's CloudFormation cannot make.

Both are made by CreateUserPool and CreateUserPoolClient, from the template's
properties under the same names; a pool's ``EnabledMfas``, which CreateUserPool
does not take, is its SetUserPoolMfaConfig, as CloudFormation does it. A pool
with deletion protection is, as in AWS, not deleted.
"""

from __future__ import annotations

from imegha_local.providers.base import Provider
from imegha_local.shims.core import LocalCloudUnsupported


class UserPool(Provider):
    TYPE = "AWS::Cognito::UserPool"
    NAME_PROPERTY = "UserPoolName"
    ATTRIBUTES = ("Arn", "ProviderName", "ProviderURL", "UserPoolId")

    @classmethod
    def create(cls, name, properties, account_id, region):
        backend = _cognito(account_id, region)
        # CreateUserPool takes the template's properties by the same names, but for the pool's name.
        config = {key: value for key, value in properties.items() if key != "UserPoolName"}
        mfa = _mfa_config(name, properties)
        pool = backend.create_user_pool(name, config)
        if mfa:
            backend.set_user_pool_mfa_config(pool.id, *mfa)
        return cls(
            pool.id,
            account_id,
            region,
            {
                "Arn": pool.arn,
                "ProviderName": f"cognito-idp.{region}.amazonaws.com/{pool.id}",
                "ProviderURL": f"https://cognito-idp.{region}.amazonaws.com/{pool.id}",
                "UserPoolId": pool.id,
            },
        )

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = cloudformation_json.get("Properties") or {}
        pool_id = original_resource.physical_resource_id
        mfa = _mfa_config(pool_id, properties)
        backend = _cognito(account_id, region_name)
        backend.update_user_pool(pool_id, {k: v for k, v in properties.items() if k != "UserPoolName"})
        if mfa:
            backend.set_user_pool_mfa_config(pool_id, *mfa)
        return original_resource

    def delete(self, account_id, region):
        backend = _cognito(account_id, region)
        if backend.describe_user_pool(self.physical_resource_id).extended_config.get("DeletionProtection") == "ACTIVE":
            raise LocalCloudUnsupported(
                f"user pool {self.physical_resource_id} has deletion protection; as in AWS it is not deleted"
            )
        backend.delete_user_pool(self.physical_resource_id)


class UserPoolClient(Provider):
    TYPE = "AWS::Cognito::UserPoolClient"
    ATTRIBUTES = ("ClientId", "ClientSecret", "Name")

    @classmethod
    def create(cls, name, properties, account_id, region):
        config = {key: value for key, value in properties.items() if key not in ("UserPoolId", "GenerateSecret")}
        client = _cognito(account_id, region).create_user_pool_client(
            properties["UserPoolId"], bool(properties.get("GenerateSecret")), config
        )
        resource = cls(
            client.id,
            account_id,
            region,
            {"ClientId": client.id, "ClientSecret": client.secret, "Name": properties.get("ClientName", "")},
        )
        resource.user_pool_id = properties["UserPoolId"]
        return resource

    def delete(self, account_id, region):
        _cognito(account_id, region).delete_user_pool_client(self.user_pool_id, self.physical_resource_id)


def _mfa_config(pool: str, properties: dict) -> tuple[None, dict[str, bool], str] | None:
    """SetUserPoolMfaConfig's SMS and software-token settings and MfaConfiguration, as ``EnabledMfas`` gives them
    (moto's CreateUserPool ignores it); None where the template does not say. SMS and email codes are refused
    before anything is made: the local cloud sends neither."""
    if "EnabledMfas" not in properties:
        return None
    unsupported = sorted(set(properties["EnabledMfas"]) - {"SOFTWARE_TOKEN_MFA"})
    if unsupported:
        raise LocalCloudUnsupported(f"user pool {pool}: EnabledMfas {unsupported}: the local cloud sends no codes")
    return (
        None,
        {"Enabled": "SOFTWARE_TOKEN_MFA" in properties["EnabledMfas"]},
        properties.get("MfaConfiguration", "OFF"),
    )


def _cognito(account_id: str, region: str):
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region]
