"""The context object a Lambda handler receives, for calling handlers directly in tests."""

from dataclasses import dataclass


@dataclass
class FakeLambdaContext:
    function_name: str = "TestFunction"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:111111111111:function:TestFunction"
    aws_request_id: str = "test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
