"""Empties the cloud's bucket when CloudFormation deletes it: the storage stack's one custom resource.

CloudFormation cannot delete a bucket that holds any object version, and the
platform has no right to the cloud's objects. So the bucket is emptied here,
inside the user's own account, by a function whose role may list and delete
versions in this one bucket and nothing else, under the cloud boundary. Create
and Update have nothing to do. CloudFormation hears back whatever happens, so a
failure fails the deletion at once, naming why; destroying again goes on where
it stopped.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal.objects import ObjectStore
from dal.stack_answers import StackRequest, answer

logger = Logger()
# Kept back from the function's 15 minutes to answer CloudFormation after the last page of versions.
ANSWERING_SECONDS = 60


@logger.inject_lambda_context
@event_source(data_class=CloudFormationCustomResourceEvent)
def lambda_handler(event: CloudFormationCustomResourceEvent, context: LambdaContext) -> None:
    bucket = event.resource_properties["BucketName"]
    request = StackRequest(event.response_url, event.stack_id, event.request_id, event.logical_resource_id)
    if event.request_type != "Delete":
        # Named by its bucket: a new bucket is a new resource, and CloudFormation then deletes (empties) the old.
        answer(request, bucket)
        return
    reason = None
    try:
        seconds = context.get_remaining_time_in_millis() / 1000 - ANSWERING_SECONDS
        if not ObjectStore(bucket).empty(seconds):
            reason = f"the bucket {bucket} holds too much to empty at once: destroy again to go on"
    except Exception as error:  # noqa: BLE001 - CloudFormation must hear of any failure, or it waits an hour
        logger.exception("emptying failed", bucket=bucket)
        reason = f"the bucket {bucket} could not be emptied: {error}"
    logger.info("bucket emptied" if reason is None else "bucket not emptied", bucket=bucket)
    answer(request, event.physical_resource_id, reason)
