"""S3: ``AWS::S3::BucketPolicy``, which moto's CloudFormation cannot make, put on its bucket by PutBucketPolicy."""

from __future__ import annotations

from imegha_local.providers.base import Provider, policy_bytes, s3_backend


class BucketPolicy(Provider):
    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name, properties, account_id, region):
        bucket, document = properties["Bucket"], properties["PolicyDocument"]
        s3_backend(account_id).put_bucket_policy(bucket, policy_bytes(document))
        return cls(bucket, account_id, region, {})

    def delete(self, account_id, region):
        s3_backend(account_id).delete_bucket_policy(self.physical_resource_id)
