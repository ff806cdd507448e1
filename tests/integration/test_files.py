"""Files on the local cloud: storage, versions, folders and albums in Alice's own cloud, zero-copy sharing with her
connections, revocation, the audit chain, and the attacks and faults the issue names.

Alice has a cloud; Bob and Carol are her connections (Carol stands for "the
recipient of another file"); Dave signed up but is connected to no one; Erin
has a cloud of her own, whose short audit log the tampering tests rewrite.
Each test makes the files it needs, so the tests hold in any order; large
files are deleted once a test is done with them.
"""

from __future__ import annotations

import base64
import io
import os
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from imegha import accounts, transfer
from imegha.chat_api import ChatPlatformApi
from imegha.library import FilesError, Library, file_context
from imegha.platform_api import ApiError
from imegha_crypto import DecryptionError, open_file, sealed_file_size
from tests.handed_keys import handed_keys
from tests.integration.files_world import FilesWorld, build_files_world, stored_everywhere
from tests.integration.hostile_cloud import LOG, HostileAuditTable
from tests.integration.polling import eventually

FAST_KDF_ITERATIONS = 100_000
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def world(local_cloud, platform, tmp_path_factory) -> FilesWorld:
    home = tmp_path_factory.mktemp("files")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IMEGHA_HOME", str(home))
        patch.setenv("IMEGHA_AGENT_IDLE_SECONDS", "600")
        patch.setattr(accounts, "KDF_ITERATIONS", FAST_KDF_ITERATIONS)
        built = build_files_world(
            local_cloud,
            home,
            ("Alice", "Bob", "Carol", "Dave", "Erin"),
            with_clouds=("Alice", "Erin"),
            connections=(("Alice", "Bob"), ("Alice", "Carol")),
        )
        yield built
        for person in built.people.values():
            person.account.log_out()


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def unique_text(world: FilesWorld, label: str) -> bytes:
    return world.secret(f"{label}: patient 4711, dosage review on Thursday [{uuid.uuid4().hex}]\n")


# --- storage ---------------------------------------------------------------------------------


def test_a_file_round_trips_through_alices_own_bucket(world, folder):
    content = unique_text(world, "round trip") * 50
    name = world.secret(f"scan-{uuid.uuid4().hex[:6]}.txt").decode()
    alice = world.library("Alice")

    stored = alice.put(write(folder, name, content))
    fetched = alice.get(alice.find(name), folder / "back")

    assert fetched.read_bytes() == content
    assert (stored.version, stored.size, stored.name) == (1, len(content), name)
    assert [o["Size"] for o in world.objects(prefix=f"files/{stored.file_id}/")] == [sealed_file_size(len(content))]


@pytest.mark.parametrize("name", ["empty.bin", "Ünïcødé 報告 😀 عربى ✓.txt", "Зміст — résumé (v2) ☂.md"])
def test_empty_files_and_names_in_any_script_round_trip(world, folder, name):
    content = b"" if name == "empty.bin" else unique_text(world, name) * 3
    alice = world.library("Alice")
    name = f"{uuid.uuid4().hex[:4]} {name}"
    world.secret(name)

    alice.put(write(folder, name, content))
    listed = alice.find(name)
    fetched = alice.get(listed, folder / "out.bin")

    assert listed.name == name and fetched.read_bytes() == content


def test_a_multipart_file_round_trips(world, folder):
    """Parts of 8 MiB, the last one short: the size CI can afford (the 1 GiB file is bench/files_bench.py's)."""
    content = os.urandom(8 * MIB + 12345)
    alice = world.library("Alice")
    name = f"scans-{uuid.uuid4().hex[:6]}.tar"

    stored = alice.put(write(folder, name, content))

    assert world.library("Alice").get(stored, folder / "back.tar").read_bytes() == content
    assert [o["Size"] for o in world.objects(prefix=f"files/{stored.file_id}/")] == [sealed_file_size(len(content))]
    alice.delete(stored)


