#!/usr/bin/env bash
# Screenshots of each wizard step in the seed scenario (KB Q298944), for the README.
#
# Runs the release binary under Xvfb with a real program named PoProxy.exe listening on port
# 110 (an ephemeral port when not root), lets the wizard walk itself through Describe, Scan,
# Diagnosis, Fix (stopping PoProxy.exe for real) and Report (`gui --tour`), once in the light
# theme and once in the dark one, and writes the PNGs to assets/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/screenshots
mkdir -p "$out"
source scripts/xvfb-session.sh :98

port=110
[ "$(id -u)" = 0 ] || port=0
# A real interpreter binary (not a pyenv shim) renamed like the culprit.
cp "$(python3 -c 'import sys; print(sys.executable)')" "$work/PoProxy.exe"

for theme in light dark; do
    "$work/PoProxy.exe" -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', $port)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(600)
" > "$work/port" &
    proxy=$!
    started+=("$proxy")
    for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
    actual=$(cat "$work/port")
    if [ -z "$actual" ]; then
        echo "PoProxy.exe did not start listening" >&2
        exit 1
    fi
    sed "s/Port 110/Port $actual/" "$work/seed.txt" > "$work/text.txt"
    echo "PoProxy.exe (PID $proxy) listens on port $actual"
    timeout 120 target/release/portsleuth gui --text-file "$work/text.txt" --theme "$theme" \
        --tour "$out" --tour-fix
    if kill -0 "$proxy" 2>/dev/null; then
        echo "PoProxy.exe is still running: the Fix step did not stop it" >&2
        exit 1
    fi
done
ls -l "$out"
