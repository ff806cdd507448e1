"""Where a user's cloud may stand: the AWS regions the platform publishes each release to, and the region a
deployment role is for.

The list is written once, as the platform template's ``UserCloudRegions`` parameter; the functions that need it
read it from ``USER_CLOUD_REGIONS`` (the same list, comma-separated), the publishing steps from the stack's output
of that name. A Lambda reads its code only from a bucket in its own region, so a region without a published release
cannot hold a cloud: any other is refused.

The bootstrap stack names the deployment role after the region it was launched in
(``imegha-deployment-<region>``), and its policies allow building only there: the role's name says where the cloud
it deploys stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from imegha_service.errors import InvalidRequest

REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_DEPLOYMENT_ROLE = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/imegha-deployment-(?P<region>[a-z0-9-]+)")


@dataclass(frozen=True)
class Regions:
    """The platform's own region (its directory, Cognito, doorbell) and those users' clouds may be deployed to."""

    platform: str
    supported: tuple[str, ...]

    @classmethod
    def parse(cls, platform: str, listing: str) -> Regions:
        """From ``USER_CLOUD_REGIONS``; a list that names no region, or something that is not one, is refused at
        once (a misconfigured platform should fail at its first request, not deploy somewhere odd)."""
        supported = tuple(region.strip() for region in listing.split(",") if region.strip())
        if not supported or not all(REGION.fullmatch(region) for region in supported):
            raise ValueError(f"USER_CLOUD_REGIONS must list AWS regions, comma-separated: {listing!r}")
        return cls(platform, supported)

    def require(self, region: str, field: str = "region") -> str:
        """``region`` if a user's cloud may stand there; :class:`InvalidRequest` naming those it may otherwise."""
        if region not in self.supported:
            raise InvalidRequest(
                field, f"iMegha does not deploy to {region!r}; choose one of {', '.join(self.supported)}"
            )
        return region


def of_role(role_arn: str) -> str | None:
    """The region a deployment role's bootstrap stack was launched in, or None for a role not named by one."""
    match = _DEPLOYMENT_ROLE.fullmatch(role_arn)
    region = match["region"] if match else None
    return region if region and REGION.fullmatch(region) else None
