#!/usr/bin/env bash
# Runs `buf lint` and `buf breaking` offline.
#
#   tools/buf.sh [AGAINST_REF]
#
# buf comes from the @bufbuild/buf npm package, installed under .tools/. The
# google/api and google/rpc imports are copied into .tools/protodeps from the
# googleapis-common-protos package of the active Python environment.
# `buf breaking` compares proto/ with AGAINST_REF (default: main, or the
# commit before HEAD when HEAD is main itself).
set -euo pipefail
cd "$(dirname "$0")/.."

BUF_VERSION=1.75.0
buf=.tools/node_modules/.bin/buf
if [[ ! -x $buf || $($buf --version) != "$BUF_VERSION" ]]; then
  npm install --silent --no-audit --no-fund --prefix .tools "@bufbuild/buf@$BUF_VERSION"
fi

fill_protodeps() {  # fill_protodeps DESTINATION
  python - "$1" <<'PY'
import pathlib, shutil, sys
import google.api
googleapis = pathlib.Path(next(iter(google.api.__path__))).parent
destination = pathlib.Path(sys.argv[1]) / "google"
shutil.rmtree(destination, ignore_errors=True)
for package in ("api", "rpc"):
    target = destination / package
    target.mkdir(parents=True)
    for proto in (googleapis / package).glob("*.proto"):
        shutil.copy(proto, target / proto.name)
PY
}
fill_protodeps .tools/protodeps

"$buf" lint
echo "buf lint: ok"

against=${1:-main}
if [[ -z ${1:-} && $(git rev-parse HEAD) == $(git rev-parse --verify -q main || true) ]]; then
  against=HEAD~1
fi
if ! git rev-parse --verify -q "$against^{commit}" >/dev/null \
  || ! git cat-file -e "$against:proto" 2>/dev/null; then
  echo "buf breaking: skipped, $against has no proto/ to compare with"
  exit 0
fi
baseline=$(mktemp -d)
trap 'rm -rf "$baseline"' EXIT
git archive "$against" proto buf.yaml | tar -x -C "$baseline"
fill_protodeps "$baseline/.tools/protodeps"
"$buf" breaking --against "$baseline"
echo "buf breaking against $against: ok"
