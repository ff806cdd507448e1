"""The platform's Cognito user pool, as the sign-up triggers reach it: only to give up a sign-up that lost its iMTag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3


@dataclass
class UserPool:
    pool_id: str
    client: Any = None

    def __post_init__(self) -> None:
        self.client = self.client or boto3.client("cognito-idp")

    def delete_user(self, username: str) -> None:
        """Remove an account, so that its email may sign up again."""
        self.client.admin_delete_user(UserPoolId=self.pool_id, Username=username)
