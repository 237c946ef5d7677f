#!/usr/bin/env bash
# Whole-process figures with hyperfine, each against a baseline measured in the same run:
#
#   diagnose --no-scan on the seed text    vs  portsleuth --version        target <= 5x
#   diagnose --no-scan --format json on a  vs  wc -l on the same file      target >= 200 MB/s
#   10 MB busy log
#
# Needs hyperfine (Debian: apt-get install hyperfine) and python3; builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/portsleuth
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seed=assets/examples/seed-q298944-outlook-express.txt

# The same 10 MB log as benches/read_and_match.rs: ordinary lines with an error every 997.
python3 - "$out/big.log" <<'PY'
import sys
ordinary = [
 "2026-11-26 10:00:01,123 INFO  [http-nio-8080-exec-4] c.e.web.Controller - GET /api/orders?id=42 200 in 12 ms\n",
 "Nov 26 10:00:02 mail01 postfix/smtpd[2211]: connect from unknown[203.0.113.7]\n",
 "192.0.2.10 - - [26/Nov/2026:10:00:03 +0000] \"GET /index.html HTTP/1.1\" 200 5123 \"-\" \"Mozilla/5.0\"\n",
 "2026-11-26T10:00:04Z DEBUG worker 3 picked job 918273 from queue default (attempt 1)\n",
 "Nov 26 10:00:05 mail01 dovecot: imap-login: Login: user=<ann>, method=PLAIN, rip=192.0.2.4, lip=192.0.2.1, mpid=4412, TLS\n",
 "    at com.example.service.OrderService.load(OrderService.java:118)\n",
]
errors = [
 "2026/11/26 10:00:06 [emerg] 1234#1234: bind() to 0.0.0.0:80 failed (98: Address already in use)\n",
 "Event Type: Error\nEvent Source: MSExchange Pop3 Interface\nEvent ID: 11508\nDescription:\nAccept clients on POP3 interface failed in function HrRegisterProtocol with error 0x2740.\n",
 "There was a problem logging onto your mail server. Your Password was rejected. Account: 'ann', Server: 'mail', Protocol: POP3, Server Response: '-ERR Logon failure: unknown user name or bad password.', Port: 110, Secure(SSL): No, Server Error: 0x800CCC90, Error Number: 0x800CCC92\n",
 "java.net.BindException: Address already in use: JVM_Bind\n",
]
parts, n, i = [], 0, 0
while n < 10 << 20:
    for s in [ordinary[i % 6]] + ([errors[(i // 997) % 4]] if i % 997 == 0 else []):
        parts.append(s); n += len(s)
    i += 1
open(sys.argv[1], "w").write("".join(parts))
PY

hyperfine -N --warmup 5 --runs 40 --export-json "$out/start.json" \
  "$bin --version" "$bin diagnose --no-scan --text-file $seed" >/dev/null
hyperfine -N --warmup 2 --runs 15 --export-json "$out/big.json" \
  "wc -l $out/big.log" "$bin diagnose --no-scan --format json --text-file $out/big.log" >/dev/null

python3 - "$out" "$(stat -c %s "$out/big.log")" <<'PY'
import json, sys
d, size = sys.argv[1], int(sys.argv[2])
def means(f):
    return [(r["command"].split("/")[-1], r["mean"] * 1e3, r["stddev"] * 1e3)
            for r in json.load(open(f"{d}/{f}"))["results"]]
(bc, bm, bs), (pc, pm, ps) = means("start.json")
print(f"start-up: diagnose --no-scan (seed): {pm:.1f} ms ± {ps:.1f}; baseline --version: {bm:.1f} ms ± {bs:.1f}; ratio {pm/bm:.1f}x (target <= 5x)")
(bc, bm, bs), (pc, pm, ps) = means("big.json")
mb = size / 1e6
print(f"10 MB log, whole process: {pm:.0f} ms ± {ps:.0f} = {mb/(pm/1e3):.0f} MB/s (target >= 200 MB/s); baseline wc -l: {bm:.1f} ms = {mb/(bm/1e3):.0f} MB/s")
PY
