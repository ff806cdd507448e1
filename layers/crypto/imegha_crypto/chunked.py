"""c2sp.org/chunked-encryption with AES-256-GCM and SHA-512 (placeholder, being written)."""


def chunked_encrypt(key: bytes, plaintext: bytes, context: bytes = b"") -> bytes:
    raise NotImplementedError


def chunked_decrypt(key: bytes, ciphertext: bytes, context: bytes = b"") -> bytes:
    raise NotImplementedError


def chunked_encrypt_stream(key, src, dst, context: bytes = b"") -> int:
    raise NotImplementedError


def chunked_decrypt_stream(key, src, dst, context: bytes = b"") -> int:
    raise NotImplementedError
