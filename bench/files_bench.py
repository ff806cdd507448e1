"""Files through the local cloud: sealed upload and opened download of a large file, against the plain transfer.

Starts the local cloud, signs Alice up and gives her a cloud, writes a file of
random bytes (1 GiB by default), then times, each in a child process of its
own so that its peak memory is its own:

- ``sealed up``: ``imegha files put`` as the SDK does it (seal under a new FEK,
  presigned parts to her bucket, commit with the wrapped key and sealed metadata);
- ``opened down``: ``imegha files get`` (presigned GET, open chunk by chunk into
  a file that appears once whole);
- ``plain up`` / ``plain down``: the same bytes unencrypted through the same
  transport (presigned multipart PUTs of the same part size, a presigned GET
  into a file), so the difference is the cryptography and its bookkeeping;
- ``boto3 up``: the same bytes with boto3's ``upload_file`` (ten threads, 8 MiB
  parts), the usual way to send a plain file, as a yardstick for the transport.
  (Its ``download_file`` is left out: it fetches in ranges, each of which the
  local S3 answers by reading the whole object, which measures moto.)

Each measurement is repeated, interleaved, and the best run is reported (other
work on the machine only ever makes a run slower); the Lambdas are warmed up
first. Peak memory is the child's high-water mark (``VmHWM``, interpreter and
imports included; ``ru_maxrss`` would carry this process's peak across the
fork). The local cloud (moto, the gateway, the Lambdas) runs in this process,
so its memory is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024
TARGET_OVERHEAD = 0.15
CONTENDERS = ("sealed up", "opened down", "plain up", "plain down", "boto3 up")


def write_random_file(path: Path, size_mib: int) -> None:
    with path.open("wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(MIB))
        os.fsync(out.fileno())


# --- in a child process ------------------------------------------------------------------------


def measure(contender: str, setting: dict) -> dict:
    """Run one contender and report its seconds and peak memory."""
    import boto3
    from botocore.config import Config

    from imegha.accounts import Account
    from imegha.endpoints import Endpoints
    from imegha.library import Library
    from imegha.profile import Profile
    from imegha.transfer import PartSender, fetched, written_whole

    source, workdir = Path(setting["source"]), Path(setting["workdir"])
    s3 = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=setting["endpoint"],
        aws_access_key_id=setting["accessKeyId"],
        aws_secret_access_key=setting["secretAccessKey"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    bucket, key, size = setting["bucket"], f"plain/{contender.split()[0]}", source.stat().st_size
    library = (
        Library(Account(Profile.named("Alice"), Endpoints.from_file(Path(setting["endpoints"]))))
        if contender in ("sealed up", "opened down", "warm up")
        else None
    )
    part_size = 8 * MIB

    def presigned_upload() -> None:
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        count = -(-size // part_size)

        def urls(numbers):
            return {
                n: s3.generate_presigned_url(
                    "upload_part",
                    ExpiresIn=3600,
                    Params={"Bucket": bucket, "Key": key, "UploadId": upload, "PartNumber": n},
                )
                for n in numbers
            }

        sender = PartSender(part_size=part_size, part_count=count, total_size=size, first_part=1, part_urls=urls)
        with source.open("rb") as plain:
            while chunk := plain.read(1024 * 1024):
                sender.write(chunk)
        sender.close()
        parts = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload, MaxParts=10000)["Parts"]
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]},
        )

    def presigned_download() -> None:
        url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "plain/plain"}, ExpiresIn=60)
        with fetched(url, size) as body, written_whole(workdir / "plain-down.bin") as out:
            while chunk := body.read(1024 * 1024):
                out.write(chunk)

    runs = {
        "sealed up": lambda: library.put(source, name=f"bench-{time.time_ns()}.bin"),
        "opened down": lambda: library.get(library.find(setting["stored"]), workdir / "opened-down.bin"),
        "plain up": presigned_upload,
        "plain down": presigned_download,
        "boto3 up": lambda: s3.upload_file(str(source), bucket, key),
        "warm up": lambda: library.get(
            library.put(workdir / "warm.txt", name=f"warm-{time.time_ns()}"), workdir / "warm-down.txt"
        ),
    }
    started = time.perf_counter()
    result = runs[contender]()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_rss_mib": high_water_mib(), "stored": getattr(result, "file_id", None)}


def high_water_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:", 1)[1].split()[0]) / 1024


# --- the run --------------------------------------------------------------------------------------


def in_child(contender: str, setting: dict, environment: dict) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", contender, json.dumps(setting)],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(size_mib: int, runs: int) -> None:
    from imegha import accounts
    from imegha.library import Library
    from imegha_local.cloud import LocalCloud
    from imegha_local.people import endpoints_of, give_cloud, sign_up

    with tempfile.TemporaryDirectory(prefix="imegha-files-bench-") as tmp:
        workdir = Path(tmp)
        environment = {**os.environ, "IMEGHA_HOME": str(workdir / "home"), "IMEGHA_AGENT_IDLE_SECONDS": "3600"}
        os.environ.update(environment)
        accounts.KDF_ITERATIONS = 100_000  # sign-up is not what this measures
        source = workdir / "random.bin"
        write_random_file(source, size_mib)
        with LocalCloud(0, home=workdir / "cloud") as cloud:
            cloud.deploy_platform()
            alice = give_cloud(
                cloud, sign_up(endpoints_of(cloud, workdir / "endpoints.json"), "Alice", "Alice's own long password")
            )
            user = alice.cloud.account
            setting = {
                "source": str(source),
                "workdir": str(workdir),
                "endpoints": str(workdir / "endpoints.json"),
                "endpoint": cloud.endpoint_url,
                "bucket": alice.cloud.stack.outputs["BucketName"],
                "accessKeyId": user.access_key_id,
                "secretAccessKey": user.secret_access_key,
            }
            (workdir / "warm.txt").write_text("the Lambdas start before anything is timed")
            in_child("warm up", setting, environment)
            best: dict[str, dict] = {}
            library, s3 = Library(alice.account), cloud.client("s3", user)
            for _ in range(runs):
                for contender in CONTENDERS:  # interleaved, so a slow spell hits every contender
                    figures = in_child(contender, setting, environment)
                    if contender == "sealed up":
                        setting["stored"] = figures["stored"]
                    if contender not in best or figures["seconds"] < best[contender]["seconds"]:
                        best[contender] = figures
                # What this run stored goes, so that the local S3 holds one run's bytes at a time.
                library.delete(library.find(setting["stored"]))
                versions = s3.list_object_versions(Bucket=setting["bucket"], Prefix="plain/").get("Versions", [])
                for version in versions:
                    s3.delete_object(Bucket=setting["bucket"], Key=version["Key"], VersionId=version["VersionId"])
            alice.account.log_out()

    print(f"{size_mib} MiB through the local cloud, best of {runs} runs, each in a process of its own")
    for contender in CONTENDERS:
        figures = best[contender]
        print(
            f"  {contender:<12} {figures['seconds']:7.2f} s  {size_mib / figures['seconds']:7.0f} MiB/s   "
            f"peak RSS {figures['peak_rss_mib']:6.1f} MiB"
        )
    for sealed, plain in (("sealed up", "plain up"), ("opened down", "plain down")):
        overhead = best[sealed]["seconds"] / best[plain]["seconds"] - 1
        print(f"  {sealed} vs {plain}: {overhead:+.1%} (target under +{TARGET_OVERHEAD:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the test file (default 1024)")
    parser.add_argument("--runs", type=int, default=2, help="runs per contender; the best is reported (default 2)")
    parser.add_argument("--measure", nargs=2, metavar=("CONTENDER", "SETTING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        contender, setting = args.measure
        print(json.dumps(measure(contender, json.loads(setting))))
    else:
        run(args.size_mib, args.runs)


if __name__ == "__main__":
    main()
