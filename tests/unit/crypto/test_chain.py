"""The audit log's hash chain: an honest log verifies; a removed, edited, reordered or rewritten one does not."""

import hashlib

import pytest

from imegha_crypto import AUDIT_GENESIS, EMPTY_LOG, AuditHead, ChainError, audit_digest, verify_audit_chain


def chain(count: int) -> list[dict]:
    entries, previous = [], AUDIT_GENESIS
    for seq in range(1, count + 1):
        entry = {
            "seq": seq,
            "prev": previous,
            "at": f"2026-03-0{seq}T10:00:00+00:00",
            "action": "upload",
            "actor": "alice",
            "subject": {"fileId": f"f{seq}", "version": 1},
        }
        entry["hash"] = previous = audit_digest(entry)
        entries.append(entry)
    return entries


def head_of(entries: list[dict]) -> AuditHead:
    return AuditHead(entries[-1]["seq"], entries[-1]["hash"]) if entries else EMPTY_LOG


def rehashed(entries: list[dict]) -> list[dict]:
    """What someone who can write the whole table does after an edit: renumber and recompute every hash."""
    fixed, previous = [], AUDIT_GENESIS
    for seq, entry in enumerate(entries, start=1):
        entry = {**entry, "seq": seq, "prev": previous}
        entry["hash"] = previous = audit_digest(entry)
        fixed.append(entry)
    return fixed


def test_the_digest_is_sha256_of_the_prefix_and_the_canonical_entry_without_its_hash():
    entry = {"seq": 1, "prev": AUDIT_GENESIS, "action": "upload", "hash": "ignored"}
    expected = hashlib.sha256(
        b'imegha audit entry\x00{"action":"upload","prev":"' + AUDIT_GENESIS.encode() + b'","seq":1}'
    ).hexdigest()

    assert audit_digest(entry) == expected


def test_an_honest_log_verifies_and_an_empty_one_too():
    entries = chain(5)

    assert verify_audit_chain(entries, head_of(entries)) == AuditHead(5, entries[-1]["hash"])
    assert verify_audit_chain([], EMPTY_LOG) == EMPTY_LOG


def test_an_edited_entry_is_named():
    entries = chain(5)
    entries[2]["subject"]["fileId"] = "someone-elses"

    with pytest.raises(ChainError, match="entry 3 was edited"):
        verify_audit_chain(entries, head_of(chain(5)))


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_link_to_the_next():
    entries = chain(5)
    entries[2]["action"] = "view"
    entries[2]["hash"] = audit_digest(entries[2])

    with pytest.raises(ChainError, match="entry 4 does not follow entry 3"):
        verify_audit_chain(entries, head_of(chain(5)))


@pytest.mark.parametrize(("removed", "message"), [([2], "entry 3 removed"), ([1, 2], "entries 2 to 3 removed")])
def test_entries_removed_from_the_middle_are_named(removed, message):
    entries = chain(5)
    kept = [entry for index, entry in enumerate(entries) if index not in removed]

    with pytest.raises(ChainError, match=message):
        verify_audit_chain(kept, head_of(entries))


def test_entries_removed_from_the_end_are_seen_against_the_head():
    entries = chain(5)

    with pytest.raises(ChainError, match="entries 4 to 5 removed: the log ends before its head"):
        verify_audit_chain(entries[:3], head_of(entries))


def test_a_repeated_entry_is_refused():
    entries = chain(3)

    with pytest.raises(ChainError, match="entry 2 is out of order after entry 2"):
        verify_audit_chain([entries[0], entries[1], entries[1], entries[2]], head_of(entries))


def test_a_log_rewritten_from_scratch_passes_alone_but_not_against_a_checkpoint():
    entries = chain(6)
    checkpoint = AuditHead(4, entries[3]["hash"])
    rewritten = rehashed(entries[:1] + entries[2:])  # entry 2 gone, all hashes redone

    verify_audit_chain(rewritten, head_of(rewritten))
    with pytest.raises(ChainError, match="entry 4 is not the one verified before"):
        verify_audit_chain(rewritten, head_of(rewritten), checkpoints=[checkpoint])
    assert verify_audit_chain(entries, head_of(entries), checkpoints=[checkpoint]) == head_of(entries)


def test_a_head_that_does_not_match_the_last_entry_is_refused():
    entries = chain(3)
    stale = head_of(entries)

    with pytest.raises(ChainError, match="does not match its last entry"):
        verify_audit_chain(entries + chain(4)[3:], stale)
