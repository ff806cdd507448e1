#!/usr/bin/env bash
# `make upgrade`: the deliberate act that moves versions. Every lock is re-resolved to the newest releases,
# then make test and make demo run on them; the new locks are kept only when both pass. Otherwise the old
# locks are put back (touched, so the next make reinstalls from them) and the failure is left to read above.
set -euo pipefail
cd "$(dirname "$0")/.."

locks=(uv.lock functions/requirements.txt user-cloud/functions/requirements.txt layers/crypto/requirements.txt
       layers/service/requirements.txt tools/uv/requirements.txt tools/sam/requirements.txt
       tools/checkov/requirements.txt tools/statelint/package.json tools/statelint/package-lock.json
       web/package.json web/package-lock.json)
saved=$(mktemp -d)
trap 'rm -rf "$saved"' EXIT
tar -cf "$saved/locks.tar" "${locks[@]}"

make --no-print-directory lock UPGRADE=1
echo "== make upgrade: what moved"
git --no-pager diff --stat -- "${locks[@]}"

if make --no-print-directory test && make --no-print-directory demo; then
    echo "make upgrade: make test and make demo pass on the new versions; commit the locks above."
else
    tar -xf "$saved/locks.tar"
    touch "${locks[@]}"
    echo "make upgrade: the new versions fail (see above); the old locks are back and nothing else changed." >&2
    exit 1
fi
