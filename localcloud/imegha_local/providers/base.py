"""What every provider is: a CloudFormation model made through moto's backends, from the resolved properties.

A provider subclasses moto's ``CloudFormationModel`` and so joins moto's model
map (:func:`imegha_local.providers.register`); ``Ref`` is its
``physical_resource_id``, ``GetAtt`` reads its ``attributes``, and an update
replaces it. What the providers of several services share (a policy set on
each resource it names, an object the template names in S3) is here too.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from imegha_local.shims.core import PARTITION


class Provider(CloudFormationModel):
    """A resource made through moto's backends; ``Ref`` is ``physical_resource_id``, ``GetAtt`` reads ``attributes``."""

    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_resource_id: str, account_id: str, region: str, attributes: dict[str, Any]):
        self.physical_resource_id = physical_resource_id
        self.account_id = account_id
        self.region = region
        self.attributes = attributes

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.attributes:
            raise UnformattedGetAttTemplateException()
        return self.attributes[attribute_name]

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str, **kwargs: Any
    ) -> Provider:
        return cls.create(resource_name, cloudformation_json.get("Properties") or {}, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Provider,
        new_resource_name: str,
        cloudformation_json: dict,
        account_id: str,
        region_name: str,
    ) -> Provider:
        original_resource.delete(account_id, region_name)
        return cls.create(new_resource_name, cloudformation_json.get("Properties") or {}, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict, account_id: str, region_name: str
    ) -> None:
        """Instances delete themselves (``delete``); CloudFormation calls this only for objects that cannot."""

    def is_created(self) -> bool:
        return True

    @classmethod
    def create(cls, name: str, properties: dict, account_id: str, region: str) -> Provider:
        raise NotImplementedError

    def delete(self, account_id: str, region: str) -> None:
        raise NotImplementedError


class PolicyOnEach(Provider):
    """A policy document set on each resource its ``TARGETS`` property lists (topics, queues).

    The resources keep it until they go: an SNS topic's policy cannot be unset,
    and CloudFormation would only unset a queue's.
    """

    TARGETS: ClassVar[str] = ""
    ATTRIBUTES = ("Id",)

    @classmethod
    def create(cls, name, properties, account_id, region):
        document = policy_bytes(properties["PolicyDocument"]).decode()
        for target in properties[cls.TARGETS]:
            cls.set_policy(account_id, region, target, document)
        return cls(name, account_id, region, {"Id": name})

    @classmethod
    def set_policy(cls, account_id: str, region: str, target: str, document: str) -> None:
        raise NotImplementedError

    def delete(self, account_id, region):
        """Nothing to undo (see the class)."""


def policy_bytes(document: Any) -> bytes:
    return (document if isinstance(document, str) else json.dumps(document)).encode()


def s3_backend(account_id: str):
    from moto.s3.models import s3_backends

    return s3_backends[account_id][PARTITION]


def s3_object(account_id: str, bucket: str, key: str) -> bytes:
    return s3_backend(account_id).get_object(bucket, key).value
