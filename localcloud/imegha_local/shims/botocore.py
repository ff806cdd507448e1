"""botocore's data read once per process: no AWS behaviour, only speed.

botocore's data files (endpoints, partitions, each service's model) and the
regions moto derives from them are read again for each account (each has its
own session and its own backends), where AWS's answer cannot differ from one
account to the next. Reading them once is what lets ``imegha local up`` start,
and a user's cloud deploy, in a few seconds. These two shims act whether or not
a local cloud is active: they change no answer, only when it is computed.
"""

from __future__ import annotations

import functools
import pickle
from typing import Any


def _botocore_decodes_each_data_file_once() -> None:
    """botocore's data files (endpoints, partitions, each service's model) are decoded once per process.

    botocore caches what it loads on each session's loader, and the local cloud
    makes a session per account (and moto several more, listing EC2's regions
    as it is imported), so each decodes endpoints.json and every model again:
    about 1 s of a cold ``imegha local up``. The files do not change while the
    process runs, so the first decoding is kept as a pickled snapshot and every
    caller gets a copy of its own (unpickling is 2-5x faster than decoding the
    JSON). A copy, because botocore edits what it loaded: its S3 handler
    ``remove_bucket_from_url_paths_from_model`` rewrites an operation's
    ``requestUri`` in place, and one shared dict would hand that edit to moto's
    own S3 router in the same process. Not a behaviour AWS documents; starting
    in under five seconds depends on it.
    """
    from botocore.loaders import JSONFileLoader

    decode = JSONFileLoader.load_file
    snapshots: dict[str, bytes] = {}

    def load_file(loader: JSONFileLoader, file_path: str) -> Any:
        snapshot = snapshots.get(file_path)
        if snapshot is None:
            decoded = decode(loader, file_path)
            snapshots[file_path] = pickle.dumps(decoded, protocol=pickle.HIGHEST_PROTOCOL)
            return decoded
        return pickle.loads(snapshot)

    JSONFileLoader.load_file = load_file


def _moto_lists_regions_once_per_service() -> None:
    """A service's regions are listed once per process, not once per account.

    moto caches the list on each account's backend object, so each new account
    pays again, some 0.1 s per service: a user's cloud touches a dozen services in
    an account of its own. Not a behaviour AWS documents; deploying a user's cloud
    in under three seconds depends on it.
    """
    from moto.core.base_backend import AccountSpecificBackend

    per_account = AccountSpecificBackend._generate_regions.__wrapped__

    @functools.cache
    def regions(service_name: str) -> list[str]:
        return per_account(None, service_name)

    AccountSpecificBackend._generate_regions = lambda backend, service_name: regions(service_name)
