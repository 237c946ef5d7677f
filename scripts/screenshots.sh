#!/usr/bin/env bash
# Screenshots of each wizard step in the seed scenario (KB Q298944), for the README.
#
# Runs the release binary under Xvfb with a real program named PoProxy.exe listening on port
# 110 (an ephemeral port when not root), lets the wizard walk itself through Describe, Scan,
# Diagnosis, Fix (stopping PoProxy.exe for real) and Report (`gui --tour`), once in the light
# theme and once in the dark one, at 1280×800 and at 800×600, and writes the PNGs to
# assets/screenshots/ (800×600 in assets/screenshots/800x600/). SCREENSHOT_PORT overrides the
# port (0: any free one, e.g. while another test holds 110).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/xvfb-session.sh :98

port=110
[ "$(id -u)" = 0 ] || port=0
port=${SCREENSHOT_PORT:-$port}
# A real interpreter binary (not a pyenv shim) renamed like the culprit.
cp "$(python3 -c 'import sys; print(sys.executable)')" "$work/PoProxy.exe"

for size in 1280x800 800x600; do
out=assets/screenshots
[ "$size" = 1280x800 ] || out=assets/screenshots/$size
mkdir -p "$out" "$XDG_CONFIG_HOME/portsleuth"
for theme in light dark; do
    # The window's size comes from the settings the wizard remembers.
    printf '{"window":[%s,%s],"theme":"%s","format":"html","redact":false}\n' \
        "${size%x*}" "${size#*x}" "$theme" > "$XDG_CONFIG_HOME/portsleuth/settings.json"
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
done
ls -l assets/screenshots assets/screenshots/800x600
