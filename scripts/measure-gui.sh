#!/usr/bin/env bash
# Figures of the real window (release build, glow renderer, Mesa's software OpenGL under Xvfb):
#   launch to first frame presented (median of 10, against the CLI's own start as baseline),
#   resident memory 3 s after start, CPU used while idle for 10 s, and eframe's CPU time per
#   frame on the Scan page with 10,000 socket rows against 10 rows, while the table scrolls.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/xvfb-session.sh :96
bin=$PWD/target/release/portsleuth

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "== launch to first frame (ms), 10 runs"
for _ in $(seq 10); do
    start=$(date +%s%3N)
    PORTSLEUTH_PROBE=first-frame "$bin" gui --text-file "$work/seed.txt" > "$work/probe" 2>&1
    at() { awk -v k="$1" '$2 == k {print $3}' "$work/probe"; }
    echo "$(($(at first-frame-unix-ms) - start)) $(($(at window-requested-unix-ms) - start))" \
        "$(($(at window-ready-unix-ms) - start)) $(($(at app-ready-unix-ms) - start))" \
        "$(($(at first-ui-unix-ms) - start))"
done > "$work/phases"
cut -d' ' -f1 "$work/phases" > "$work/first"
first=$(median < "$work/first")
phase() { cut -d' ' -f"$1" "$work/phases" | median; }
echo "medians after launch: window asked for $(phase 2) ms, window and OpenGL context ready $(phase 3) ms,"
echo "  wizard ready (knowledge base loaded on its own thread meanwhile) $(phase 4) ms, first frame laid out $(phase 5) ms"
for _ in $(seq 10); do
    start=$(date +%s%3N); "$bin" --version >/dev/null; echo $(($(date +%s%3N) - start))
done > "$work/cli"
cli=$(median < "$work/cli")
echo "first frame: median ${first} ms (runs: $(tr '\n' ' ' < "$work/first")); target 150 ms"
echo "baseline, portsleuth --version start and exit: median ${cli} ms"

echo "== memory and idle CPU"
"$bin" gui --text-file "$work/seed.txt" 2>/dev/null &
gui=$!
started+=("$gui")
sleep 3
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$gui/status")
tck=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$gui/stat"; }
t0=$(ticks)
sleep 10
t1=$(ticks)
kill "$gui"; wait "$gui" 2>/dev/null || true
echo "resident memory 3 s after start: $((rss_kb / 1024)) MB (target 100 MB)"
echo "CPU while idle for 10 s: $(( (t1 - t0) * 1000 / tck )) ms of CPU ($(( (t1 - t0) * 1000 / tck / 10 )) ms per second)"

echo "== CPU per frame on the Scan page, scrolling"
for rows in 10 10000; do
    python3 - "$rows" > "$work/snap-$rows.json" <<'PY'
import json, sys
n = int(sys.argv[1])
procs = [{"pid": 1000 + i, "name": f"worker{i}", "exe_name": f"worker{i}.exe",
          "exe": f"C:\\Program Files\\Vendor {i}\\worker{i}.exe", "cmd": [],
          "user": f"svc-{i % 7}", "start_time": 1700000000 + i} for i in range(400)]
socks = [{"transport": "udp" if i % 5 == 0 else "tcp",
          "local_addr": f"10.0.{(i // 250) % 250}.{i % 250}", "local_port": 1024 + i % 60000,
          "state": "LISTEN" if i % 3 == 0 else "ESTABLISHED", "pids": [1000 + i % 400]}
         for i in range(n)]
print(json.dumps({"schema": "portsleuth.snapshot/1", "taken_at": "2026-11-26T00:00:00Z",
                  "host": {"hostname": "bench", "os": "windows", "elevated": True},
                  "sockets": socks, "processes": procs}))
PY
    PORTSLEUTH_PROBE=frames:300 "$bin" gui --text-file "$work/seed.txt" \
        --snapshot "$work/snap-$rows.json" 2>&1 | grep portsleuth-probe | sed "s/^/$rows rows: /"
done