def test_the_list_comes_in_pages_and_a_cursor_from_elsewhere_is_refused(world, folder):
    alice = world.library("Alice")
    for index in range(3):
        alice.put(write(folder, f"page-{uuid.uuid4().hex[:6]}-{index}", b"x" * index))

    first = alice.api.files_page(limit=2)
    second = alice.api.files_page(cursor=first["cursor"], limit=2)

    assert len(first["files"]) == 2 and first["cursor"]
    assert not {f["fileId"] for f in first["files"]} & {f["fileId"] for f in second["files"]}
    with pytest.raises(ApiError) as refused:
        alice.api.files_page(holder="A" * 22, cursor=first["cursor"])
    assert refused.value.status == 400 and "cursor" in refused.value.message


def test_a_new_version_has_a_new_key_and_the_old_one_is_kept_noncurrent_for_its_owner(world, folder):
    alice = world.library("Alice")
    name = f"report-{uuid.uuid4().hex[:6]}.txt"
    first_text = unique_text(world, "first draft")
    first = alice.put(write(folder, name, first_text))
    (old_object,) = world.objects(prefix=f"files/{first.file_id}/")

    second_text = unique_text(world, "second draft")
    second = alice.put(write(folder, name, second_text), replace=alice.find(name))

    assert (second.file_id, second.version) == (first.file_id, 2)
    assert second.key != first.key
    objects = world.objects(prefix=f"files/{first.file_id}/")
    (current,) = [o for o in objects if o.get("IsLatest") and "Size" in o]
    (marker,) = [o for o in objects if "Size" not in o]  # the delete marker that retired the old object
    (kept,) = [o for o in objects if o["VersionId"] == old_object["VersionId"]]
    assert current["Key"] != old_object["Key"] and marker["Key"] == kept["Key"] == old_object["Key"]
    assert not kept["IsLatest"]  # noncurrent: the bucket's lifecycle rule removes it after 30 days
    sealed = world.s3().get_object(Bucket=world.bucket(), Key=current["Key"])["Body"].read()
    with pytest.raises(DecryptionError):
        open_file(first.key, io.BytesIO(sealed), io.BytesIO(), file_context(first.owner, first.file_id, 2))
    assert alice.get(alice.find(name), folder / "v2").read_bytes() == second_text
    assert [v.version for v in alice.versions(second)] == [2, 1]
    assert alice.get(second, folder, version=1).read_bytes() == first_text
    assert (folder / f"{name.removesuffix('.txt')} (v1).txt").read_bytes() == first_text


def test_uploading_over_an_existing_name_needs_replace(world, folder):
    alice = world.library("Alice")
    path = write(folder, f"twice-{uuid.uuid4().hex[:6]}", b"one")
    alice.put(path)

    with pytest.raises(FilesError, match="--replace"):
        alice.put(path)


def test_deleting_a_file_leaves_no_object_version_record_or_share(world, folder):
    alice = world.library("Alice")
    name = f"gone-{uuid.uuid4().hex[:6]}"
    stored = alice.put(write(folder, name, b"first"))
    stored = alice.put(write(folder, name, b"second"), replace=alice.find(name))
    world.sharing("Alice").share(alice.find(name), "Bob")

    deleted = alice.delete(stored)

    assert deleted["revokedShares"] and deleted["objectVersionsRemoved"] >= 1
    assert world.objects(prefix=f"files/{stored.file_id}/") == []
    assert not [item for item in world.items() if stored.file_id in str(item) and not item["pk"]["S"] == "AUDIT"]


# --- folders and albums ------------------------------------------------------------------------


def test_a_shared_folder_gives_its_files_through_one_key(world, folder):
    alice, sharing = world.library("Alice"), world.sharing("Alice")
    taxes = alice.create("folder", world.secret(f"Taxes {uuid.uuid4().hex[:6]}").decode())
    contents = {f"return-{index}.pdf": unique_text(world, f"return {index}") for index in range(2)}
    for name, content in contents.items():
        alice.put(write(folder, name, content), folder=taxes)

    sharing.share(taxes, "Bob")
    bob = world.sharing("Bob")
    shared = bob.find(taxes.name)
    files = bob.files_in(shared)

    assert shared.kind == "folder" and sorted(f.name for f in files) == sorted(contents)
    for stored in files:
        assert bob.get(shared, stored, folder / f"fetched {stored.name}").read_bytes() == contents[stored.name]
    assert sorted(f.name for f in alice.files(taxes)) == sorted(contents)


