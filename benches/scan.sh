#!/usr/bin/env bash
# Scan speed under load, as ratios against `ss` measured in the same run.
#
# Starts ../shared/bench/loadgen.py (300 processes x 10 listeners, 2 connections each), then
# times with hyperfine: a full `portsleuth scan --format json` against `ss -ltnp`, and
# `portsleuth scan --port N` against `ss -ltnp 'sport = :N'`. Targets: <= 1.0x and <= 0.5x.
# Needs: hyperfine and ss (Debian: apt-get install hyperfine iproute2), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
loadgen=${LOADGEN:-../shared/bench/loadgen.py}
cargo build --release --quiet
bin=$PWD/target/release/portsleuth
out=$(mktemp -d)
trap 'kill "$lg_pid" 2>/dev/null || true; rm -rf "$out"' EXIT

coproc LG { python3 "$loadgen" --procs 300 --socks 10 --conns 2 --hold 600; }
lg_pid=$LG_PID
read -r ready pids <&"${LG[0]}"
[[ $ready == ready ]] || { echo "loadgen did not start" >&2; exit 1; }
first=${pids%% *}
port=$(ss -ltnpH | awk -v p="pid=$first," '$0 ~ p && !done {split($4,a,":"); print a[length(a)]; done=1}')
echo "load: $(ss -ltnH | wc -l) listening TCP sockets; timing port $port (held by PID $first)"

hyperfine -N --warmup 3 --runs 20 --export-json "$out/full.json" \
  "ss -ltnp" "$bin scan --format json" >/dev/null
hyperfine -N --warmup 3 --runs 20 --export-json "$out/port.json" \
  "ss -ltnp 'sport = :$port'" "$bin scan --format json --port $port" >/dev/null

python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
def means(f):
    r = json.load(open(f"{d}/{f}"))["results"]
    return [(x["command"], x["mean"] * 1e3, x["stddev"] * 1e3) for x in r]
for name, f, target in [("full scan", "full.json", 1.0), ("one port", "port.json", 0.5)]:
    (bc, bm, bs), (pc, pm, ps) = means(f)
    print(f"{name:9}: {pc}: {pm:7.1f} ms ± {ps:.1f}   baseline {bc}: {bm:7.1f} ms ± {bs:.1f}   ratio {pm/bm:.2f}x (target <= {target}x)")
PY
