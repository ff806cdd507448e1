"""Resource types the local CloudFormation creates although moto's CloudFormation cannot, one module per service.

moto has backends for Cognito, API Gateway (v1 and v2), Step Functions, S3,
SNS and SQS, but no CloudFormation model for several of their resource types,
or one that drops what iMegha's templates say. Each provider creates the
resource through moto's own backend, from the template's resolved properties,
so that the API calls see it as if CloudFormation had made it; an API stage
also goes live on the local gateway. What a provider cannot honour fails the
stack, naming the resource, rather than being left out.

Providers subclass moto's ``CloudFormationModel`` (:class:`.base.Provider`) and
so join moto's model map; one for a type moto already models replaces moto's.
"""

from __future__ import annotations

from imegha_local.providers import (  # noqa: F401 - imported for their providers, which register() finds
    cloudformation,
    cloudwatch,
    cognito,
    http_api,
    rest_api,
    s3,
    sns,
    sqs,
    stepfunctions,
)
from imegha_local.providers.base import Provider


def _providers(base: type[Provider]):
    """Every provider of a resource type under ``base``, however deep (HTTP API parts share a base of their own)."""
    for provider in base.__subclasses__():
        if provider.TYPE:
            yield provider
        yield from _providers(provider)


def register() -> None:
    """Make moto's CloudFormation use these providers, in place of its own model of a type where it has one.

    moto lists its models once (``CloudFormationModel.__subclasses__()``, cached):
    the providers are put into that list, and the maps derived from it rebuilt.
    """
    from moto.cloudformation import parsing

    ours = {provider.TYPE: provider for provider in _providers(Provider)}
    models = parsing.get_model_list()
    models[:] = [model for model in models if model is not Provider and model.cloudformation_type() not in ours]
    models += ours.values()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
