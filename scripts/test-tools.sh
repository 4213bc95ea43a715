#!/usr/bin/env bash
# Installs the real tools the test suite drives, each in its own virtual environment (their pins conflict),
# pinned by test/tools/<tool>.txt and cached outside the clone so a second run on the same machine is quick.
# Prints the bin directories in test/tools/.paths.json for the tests. A missing tool fails here, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${DVC_SYNC_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dvc-sync-s3-api/venvs}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$CACHE"

need() { command -v "$1" >/dev/null || { echo "test-tools: '$1' is required ($2)" >&2; exit 1; }; }
need "$PYTHON" "Python >= 3.10 for dvc, Label Studio, boto3 and the aws CLI"
need git "git with git-http-backend, for the git server the tests start"
GIT_HTTP_BACKEND="$(git --exec-path)/git-http-backend"
[ -x "$GIT_HTTP_BACKEND" ] || { echo "test-tools: $GIT_HTTP_BACKEND is missing (install the git package)" >&2; exit 1; }
need openssl "to make the self-signed certificate of the https tests"
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || { echo "test-tools: $SSHD is missing (install the openssh-server package): the SSH remote tests start one" >&2; exit 1; }

venv_for() { # tool → bin dir, (re)built when its requirements change
  local tool="$1" req="test/tools/$1.txt"
  local hash; hash="$(sha256sum "$req" | cut -c1-12)"
  local dir="$CACHE/$tool-$hash"
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
    echo "test-tools: installing $(tr '\n' ' ' < "$req")into $dir" >&2
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    touch "$dir/.complete"
  fi
  echo "$dir/bin"
}

# Go >= 1.24 (compose-go's go.mod): the machine's own when it is recent enough, else Go's release toolchain for this
# platform from the Go module proxy (the module golang.org/toolchain, which Go's own GOTOOLCHAIN switching fetches),
# pinned by its sha256 and unpacked once into the cache.
GO_TOOLCHAIN=1.25.14
go_bin() {
  local go; go="$(command -v go || true)"
  if [ -n "$go" ] && "$go" env GOVERSION 2>/dev/null | grep -qE '^go1\.(2[4-9]|[3-9][0-9])'; then
    echo "$go"
    return
  fi
  local arch sum
  case "$(uname -m)" in
    x86_64) arch=amd64 sum=1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4 ;;
    aarch64 | arm64) arch=arm64 sum=eee0803776a2a3d42f0620d7b0156277350debb5d39c99a9b61c8b12108fd92c ;;
    *) echo "test-tools: Go >= 1.24 is required (no pinned toolchain for $(uname -m)): install it" >&2; exit 1 ;;
  esac
  local version="v0.0.1-go$GO_TOOLCHAIN.linux-$arch"
  local dir="$CACHE/go-$GO_TOOLCHAIN-$arch"
  if [ ! -x "$dir/bin/go" ]; then
    echo "test-tools: installing Go $GO_TOOLCHAIN ($arch) from the Go module proxy into $dir" >&2
    rm -rf "$dir" "$dir.tmp"
    # Python (needed anyway) fetches and unpacks: a bare machine may have neither curl nor unzip. Zip entries keep
    # their Unix modes in external_attr; zipfile does not apply them, so the executables are chmod-ed here.
    "$PYTHON" - "https://proxy.golang.org/golang.org/toolchain/@v/$version.zip" "$sum" "golang.org/toolchain@$version/" "$dir.tmp" <<'EOF' >&2
import hashlib, io, os, sys, urllib.request, zipfile
url, sha256, prefix, target = sys.argv[1:]
data = urllib.request.urlopen(url, timeout=300).read()
if hashlib.sha256(data).hexdigest() != sha256:
    sys.exit(f"test-tools: {url} does not have the pinned sha256 {sha256}")
with zipfile.ZipFile(io.BytesIO(data)) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        path = os.path.join(target, info.filename[len(prefix):])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(info) as src, open(path, "wb") as dst:
            dst.write(src.read())
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
EOF
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/bin/go"
}

# docker-compose.yml loaded as `docker compose config` loads it, without Docker: a small Go program on compose-go
# (the loader Docker Compose itself uses), built from test/tools/compose-config with modules from the Go proxy.
compose_config() {
  local src=test/tools/compose-config
  local hash; hash="$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
  local bin="$CACHE/compose-config-$hash/compose-config"
  if [ ! -x "$bin" ]; then
    local go; go="$(go_bin)"
    echo "test-tools: building $src into $bin" >&2
    mkdir -p "$(dirname "$bin")"
    (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "$go" build -o "$bin.tmp" .) >&2
    mv "$bin.tmp" "$bin"
  fi
  echo "$bin"
}

DVC_BIN="$(venv_for dvc)"
BOTO3_BIN="$(venv_for boto3)"
AWSCLI_BIN="$(venv_for awscli)"
LS_BIN="$(venv_for label-studio)"
S3_CLIENTS_BIN="$(venv_for s3-clients)"
COMPOSE_CONFIG="$(compose_config)"
GCS_BIN="$(venv_for gcs-emulator)"
CASELESS_BIN="$(venv_for caseless-fs)"

"$DVC_BIN/dvc" version >/dev/null
"$AWSCLI_BIN/aws" --version >/dev/null 2>&1
"$BOTO3_BIN/python" -c 'import boto3, moto' 
# Not `label-studio --version`: it prints the version and then starts a server that never exits.
"$LS_BIN/python" -c 'import label_studio' 
"$S3_CLIENTS_BIN/python" -c 'import s3fs, minio'
"$S3_CLIENTS_BIN/s3cmd" --version >/dev/null
"$GCS_BIN/python" -c 'import gcp_storage_emulator'
"$CASELESS_BIN/python" -c 'import fuse' # loads libfuse.so.2 (Debian's libfuse2)

cat > test/tools/.paths.json <<JSON
{
  "dvc": "$DVC_BIN/dvc",
  "python": "$BOTO3_BIN/python",
  "motoServer": "$BOTO3_BIN/moto_server",
  "aws": "$AWSCLI_BIN/aws",
  "labelStudio": "$LS_BIN/label-studio",
  "s3ClientsPython": "$S3_CLIENTS_BIN/python",
  "s3cmd": "$S3_CLIENTS_BIN/s3cmd",
  "gitHttpBackend": "$GIT_HTTP_BACKEND",
  "composeConfig": "$COMPOSE_CONFIG",
  "gcsEmulator": "$GCS_BIN/gcp-storage-emulator",
  "sshd": "$SSHD",
  "caselessFs": "$CASELESS_BIN/python"
}
JSON
echo "test-tools: ready (test/tools/.paths.json)" >&2
