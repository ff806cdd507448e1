"""CloudFormation: custom resources, whose function CloudFormation asks to create, update or delete them.

moto sends its custom resources' function a Create request and nothing more:
it does not wait for the answer (a nested stack holding one is left
``CREATE_IN_PROGRESS``), never sends Update or Delete, and needs the function
to reach moto's server at a fixed address. Here each request goes to the
function in the local runtime, as AWS sends it (``RequestType``, ``ResponseURL``,
``StackId``, ``RequestId``, ``LogicalResourceId``, ``PhysicalResourceId``,
``ResourceProperties`` and, for Update, ``OldResourceProperties``), and the
stack goes on with the function's answer, PUT to the response URL: its
``PhysicalResourceId`` is ``Ref``, its ``Data`` is ``GetAtt``, and ``FAILED``
fails the resource with the function's ``Reason``. A function that returns
without answering fails it at once (AWS would wait an hour first).
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from imegha_local.providers.base import Provider
from imegha_local.shims.core import LocalCloudUnsupported, active

# moto gives ``Custom::<Name>`` types this provider too (shims.cloudformation._custom_types_are_custom_resources).
TYPE = "AWS::CloudFormation::CustomResource"


class CustomResourceFailed(Exception):
    """The function answered FAILED, or did not answer; the message is its reason."""


class CustomResource(Provider):
    """A resource its template's function makes: ``Ref`` is the physical id it answered, ``GetAtt`` its ``Data``."""

    TYPE = TYPE

    def __init__(self, physical_resource_id: str, account_id: str, region: str, attributes: dict, request: dict):
        super().__init__(physical_resource_id, account_id, region, attributes)
        self.request = request  # what every later request repeats: the stack, the resource, its properties

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True  # whatever the function puts in Data

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        request = {
            "ServiceToken": cloudformation_json["Properties"]["ServiceToken"],
            "StackId": kwargs["StackId"],
            "LogicalResourceId": kwargs["LogicalId"],
            "ResourceType": kwargs["ResourceType"],
            "ResourceProperties": cloudformation_json["Properties"],
        }
        answer = _ask(request | {"RequestType": "Create"})
        return cls(answer["PhysicalResourceId"], account_id, region_name, answer.get("Data") or {}, request)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        request = original_resource.request | {"ResourceProperties": cloudformation_json["Properties"]}
        answer = _ask(
            request
            | {
                "RequestType": "Update",
                "PhysicalResourceId": original_resource.physical_resource_id,
                "OldResourceProperties": original_resource.request["ResourceProperties"],
            }
        )
        if answer["PhysicalResourceId"] != original_resource.physical_resource_id:
            original_resource.delete(account_id, region_name)  # a replacement: AWS deletes the old one after
        return cls(answer["PhysicalResourceId"], account_id, region_name, answer.get("Data") or {}, request)

    def delete(self, account_id, region):
        _ask(self.request | {"RequestType": "Delete", "PhysicalResourceId": self.physical_resource_id})


def _ask(request: dict) -> dict:
    """Send ``request`` to its function and return the answer it PUT to the response URL."""
    hooks = active()
    with _response_url() as (url, answers):
        event = request | {"ResponseURL": url, "RequestId": str(uuid.uuid4())}
        try:
            result = hooks.runtime.invoke(request["ServiceToken"], event, source="cloudformation")
        except LookupError:
            raise LocalCloudUnsupported(
                f"no function {request['ServiceToken']} to send the custom resource to"
            ) from None
    if not answers:
        said = f": {result.payload.get('errorMessage')}" if result.error and isinstance(result.payload, dict) else ""
        raise CustomResourceFailed(
            f"{request['LogicalResourceId']}: the function did not answer the {event['RequestType']} request{said}"
        )
    answer = answers[-1]
    if answer.get("Status") != "SUCCESS":
        raise CustomResourceFailed(
            f"{request['LogicalResourceId']}: {answer.get('Reason') or 'the function answered FAILED'}"
        )
    return answer


@contextlib.contextmanager
def _response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A URL that takes the function's answer (as CloudFormation's presigned S3 URL does), for one request."""
    answers: list[dict[str, Any]] = []

    class Answer(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            answers.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            """Quiet: the invocation log says what the function did."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, name="custom-resource-answer", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/answers", answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
