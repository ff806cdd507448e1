"""The internals of botocore, which the shims and the Lambda workers load AWS models through."""

from __future__ import annotations

from imegha_local.moto_internals.entries import Internal, function, method

INTERNALS: tuple[Internal, ...] = (
    # botocore.loaders
    method(
        "botocore.loaders.JSONFileLoader.load_file",
        "self, file_path",
        "shims.botocore._botocore_decodes_each_data_file_once",
    ),
    function("botocore.loaders.create_loader", "search_path_string", "worker.prepare_aws_sdk"),
    # botocore.session
    function("botocore.session.get_session", "env_vars", "worker.prepare_aws_sdk"),
)