def test_a_folder_with_files_is_deleted_only_with_them(world, folder):
    alice = world.library("Alice")
    drafts = alice.create("folder", f"Drafts {uuid.uuid4().hex[:6]}")
    stored = alice.put(write(folder, "draft.txt", b"draft"), folder=drafts)

    with pytest.raises(ApiError, match="holds 1 files"):
        alice.remove(drafts)
    alice.remove(drafts, with_files=True)

    assert drafts.collection_id not in {c.collection_id for c in alice.collections("folder")}
    assert world.objects(prefix=f"files/{stored.file_id}/") == []


def test_a_shared_album_follows_a_file_to_its_new_version(world, folder):
    alice = world.library("Alice")
    album = alice.create("album", f"Holidays {uuid.uuid4().hex[:6]}")
    name = f"beach-{uuid.uuid4().hex[:6]}.jpg"
    alice.put(write(folder, name, b"first photo"))
    alice.add_to_album(album, alice.find(name))
    world.sharing("Alice").share(album, "Carol")

    alice.put(write(folder, name, b"better photo"), replace=alice.find(name))
    carol = world.sharing("Carol")
    shared = carol.find(album.name)
    (photo,) = carol.files_in(shared)

    assert photo.version == 2
    assert carol.get(shared, photo, folder / "photo.jpg").read_bytes() == b"better photo"
    alice.remove(album)
    assert alice.find(name).version == 2  # the file stays; only the album went


# --- sharing, revocation and the attacks ----------------------------------------------------------


@pytest.fixture
def shared_file(world, folder):
    """A file of Alice's shared with Bob, and another shared with Carol."""
    alice, sharing = world.library("Alice"), world.sharing("Alice")
    content = unique_text(world, "for Bob") * 20
    name = world.secret(f"lab-results-{uuid.uuid4().hex[:6]}.pdf").decode()
    stored = alice.put(write(folder, name, content))
    share = sharing.share(stored, "Bob")
    other = alice.put(write(folder, f"other-{uuid.uuid4().hex[:6]}", b"for Carol only"))
    other_share = sharing.share(other, "Carol")
    return {"file": stored, "content": content, "share": share, "other": other, "other_share": other_share}


def as_caller(world: FilesWorld, name: str):
    from imegha.cloud_tokens import cloud_tokens
    from imegha.files_api import FilesApi

    return FilesApi(
        world.people["Alice"].cloud.stack.outputs["CloudApiUrl"],
        cloud_tokens(world.people[name].account).for_cloud(world.people["Alice"].user_id),
    )


def test_bob_opens_what_alice_shared_from_her_cloud_with_his_own_token(world, folder, shared_file):
    bob = world.sharing("Bob")
    received = bob.find(shared_file["share"]["shareId"])

    written = bob.get(received, received.file, folder / "from-alice.pdf")

    assert written.read_bytes() == shared_file["content"]
    assert received.owner.imtag == "Alice" and received.name == shared_file["file"].name


def test_a_stranger_a_revoked_recipient_and_the_recipient_of_another_file_get_403(world, shared_file):
    share_id, file_id = shared_file["share"]["shareId"], shared_file["file"].file_id

    for intruder in ("Dave", "Carol"):
        with pytest.raises(ApiError) as refused:
            as_caller(world, intruder).download_received(share_id, file_id)
        assert refused.value.status == 403
    with pytest.raises(ApiError) as other_file:
        as_caller(world, "Carol").download_received(shared_file["other_share"]["shareId"], file_id)
    assert other_file.value.status == 403
    assert as_caller(world, "Bob").download_received(share_id, file_id)["url"]

    world.sharing("Alice").revoke(share_id)

    with pytest.raises(ApiError) as revoked:
        as_caller(world, "Bob").download_received(share_id, file_id)
    assert revoked.value.status == 403
    with pytest.raises(ApiError) as owner_only:
        as_caller(world, "Bob").files_page()
    assert owner_only.value.status == 403


