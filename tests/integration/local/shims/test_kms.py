"""KMS on the local cloud, as AWS documents it: a key a template declares has the spec and usage it names, so an
RSA signing key signs, and gives the public key its signatures verify with."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

KEYS = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SigningKey:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: RSA_2048
      KeyUsage: SIGN_VERIFY
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
  EncryptionKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
      Tags:
        - {Key: imegha, Value: user-cloud}
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
Outputs:
  SigningKeyId: {Value: !Ref SigningKey}
  EncryptionKeyId: {Value: !Ref EncryptionKey}
"""
SIGNED = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"


@pytest.fixture(scope="module")
def keys(local_cloud, tmp_path_factory) -> dict[str, str]:
    template = tmp_path_factory.mktemp("kms") / "keys.yaml"
    template.write_text(KEYS)
    return local_cloud.deploy(template, "keys").outputs


def test_an_rsa_signing_key_signs_and_gives_the_public_key_that_verifies_it(local_cloud, keys):
    kms = local_cloud.client("kms")
    described = kms.describe_key(KeyId=keys["SigningKeyId"])["KeyMetadata"]
    signature = kms.sign(
        KeyId=keys["SigningKeyId"], Message=SIGNED, MessageType="RAW", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256"
    )["Signature"]
    public = load_der_public_key(kms.get_public_key(KeyId=keys["SigningKeyId"])["PublicKey"])

    assert (described["KeySpec"], described["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    public.verify(signature, SIGNED, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):
        public.verify(signature, SIGNED + b"x", padding.PKCS1v15(), hashes.SHA256())


def test_a_key_that_names_no_spec_is_a_symmetric_encryption_key_that_cannot_sign(local_cloud, keys):
    kms = local_cloud.client("kms")
    described = kms.describe_key(KeyId=keys["EncryptionKeyId"])["KeyMetadata"]

    assert (described["KeySpec"], described["KeyUsage"]) == ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT")
    assert kms.get_key_rotation_status(KeyId=keys["EncryptionKeyId"])["KeyRotationEnabled"]
    with pytest.raises(ClientError):
        kms.sign(
            KeyId=keys["EncryptionKeyId"],
            Message=SIGNED,
            MessageType="RAW",
            SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
        )


def test_a_keys_template_tags_are_its_tags(local_cloud, keys):
    tags = local_cloud.client("kms").list_resource_tags(KeyId=keys["EncryptionKeyId"])["Tags"]

    assert tags == [{"TagKey": "imegha", "TagValue": "user-cloud"}]
