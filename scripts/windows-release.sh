#!/usr/bin/env bash
# Builds the Windows release bundle from Linux with mingw-w64:
#   target/dist/portsleuth-<version>-windows-x86_64.zip
#     portsleuth-<version>-windows-x86_64/portsleuth.exe           (symbols stripped)
#     portsleuth-<version>-windows-x86_64/portsleuth.com           (portsleuth-console.exe, stripped)
#     portsleuth-<version>-windows-x86_64/README.md
#     portsleuth-<version>-windows-x86_64/THIRD-PARTY-NOTICES.txt  (crates, versions, licences)
# and prints the sizes. Needs: rustup target x86_64-pc-windows-gnu, gcc-mingw-w64-x86-64 and
# binutils-mingw-w64-x86-64, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=x86_64-pc-windows-gnu
# One cargo at a time on this machine (shared target/).
cargo_() { flock /tmp/portsleuth-cargo.lock cargo "$@"; }

cargo_ build --release --locked --target "$TARGET"
VERSION=$(cargo_ metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "portsleuth"))')
NAME=portsleuth-$VERSION-windows-x86_64
# Cargo's output folder (CARGO_TARGET_DIR when set).
OUT=${CARGO_TARGET_DIR:-target}
EXE=$OUT/$TARGET/release/portsleuth.exe
# The console front end (src/bin/portsleuth-console.rs): a typed `portsleuth` in cmd.exe or
# PowerShell finds portsleuth.com first (PATHEXT), which waits for portsleuth.exe and passes
# on its output and exit code. A PE file like any .exe; Windows goes by its header, not its name.
COM=$OUT/$TARGET/release/portsleuth-console.exe
STAGE=$OUT/dist/$NAME
rm -rf "$STAGE" "$STAGE.zip"
mkdir -p "$STAGE"

# The COFF symbol table is only for debuggers; the resources (icon, version, manifest) stay.
x86_64-w64-mingw32-strip -o "$STAGE/portsleuth.exe" "$EXE"
x86_64-w64-mingw32-strip -o "$STAGE/portsleuth.com" "$COM"
cp README.md "$STAGE/README.md"
cargo_ tree --locked --target "$TARGET" -e normal --prefix none -f '{p}' >"$STAGE.shipped.txt"
cargo_ metadata --format-version 1 --locked --filter-platform "$TARGET" |
    python3 scripts/third_party_notices.py "$STAGE.shipped.txt" >"$STAGE/THIRD-PARTY-NOTICES.txt"
rm "$STAGE.shipped.txt"

python3 - "$STAGE" "$STAGE.zip" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
top = os.path.basename(stage)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name in sorted(os.listdir(stage)):
        z.write(os.path.join(stage, name), f"{top}/{name}")
PY

size() { stat -c %s "$1"; }
mib() { python3 -c "print(f'{$1 / 1048576:.1f}')"; }
echo "built $STAGE.zip"
for f in "$EXE" "$STAGE/portsleuth.exe" "$COM" "$STAGE/portsleuth.com" "$STAGE.zip"; do
    echo "  $(size "$f") bytes ($(mib "$(size "$f")") MiB)  $f"
done