def test_the_download_url_is_for_one_object_and_lapses(world, shared_file, monkeypatch):
    from imegha_local.shims import core

    answer = as_caller(world, "Bob").download_received(shared_file["share"]["shareId"], shared_file["file"].file_id)
    other_key = world.objects(prefix=f"files/{shared_file['other'].file_id}/")[0]["Key"]
    own_key = world.objects(prefix=f"files/{shared_file['file'].file_id}/")[0]["Key"]

    assert answer["urlExpiresIn"] <= 60
    assert transfer_status(answer["url"].replace(own_key, other_key)) == 403
    assert transfer_status(answer["url"]) == 200
    later = core.now() + __import__("datetime").timedelta(seconds=answer["urlExpiresIn"] + 1)
    monkeypatch.setattr(core, "now", lambda: later)
    assert transfer_status(answer["url"]) == 403


def transfer_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_share_to_someone_whose_key_changed_warns_and_shares_nothing(world, folder, shared_file):
    from imegha_crypto import ExchangePrivateKey, IdentityPrivateKey, sign_key_statement

    cloud, platform = world.cloud, world.cloud.platform_stack
    directory = cloud.client("cloudformation").describe_stack_resource(
        StackName=platform.name, LogicalResourceId="DirectoryTable"
    )["StackResourceDetail"]["PhysicalResourceId"]
    table = cloud.client("dynamodb")
    bob_id = world.people["Bob"].user_id
    saved = table.get_item(TableName=directory, Key={"pk": {"S": f"USER#{bob_id}"}})["Item"]
    # What a breached platform could serve: Bob's statement under a key pair the attacker holds.
    forged = sign_key_statement(
        IdentityPrivateKey.generate(),
        user_id=bob_id,
        exchange_key=ExchangePrivateKey.generate().public_key,
        cloud_url=None,
        sequence=99,
    )
    from boto3.dynamodb.types import TypeSerializer

    table.update_item(
        TableName=directory,
        Key={"pk": {"S": f"USER#{bob_id}"}},
        UpdateExpression="SET keyStatement = :forged",
        ExpressionAttributeValues={":forged": TypeSerializer().serialize(forged)},
    )
    before = world.sharing("Alice").shares()
    try:
        with pytest.raises(FilesError, match="WARNING") as warned:
            world.sharing("Alice").share(shared_file["other"], "Bob")
        assert "Nothing was shared" in str(warned.value)
        assert world.sharing("Alice").shares() == before
    finally:
        table.put_item(TableName=directory, Item=saved)


def test_bob_is_notified_of_a_share_with_ids_only(world, shared_file):
    bob = world.people["Bob"].account
    inbox = ChatPlatformApi(bob.endpoints.platform_api_url, bob.live_session().id_token)

    entries = eventually(
        lambda: [
            entry
            for entry in inbox.notifications(limit=200)["notifications"]
            if entry.get("shareId") == shared_file["share"]["shareId"]
        ]
    )

    assert entries and entries[0]["senderTag"] == "Alice"
    assert shared_file["file"].name not in str(entries)


def test_revoke_and_rotate_leaves_a_kept_key_useless_and_other_recipients_served(world, folder):
    alice, sharing = world.library("Alice"), world.sharing("Alice")
    content = unique_text(world, "rotating") * 30
    stored = alice.put(write(folder, f"rotate-{uuid.uuid4().hex[:6]}", content))
    sharing.share(stored, "Bob")
    sharing.share(stored, "Carol")
    kept = world.sharing("Bob").find(stored.file_id).file.key  # what Bob's device held

    sharing.revoke_with(stored.file_id, "Bob")
    rotated = alice.rotate(alice.find(stored.file_id))

    # The object the file is now: the replaced one stays a while as a noncurrent version, for Alice alone.
    current = world.s3().list_objects_v2(Bucket=world.bucket(), Prefix=f"files/{stored.file_id}/")["Contents"]
    assert len(current) == 1
    sealed = world.s3().get_object(Bucket=world.bucket(), Key=current[0]["Key"])["Body"].read()
    with pytest.raises(DecryptionError):
        open_file(kept, io.BytesIO(sealed), io.BytesIO(), rotated.context)
    carol = world.sharing("Carol")
    received = carol.find(stored.file_id)
    assert received.version == 2 and rotated.key != kept
    assert carol.get(received, received.file, folder / "carol.bin").read_bytes() == content
    with pytest.raises(FilesError, match="nothing named"):
        world.sharing("Bob").find(stored.file_id)


