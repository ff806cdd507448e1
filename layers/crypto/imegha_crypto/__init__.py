"""iMegha crypto layer: everything the client and the Lambdas need, by purpose.

Keys are typed by their place in the hierarchy; every ciphertext is bound to a
``Context`` (whose, which object, which version) and opens nowhere else; every
stored secret is a versioned JSON envelope that ``validate_envelope`` checks.
IVs, salts and algorithms are chosen here, never by the caller. The raw
``primitives`` module is for conformance tests and this package only.
"""

from .account import (
    DEFAULT_PASSWORD_ITERATIONS,
    RECOVERY_COPY_FIELDS,
    AccountKeys,
    NewAccount,
    RecoveredAccount,
    change_password,
    check_recovery_phrase,
    create_account,
    open_account,
    open_account_with_phrase,
    recover_account,
    recovery_lookup,
    recovery_verifier,
)
from .authentication import AUTHENTICATION_ITERATIONS, authentication_secret
from .bounded_json import MAX_JSON_DEPTH, parse_json, parse_json_object
from .canonical import Context, b64url_decode, b64url_encode
from .chain import (
    AUDIT_GENESIS,
    EMPTY_LOG,
    AuditCheckpoint,
    AuditHead,
    audit_digest,
    sign_audit_checkpoint,
    verify_audit_chain,
    verify_audit_checkpoint,
)
from .envelopes import validate_envelope
from .errors import (
    ChainError,
    CryptoError,
    DecryptionError,
    FormatError,
    RecoveryPhraseError,
    SignatureError,
    TooLargeError,
)
from .groups import (
    Roster,
    group_key_context,
    group_name_context,
    new_group_id,
    record_digest,
    sign_history_grant,
    sign_key_grant,
    sign_roster,
    verify_history_grant,
    verify_key_grant,
    verify_roster_chain,
)
from .held import (
    CHILD_KINDS,
    ChildKey,
    HeldDataKey,
    HeldExchangeKey,
    HeldIdentityKey,
    IdentitySigner,
    context_from_document,
    key_document,
    key_from_document,
)
from .keys import (
    AIConversationKey,
    AlbumKey,
    ConversationKey,
    DataKey,
    ExchangePrivateKey,
    ExchangePublicKey,
    FileKey,
    Fingerprint,
    FolderKey,
    GroupKey,
    IdentityPrivateKey,
    IdentityPublicKey,
    safety_code,
)
from .messages import (
    MESSAGE_MAX_BYTES,
    Message,
    direct_conversation_id,
    message_context,
    open_message,
    seal_message,
)
from .sealing import (
    FILE_CHUNK_SIZE,
    SEALED_DATA_MAX_BYTES,
    SEALED_FILE_HEADER_SIZE,
    SealedFilePosition,
    continue_seal_file,
    open_data,
    open_file,
    seal_data,
    seal_file,
    sealed_file_position,
    sealed_file_size,
)
from .signed_requests import SIGNATURE_HEADER, sign_request, verify_request
from .signing import CloudConfirmed, KeyStatement, sign_key_statement, sign_record, verify_key_statement, verify_record
from .wrapping import unwrap_key, wrap_key

__all__ = [
    # The key hierarchy
    "DataKey",
    "FileKey",
    "ConversationKey",
    "FolderKey",
    "AlbumKey",
    "AIConversationKey",
    "GroupKey",
    "ExchangePrivateKey",
    "ExchangePublicKey",
    "IdentityPrivateKey",
    "IdentityPublicKey",
    # Where a ciphertext belongs
    "Context",
    # Sealing content
    "seal_file",
    "open_file",
    "continue_seal_file",
    "sealed_file_size",
    "sealed_file_position",
    "SealedFilePosition",
    "SEALED_FILE_HEADER_SIZE",
    "FILE_CHUNK_SIZE",
    "seal_data",
    "open_data",
    "SEALED_DATA_MAX_BYTES",
    # Chat messages: sealed, bound to their place, signed by the sender
    "seal_message",
    "open_message",
    "message_context",
    "direct_conversation_id",
    "Message",
    "MESSAGE_MAX_BYTES",
    # Groups: the admin's signed rosters, grants for members' key copies
    "new_group_id",
    "sign_roster",
    "verify_roster_chain",
    "Roster",
    "sign_history_grant",
    "sign_key_grant",
    "verify_history_grant",
    "verify_key_grant",
    "record_digest",
    "group_key_context",
    "group_name_context",
    # Wrapping keys for their owner or a recipient
    "wrap_key",
    "unwrap_key",
    # Keys held by another process (the key agent), which acts on them by purpose
    "HeldDataKey",
    "HeldExchangeKey",
    "HeldIdentityKey",
    "IdentitySigner",
    "ChildKey",
    "CHILD_KINDS",
    "key_document",
    "key_from_document",
    "context_from_document",
    # Account keys
    "create_account",
    "open_account",
    "RECOVERY_COPY_FIELDS",
    "open_account_with_phrase",
    "recover_account",
    "change_password",
    "check_recovery_phrase",
    "recovery_lookup",
    "recovery_verifier",
    "AccountKeys",
    "NewAccount",
    "RecoveredAccount",
    "DEFAULT_PASSWORD_ITERATIONS",
    "authentication_secret",
    "AUTHENTICATION_ITERATIONS",
    # Signed records and key statements
    "sign_record",
    "verify_record",
    "sign_key_statement",
    "verify_key_statement",
    "CloudConfirmed",
    "KeyStatement",
    # Requests that cannot be undone, signed by the identity key
    "sign_request",
    "verify_request",
    "SIGNATURE_HEADER",
    # The audit log's hash chain
    "audit_digest",
    "verify_audit_chain",
    "AuditHead",
    "AUDIT_GENESIS",
    "EMPTY_LOG",
    # Checkpoints: heads the owner's devices verified, signed with the identity key
    "sign_audit_checkpoint",
    "verify_audit_checkpoint",
    "AuditCheckpoint",
    # What people compare
    "Fingerprint",
    "safety_code",
    # Envelope shapes and the encoding of their bytes
    "validate_envelope",
    "b64url_encode",
    "b64url_decode",
    # JSON from someone else, within limits checked before it is parsed
    "parse_json",
    "parse_json_object",
    "MAX_JSON_DEPTH",
    # Errors
    "CryptoError",
    "DecryptionError",
    "FormatError",
    "TooLargeError",
    "RecoveryPhraseError",
    "SignatureError",
    "ChainError",
]
