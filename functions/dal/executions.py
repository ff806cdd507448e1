"""The deploy state machine's executions, read back for the person following one: the steps it has taken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

# History events that say how a step ended badly, and where their error name sits.
_FAILURE_DETAILS = ("taskFailedEventDetails", "lambdaFunctionFailedEventDetails", "executionFailedEventDetails")
# History events that end an execution: the record's status is set a step or two before the execution ends.
_ENDS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut")


@dataclass
class DeploymentExecutions:
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("stepfunctions")

    def steps(self, execution_arn: str) -> list[dict]:
        """Each state entered, in order, when, and the error a failed one ended with; the step the execution ended
        with says ``"last": true``."""
        steps: list[dict] = []
        arguments = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.client.get_execution_history(**arguments)
            for event in page["events"]:
                if "stateEnteredEventDetails" in event:
                    steps.append(
                        {
                            "step": event["stateEnteredEventDetails"]["name"],
                            "at": event["timestamp"].isoformat(timespec="seconds"),
                        }
                    )
                failed = next((event[key] for key in _FAILURE_DETAILS if key in event), None)
                if failed and steps:
                    steps[-1]["error"] = failed.get("error")
                if event["type"] in _ENDS and steps:
                    steps[-1]["last"] = True
            if not page.get("nextToken"):
                return steps
            arguments["nextToken"] = page["nextToken"]
