"""The adapters the storage and sharing functions share, made once per container from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from dal.audit import AuditedTable
from dal.library import LibraryStore
from dal.objects import ObjectStore
from dal.shares import ShareStore
from imegha_service.events import Announcer, SignedDoorbell


@dataclass(frozen=True)
class Cloud:
    library: LibraryStore
    shares: ShareStore
    audited: AuditedTable
    objects: ObjectStore
    platform_bus: Announcer

    @classmethod
    def from_environment(cls) -> Cloud:
        table = os.environ["TABLE_NAME"]
        return cls(
            LibraryStore(table),
            ShareStore(table),
            AuditedTable(table),
            ObjectStore(os.environ["BUCKET_NAME"]),
            SignedDoorbell(os.environ["PLATFORM_DOORBELL_URL"], region=os.environ["PLATFORM_REGION"]),
        )
