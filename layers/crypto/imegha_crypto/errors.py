"""The one exception family of the crypto layer.

Callers catch ``CryptoError`` to handle any failure; the subclasses say which
kind it was. A failed open never returns partial plaintext: the exception is
raised before any byte of an unauthenticated chunk is handed back.
"""


class CryptoError(Exception):
    """Base of every error raised by ``imegha_crypto``."""


class DecryptionError(CryptoError):
    """A ciphertext did not open: wrong key, wrong context, or tampered data."""


class FormatError(CryptoError):
    """An envelope or encoded value is malformed, of an unknown version, or below policy."""


class TooLargeError(FormatError):
    """A document is larger than its reader accepts; refused before any of it is parsed."""


class RecoveryPhraseError(CryptoError):
    """A recovery phrase has an unknown word, the wrong length, or a bad checksum."""


class SignatureError(CryptoError):
    """A signature did not verify against the key it claims."""


class ChainError(CryptoError):
    """A hash chain does not hold: an entry was removed, edited, reordered or rewritten."""