# --- tampering and interruptions --------------------------------------------------------------------


def test_a_tampered_object_fails_to_open_with_a_clear_message_and_writes_nothing(world, folder):
    alice = world.library("Alice")
    stored = alice.put(write(folder, f"tamper-{uuid.uuid4().hex[:6]}", unique_text(world, "tamper") * 2000))
    key = world.objects(prefix=f"files/{stored.file_id}/")[0]["Key"]
    sealed = bytearray(world.s3().get_object(Bucket=world.bucket(), Key=key)["Body"].read())
    sealed[len(sealed) // 2] ^= 0x01
    world.s3().put_object(Bucket=world.bucket(), Key=key, Body=bytes(sealed))
    out = folder / "out"
    out.mkdir()

    with pytest.raises(FilesError, match="does not open: chunk .* failed to authenticate.*nothing was written"):
        alice.get(alice.find(stored.file_id), out)

    assert list(out.iterdir()) == []


def test_tampered_metadata_is_flagged_and_the_file_refused(world, folder):
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    alice = world.library("Alice")
    stored = alice.put(write(folder, f"meta-{uuid.uuid4().hex[:6]}", b"content"))
    head = {"pk": {"S": f"FILE#{stored.file_id}"}, "sk": {"S": "HEAD"}}
    item = world.dynamodb().get_item(TableName=world.table(), Key=head)["Item"]
    metadata = TypeDeserializer().deserialize(item["metadata"])
    metadata["ct"] = ("B" if metadata["ct"][0] == "A" else "A") + metadata["ct"][1:]
    world.dynamodb().update_item(
        TableName=world.table(),
        Key=head,
        UpdateExpression="SET metadata = :m",
        ExpressionAttributeValues={":m": TypeSerializer().serialize(metadata)},
    )

    listed = next(f for f in alice.files() if f.file_id == stored.file_id)

    assert listed.problem and "does not open" in listed.problem
    with pytest.raises(FilesError, match="does not open"):
        alice.get(listed, folder)


def interrupted_put(library: Library, path: Path, monkeypatch) -> None:
    """An upload of ``path`` that loses the network once its first part is through (other parts, sent at the same
    time, do not arrive)."""
    original = transfer._Connections.request

    def request(connections, method, url, body=None):
        if method == "PUT" and parse_qs(urlsplit(url).query)["partNumber"] != ["1"]:
            raise OSError("network is unreachable")
        return original(connections, method, url, body)

    monkeypatch.setattr(transfer._Connections, "request", request)
    with pytest.raises(FilesError, match="Run the same command again"):
        library.put(path)
    monkeypatch.undo()


def test_an_interrupted_upload_resumes_where_the_parts_end(world, folder, monkeypatch):
    content = os.urandom(9 * MIB)
    path = write(folder, f"big-{uuid.uuid4().hex[:6]}.bin", content)
    alice = world.library("Alice")
    interrupted_put(alice, path, monkeypatch)
    assert not [f for f in alice.files() if f.name == path.name]

    resumed_at = []
    stored = world.library("Alice").put(path, on_resume=lambda done, total: resumed_at.append(done))

    assert resumed_at == [8 * MIB]
    assert alice.get(alice.find(path.name), folder / "back.bin").read_bytes() == content
    assert [o["Size"] for o in world.objects(prefix=f"files/{stored.file_id}/")] == [sealed_file_size(len(content))]
    alice.delete(stored)


def test_an_interrupted_upload_of_a_file_that_then_changed_starts_again_under_a_new_key(world, folder, monkeypatch):
    path = write(folder, f"changing-{uuid.uuid4().hex[:6]}.bin", os.urandom(9 * MIB))
    alice = world.library("Alice")
    interrupted_put(alice, path, monkeypatch)
    first_key = alice._uploads()[alice._upload_key(path.resolve())]["wrapped_key"]
    changed = os.urandom(9 * MIB)
    path.write_bytes(changed)

    resumed_at = []
    stored = world.library("Alice").put(path, on_resume=lambda done, total: resumed_at.append(done))

    assert resumed_at == []
    assert alice.get(stored, folder / "back.bin").read_bytes() == changed
    assert alice._uploads() == {} and first_key != alice.api.download(stored.file_id)["wrappedKey"]
    alice.delete(stored)


def test_an_abandoned_upload_leaves_nothing_behind(world, folder, monkeypatch):
    path = write(folder, f"abandoned-{uuid.uuid4().hex[:6]}.bin", os.urandom(9 * MIB))
    alice = world.library("Alice")
    interrupted_put(alice, path, monkeypatch)
    upload = alice._uploads()[alice._upload_key(path.resolve())]

    assert alice.abort(path)

    uploads = world.s3().list_multipart_uploads(Bucket=world.bucket()).get("Uploads", [])
    assert not [u for u in uploads if upload["file_id"] in u["Key"]]
    assert world.objects(prefix=f"files/{upload['file_id']}/") == []
    assert not [item for item in world.items() if upload["file_id"] in str(item)]


# --- the audit chain ------------------------------------------------------------------------------


def test_every_step_is_in_the_audit_chain_and_it_verifies(world, folder):
    from imegha import audit_log

    alice, sharing = world.library("Alice"), world.sharing("Alice")
    stored = alice.put(write(folder, f"audited-{uuid.uuid4().hex[:6]}", b"audited"))
    share = sharing.share(stored, "Bob")
    bob = world.sharing("Bob")
    received = bob.find(share["shareId"])
    bob.get(received, received.file, folder / "bob.bin")
    sharing.revoke(share["shareId"])
    alice.delete(alice.find(stored.file_id))

    verification = audit_log.verify(alice)
    entries, head = verification.entries, verification.head

    steps = [
        (e["action"], e["actor"])
        for e in entries
        if stored.file_id in str(e["subject"]) or e["subject"].get("shareId") == share["shareId"]
    ]
    alice_id, bob_id = world.people["Alice"].user_id, world.people["Bob"].user_id
    assert steps == [
        ("upload", alice_id),
        ("share", alice_id),
        ("download", bob_id),
        ("revoke", alice_id),
        ("delete", alice_id),
    ]
    assert head.seq == entries[-1]["seq"] == len(entries)


@pytest.mark.parametrize("tampering", ["edit", "remove", "rewrite"])
def test_a_removed_edited_or_rewritten_entry_fails_verification(world, folder, tampering):
    from imegha import audit_log
    from imegha_crypto import ChainError

    erin = world.library("Erin")
    for _ in range(2):
        erin.put(write(folder, f"before-{uuid.uuid4().hex[:6]}", b"x"))
    audit_log.verify(erin)  # the device signs the head it verified
    erin.put(write(folder, f"after-{uuid.uuid4().hex[:6]}", b"y"))
    table, dynamodb = world.table("Erin"), world.dynamodb("Erin")
    hostile = HostileAuditTable(dynamodb, table)
    saved = hostile.snapshot()
    victim = hostile.items(LOG)[1]
    try:
        if tampering == "edit":
            dynamodb.update_item(
                TableName=table,
                Key={"pk": victim["pk"], "sk": victim["sk"]},
                UpdateExpression="SET #a = :a",
                ExpressionAttributeNames={"#a": "actor"},
                ExpressionAttributeValues={":a": {"S": world.people["Dave"].user_id}},
            )
            expected = "entry 2 was edited"
        elif tampering == "remove":
            dynamodb.delete_item(TableName=table, Key={"pk": victim["pk"], "sk": victim["sk"]})
            expected = "entry 2 removed"
        else:  # whoever can write the table drops entry 2 and makes every hash after it consistent again
            hostile.rewrite(lambda entries: entries[:1] + entries[2:])
            expected = "is not the one verified before: the log was rewritten"

        with pytest.raises(ChainError, match=expected):
            audit_log.verify(world.library("Erin"))
    finally:
        hostile.put_back(saved)
    audit_log.verify(world.library("Erin"))


def test_only_the_owner_stores_a_checkpoint_and_it_only_moves_forward(world, folder):
    from imegha import audit_log
    from imegha_crypto import AuditHead, sign_audit_checkpoint

    alice = world.library("Alice")
    for _ in range(2):
        alice.put(write(folder, f"checkpointed-{uuid.uuid4().hex[:6]}", b"c"))
    head = audit_log.verify(alice).head
    identity_key = handed_keys(world.people["Alice"].account.profile).identity_key  # raw: to sign for another log

    def signed(seq: int, user_id: str = alice.owner) -> dict:
        at = AuditHead(seq, head.hash)
        return sign_audit_checkpoint(identity_key, user_id=user_id, head=at, signed_at="2026-12-05T03:00:00+00:00")

    held = alice.api.audit_checkpoints()
    assert held[-1]["body"] | {"signedAt": None} == {**head.as_json(), "userId": alice.owner, "signedAt": None}
    for intruder in ("Bob", "Dave"):  # her connection and a stranger, each with their own token for her cloud
        with pytest.raises(ApiError) as stored:
            as_caller(world, intruder).store_audit_checkpoint(signed(head.seq + 1))
        with pytest.raises(ApiError) as listed:
            as_caller(world, intruder).audit_checkpoints()
        assert stored.value.status == listed.value.status == 403
    with pytest.raises(ApiError) as behind:
        alice.api.store_audit_checkpoint(signed(head.seq - 1))
    assert behind.value.status == 409
    assert f"holds a checkpoint at entry {head.seq}: a checkpoint only moves forward" in behind.value.message
    for malformed in (signed(head.seq) | {"type": "share"}, signed(head.seq, "someone-else"), {"body": {}}):
        with pytest.raises(ApiError) as refused:
            alice.api.store_audit_checkpoint(malformed)
        assert refused.value.status == 400
    assert alice.api.audit_checkpoints() == held  # nothing refused was kept
    assert audit_log.verify(alice).signed is None  # and the log still verifies against what is


# --- what AWS and the platform hold ----------------------------------------------------------------


def spellings(key: bytes) -> list[bytes]:
    return [key, key.hex().encode(), base64.b64encode(key).rstrip(b"="), base64.urlsafe_b64encode(key).rstrip(b"=")]


def test_nothing_aws_or_the_platform_holds_has_a_plaintext_a_name_or_a_key(world, folder):
    alice, sharing = world.library("Alice"), world.sharing("Alice")
    vault = alice.create("folder", world.secret(f"Vault {uuid.uuid4().hex[:6]}").decode())
    album = alice.create("album", world.secret(f"Family {uuid.uuid4().hex[:6]}").decode())
    name = world.secret(f"diagnosis-{uuid.uuid4().hex[:6]}.pdf").decode()
    alice.put(write(folder, name, unique_text(world, "scan")), folder=vault)
    alice.put(write(folder, name, unique_text(world, "scan, version 2")), replace=alice.find(name))
    alice.add_to_album(album, alice.find(name))
    sharing.share(alice.find(name), "Bob")
    sharing.share(vault, "Carol")
    received = world.sharing("Bob").find(name)
    world.sharing("Bob").get(received, received.file, folder / "bob.pdf")
    keys = [handed_keys(world.people[n].account.profile).data_key.secret_bytes() for n in ("Alice", "Bob")]
    keys += [stored.key.secret_bytes() for stored in alice.files() if stored.key]
    keys += [c.key.secret_bytes() for kind in ("folder", "album") for c in alice.collections(kind)]

    everything = stored_everywhere(world.cloud, [world.cloud.platform, world.people["Alice"].cloud.account])

    assert len(everything) > 100_000  # the ciphertext is there
    leaked = [secret for secret in world.secrets if secret in everything or secret.rstrip(b"\n") in everything]
    assert leaked == []
    assert [key for key in keys if any(spelling in everything for spelling in spellings(key))] == []
