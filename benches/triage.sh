#!/usr/bin/env bash
# Fleet triage throughput, against its baseline measured in the same run:
#
#   portsleuth triage over N PC-sized snapshots          snapshots per second   target >= 1,000/s
#   one `portsleuth diagnose --snapshot` process per     snapshots per second   triage >= 20x
#   snapshot (a sample of S, on every core at once, extrapolated)
#
# Each snapshot holds about 200 sockets in 60 processes, port 110 held by PoProxy.exe (3 in
# 10), dovecot (4 in 10), nobody (2 in 10) or a process an unelevated scan could not see.
# Printed, not asserted. Needs python3; builds the release binary unless PORTSLEUTH_BIN is set.
# Environment: N (default 1000), SAMPLE (default 50), RUNS (triage runs, best taken; default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
SAMPLE=${SAMPLE:-50}
RUNS=${RUNS:-3}
if [ -z "${PORTSLEUTH_BIN:-}" ]; then
    cargo build --release --quiet --locked --bin portsleuth
    PORTSLEUTH_BIN=${CARGO_TARGET_DIR:-target}/release/portsleuth
fi
bin=$PORTSLEUTH_BIN
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# What the tickets say: the seed case's Outlook Express dialog (KB Q298944).
seed=$out/error.txt
cat >"$seed" <<'EOF'
There was a problem logging onto your mail server. Your Password was
rejected. Account: 'jsmith on EXCH01', Server:
'exch01', Protocol: POP3, Server Response: '-ERR Logon failure:
unknown user name or bad password.', Port 110, Secure(SSL): No, Server Error:
0x800CCC90, Error Number: 0x800CCC92
EOF
cores=$(nproc)

python3 - "$out/fleet" "$N" <<'PY'
import json, os, sys
root, n = sys.argv[1], int(sys.argv[2])
def snapshot(host, kind):
    socks, procs = [], []
    if kind in ("PoProxy.exe", "dovecot"):
        socks.append({"transport": "tcp", "local_addr": "0.0.0.0", "local_port": 110, "state": "LISTEN", "pids": [4711]})
        procs.append({"pid": 4711, "name": kind, "exe_name": kind, "cmd": [kind], "user": "SYSTEM", "start_time": 1764000999})
    elif kind == "unseen":
        socks.append({"transport": "tcp", "local_addr": "0.0.0.0", "local_port": 110, "state": "LISTEN", "pids": []})
    for i in range(199):
        pid = 1000 + i % 60
        if i % 4 == 0:
            socks.append({"transport": "tcp", "local_addr": "0.0.0.0", "local_port": 20000 + i, "state": "LISTEN", "pids": [pid]})
        else:
            socks.append({"transport": "tcp", "local_addr": "10.0.0.5", "local_port": 40000 + i, "remote_addr": f"192.0.2.{i % 250}",
                          "remote_port": 443, "state": "ESTABLISHED", "pids": [pid]})
    for i in range(60):
        procs.append({"pid": 1000 + i, "name": f"app{i}.exe", "exe_name": f"app{i}.exe", "exe": f"C:\\Program Files\\App{i}\\app{i}.exe",
                      "cmd": [f"app{i}.exe", "--serve"], "user": "tech", "start_time": 1764000000 + i})
    elevated = kind != "unseen"
    return {"schema": "portsleuth.snapshot/1", "taken_at": "2026-12-01T10:00:00Z",
            "host": {"hostname": host, "os": "Windows", "os_version": "10", "elevated": elevated, "user": "tech"},
            "limited_to_ports": [], "socket_source": "iphlpapi", "sockets": socks, "processes": procs,
            "services": [], "products": [],
            "warnings": [] if elevated else [{"what": "other users' sockets show no owner", "remedy": "run the scan as root"}]}
kinds = ["PoProxy.exe"] * 3 + ["dovecot"] * 4 + ["nobody"] * 2 + ["unseen"]
for i in range(n):
    host = f"pc-{i:05d}"
    os.makedirs(f"{root}/{host}")
    with open(f"{root}/{host}/snapshot.json", "w") as f:
        json.dump(snapshot(host, kinds[i % 10]), f, indent=1)
PY
size=$(du -sk "$out/fleet" | cut -f1)
echo "fleet: $N snapshots, $((size / 1024)) MiB on disk, $cores cores"

now() { date +%s%N; }
best=
for _ in $(seq 1 "$RUNS"); do
    t0=$(now)
    "$bin" triage --text-file "$seed" --snapshots "$out/fleet" --format json --output "$out/triage.json" --force
    t=$(($(now) - t0))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
python3 - "$out/triage.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
print("triage summary: " + ", ".join(f"{s['category']} {s['count']}" for s in t["summary"]) + f"; skipped {len(t['skipped'])}")
PY

# The baseline: one process per snapshot, as a script looping over the folder would run it,
# on every core at once.
find "$out/fleet" -name snapshot.json | sort >"$out/all"
head -n "$SAMPLE" "$out/all" >"$out/sample"
t0=$(now)
xargs -P "$cores" -I{} sh -c 'exec "$0" diagnose --text-file "$1" --snapshot "$2" --format json >/dev/null' \
    "$bin" "$seed" {} <"$out/sample"
per_process=$(($(now) - t0))

python3 - "$N" "$best" "$SAMPLE" "$per_process" <<'PY'
import sys
n, triage_ns, sample, proc_ns = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
triage_rate = n / (triage_ns / 1e9)
proc_rate = sample / (proc_ns / 1e9)
print(f"triage:                      {n} snapshots in {triage_ns / 1e6:.0f} ms (best of runs): {triage_rate:,.0f} snapshots/s  (target >= 1,000/s)")
print(f"diagnose --snapshot per file: {sample} processes in {proc_ns / 1e6:.0f} ms: {proc_rate:,.1f} snapshots/s; "
      f"{n} would take {n / proc_rate:.1f} s")
print(f"ratio: triage is {triage_rate / proc_rate:.1f}x faster  (target >= 20x)")
PY
