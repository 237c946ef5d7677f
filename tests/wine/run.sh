#!/usr/bin/env bash
# The Windows build, tested under Wine (issue #7): builds the release bundle with mingw, then
# runs the real portsleuth.exe in a fresh Wine prefix and checks
#   - the executable's resources (icon, version information, manifest, GUI subsystem);
#   - diagnose: the same findings as the Linux build for the same text;
#   - scan: a port a Windows program holds;
#   - installed programs from the registry's Uninstall keys, the diagnosis that names one,
#     `fix --dry-run` with its uninstall command, and `fix --yes` stopping the program;
#   - the GUI's first frame under Xvfb (and how long it takes), and console output;
#   - `cargo test --target x86_64-pc-windows-gnu` with Wine as the runner (a subset, below).
# Prints PASS/FAIL per check and exits non-zero when any failed.
#
# Needs: rustup target x86_64-pc-windows-gnu, mingw-w64 (gcc, binutils), wine64 (Wine 8 is
# enough: see processprng_stub.c), Xvfb, xdotool, imagemagick, python3. .ci/run installs them.
# Environment: WINE (default /usr/lib/wine/wine64), KEEP_WINE_WORK=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET=x86_64-pc-windows-gnu
# One cargo at a time on this machine (shared target/).
cargo_() { flock /tmp/portsleuth-cargo.lock cargo "$@"; }

WINE=${WINE:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine)
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver)
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-strip Xvfb xdotool import identify python3 flock; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (see .ci/run)"; exit 1; }
done

WORK=$(mktemp -d /tmp/portsleuth-wine.XXXXXX)
ARTIFACTS=$ROOT/target/wine
mkdir -p "$ARTIFACTS"
export WINEPREFIX=$WORK/prefix
export WINEDEBUG=-all
# No Mono or Gecko: nothing here is .NET or HTML, and their installers would ask.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY

PASSED=0
FAILED=0
pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
note() { echo "NOTE: $*"; }
# check NAME FUNCTION: runs FUNCTION, which explains a failure on its own lines.
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

STARTED=()  # PIDs this script started, ended in cleanup
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
    # Ends this prefix's wineserver and the Wine processes it started for us (services.exe…).
    "$WINESERVER" -k 2>/dev/null || true
    if [ "${KEEP_WINE_WORK:-}" = 1 ] || [ "$FAILED" -gt 0 ]; then
        echo "Wine work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

wine_() { "$WINE" "$@"; }
json() { python3 -c "$@"; }

# --- builds --------------------------------------------------------------------------------
echo "== building (Linux release, Windows release bundle, test helpers)"
cargo_ build --release --locked
scripts/windows-release.sh
VERSION=$(target/release/portsleuth --version | awk '{print $2}')
ZIP=target/dist/portsleuth-$VERSION-windows-x86_64.zip
BIN=$WORK/bin
mkdir -p "$BIN"
# What is tested is what ships: the executable from the zip.
python3 - "$ZIP" "$BIN" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("/portsleuth.exe"))
    open(sys.argv[2] + "/portsleuth.exe", "wb").write(z.read(name))
EOF
mingw() { x86_64-w64-mingw32-gcc -O2 -Wall -Wextra "$@"; }
mingw -shared -o "$BIN/bcryptprimitives.dll" tests/wine/processprng_stub.c tests/wine/processprng_stub.def -ladvapi32
mingw -o "$BIN/listener.exe" tests/wine/listener.c -lws2_32
mingw -o "$BIN/console_parent.exe" tests/wine/console_parent.c
cp assets/examples/seed-q298944-outlook-express.txt "$WORK/seed.txt"

echo "== Wine prefix $WINEPREFIX ($("$WINE" --version))"
# One wineserver for the whole run, started first: each program then starts in a fraction of a
# second instead of several.
mkdir -p "$WINEPREFIX"
"$WINESERVER" -p
wine_ wineboot -i >"$WORK/wineboot.log" 2>&1 || { cat "$WORK/wineboot.log"; echo "FAIL: wineboot -i"; exit 1; }
# Rust programs need ProcessPrng, which Wine 8 lacks (processprng_stub.c): the stand-in goes
# into this throwaway prefix's System32, so every .exe finds it, also the copies tests make
# of themselves in temp folders. Never part of the release.
cp "$BIN/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
wine_ "$BIN/portsleuth.exe" --version >/dev/null || { echo "FAIL: portsleuth.exe does not start under Wine"; exit 1; }

# --- a. resources and the CLI ----------------------------------------------------------------
cd "$WORK"

resources() {
    python3 "$ROOT/tests/wine/pe_resources.py" "$BIN/portsleuth.exe" "$VERSION" | sed 's/^/  /'
}
check "portsleuth.exe carries its icon, version information ($VERSION) and manifest" resources

diagnose_same_as_linux() {
    wine_ "$BIN/portsleuth.exe" diagnose --no-scan --text-file seed.txt --format json >windows.json \
        || { echo "  wine portsleuth.exe diagnose failed"; return 1; }
    "$ROOT/target/release/portsleuth" diagnose --no-scan --text-file seed.txt --format json >linux.json
    json '
import json, sys
def findings(path):
    return [(f["rule_id"], f["category"]) for f in json.load(open(path))["findings"]]
w, l = findings("windows.json"), findings("linux.json")
print("  windows:", w)
if w != l or not w:
    print("  linux:  ", l)
    sys.exit(1)
'
}
check "diagnose --no-scan > file under Wine: same findings, in order, as the Linux build" diagnose_same_as_linux

usage_error() {
    local code=0
    wine_ "$BIN/portsleuth.exe" decode >out.txt 2>err.txt || code=$?
    [ "$code" = 2 ] && grep -q "required arguments" err.txt \
        || { echo "  exit $code, stderr: $(head -c 300 err.txt)"; return 1; }
}
check "a usage error exits 2 with the message on stderr" usage_error

# --- b. scan: a port a Windows program holds ---------------------------------------------------
# start_listener EXE OUTFILE ARGS...: starts a copy of listener.exe under Wine; sets
# LISTENER_PORT, LISTENER_WINPID (its Windows PID) and LISTENER_PID (its Unix process, ended
# in cleanup).
start_listener() {
    local exe=$1 out=$2 i
    shift 2
    "$WINE" "$exe" "$@" >"$out" 2>&1 &
    LISTENER_PID=$!
    STARTED+=("$LISTENER_PID")
    for i in $(seq 1 100); do
        if grep -q "listening on" "$out"; then
            # Windows' C runtime ends the line with \r\n.
            LISTENER_PORT=$(tr -d '\r' <"$out" | awk '/listening on/ {print $3}')
            LISTENER_WINPID=$(tr -d '\r' <"$out" | awk '/listening on/ {print $5}')
            return 0
        fi
        kill -0 "$LISTENER_PID" 2>/dev/null || break
        sleep 0.2
    done
    echo "  ${exe##*/} $* did not start: $(cat "$out")"
    return 1
}

scan_lists_listener() {
    start_listener "$BIN/listener.exe" plain.out || return 1
    local port=$LISTENER_PORT
    wine_ "$BIN/portsleuth.exe" scan --format json >scan.json || { echo "  scan failed"; return 1; }
    wine_ "$BIN/portsleuth.exe" scan --port "$port" --format json >scan-port.json \
        || { echo "  scan --port failed"; return 1; }
    json '
import json, sys
port = int(sys.argv[1])
for name in ("scan.json", "scan-port.json"):
    snap = json.load(open(name))
    mine = [s for s in snap["sockets"] if s["transport"] == "tcp" and s["local_port"] == port]
    if not mine or mine[0]["state"] != "LISTEN" or mine[0]["local_addr"] != "127.0.0.1":
        print(f"  {name}: no TCP LISTEN socket on 127.0.0.1:{port}:", snap["sockets"])
        sys.exit(1)
    owners = mine[0]["pids"] or "none"
    print(f"  {name}: 127.0.0.1:{port} LISTEN, owner PIDs {owners}")
ports = {s["local_port"] for s in json.load(open("scan-port.json"))["sockets"]}
if ports != {port}:
    print("  scan --port listed other ports too:", ports)
    sys.exit(1)
' "$port"
}
check "scan --format json lists a port a Windows program holds under Wine as LISTEN" scan_lists_listener
note "Wine keeps every socket in wineserver, so its GetExtendedTcpTable gives owner PID 0 for a" \
    "plain Windows listener: the scan shows the port with no process (PID, name, exe, product)." \
    "The registry check below makes its listener hold a Unix copy of the socket, which Wine can attribute."

# --- c. installed programs (Uninstall registry keys), diagnosis, fix --dry-run -----------------
# A test "Norton AntiVirus" in HKLM's Uninstall key, its PoProxy.exe (listener.exe) in the
# InstallLocation, holding POP3's port 110 as in KB Q298944. Then the whole chain runs for real
# under Wine: netstat2 → owner PID → process and executable (sysinfo) → `reg query …\Uninstall
# /s` → product (InstallLocation as REG_EXPAND_SZ %ProgramFiles%, expanded) → the rule for an
# antivirus mail proxy → an uninstall action → `fix --dry-run` re-checks the live process and
# shows the product's quiet uninstall command.
UNINSTALL_KEY='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\PortSleuthTestProduct'
NAV_DIR="$WINEPREFIX/drive_c/Program Files/Norton AntiVirus"
registry_product() {
    local key=$UNINSTALL_KEY
    wine_ reg add "$key" /v DisplayName /d 'Norton AntiVirus 2001 (test)' /f >/dev/null &&
        wine_ reg add "$key" /v DisplayVersion /d '7.07.23' /f >/dev/null &&
        wine_ reg add "$key" /v Publisher /d 'Symantec Corporation (test)' /f >/dev/null &&
        wine_ reg add "$key" /v InstallLocation /t REG_EXPAND_SZ /d '%ProgramFiles%\Norton AntiVirus' /f >/dev/null &&
        wine_ reg add "$key" /v UninstallString /d '"C:\Program Files\Norton AntiVirus\uninst.exe"' /f >/dev/null &&
        wine_ reg add "$key" /v QuietUninstallString /d '"C:\Program Files\Norton AntiVirus\uninst.exe" /S' /f >/dev/null \
        || { echo "  reg add failed"; return 1; }
    mkdir -p "$NAV_DIR"
    cp "$BIN/listener.exe" "$NAV_DIR/PoProxy.exe"
    start_listener "$NAV_DIR/PoProxy.exe" poproxy.out --hold-unix-fd 110 || return 1
    POPROXY_PORT=$LISTENER_PORT
    POPROXY_PID=$LISTENER_WINPID
    POPROXY_UNIX_PID=$LISTENER_PID
    echo "  PoProxy.exe (Windows PID $POPROXY_PID) listens on port $POPROXY_PORT"
    wine_ "$BIN/portsleuth.exe" scan --port 110 --format json >nav-scan.json || { echo "  scan failed"; return 1; }
    json '
import json, sys
snap = json.load(open("nav-scan.json"))
pid = int(sys.argv[1])
want = {
    "id": "registry:hklm/PortSleuthTestProduct",
    "name": "Norton AntiVirus 2001 (test)",
    "version": "7.07.23",
    "publisher": "Symantec Corporation (test)",
    "source": "registry",
    "install_location": "C:\\Program Files\\Norton AntiVirus",
    "quiet_uninstall_command": "\"C:\\Program Files\\Norton AntiVirus\\uninst.exe\" /S",
}
products = [p for p in snap["products"] if p["id"] == want["id"]]
procs = [p for p in snap["processes"] if p["pid"] == pid]
sockets = [s for s in snap["sockets"] if s["local_port"] == 110 and pid in s["pids"]]
problems = []
if not sockets:
    problems.append("port 110 is not credited to the listener: %s" % snap["sockets"])
if not procs or procs[0]["exe"] != "C:\\Program Files\\Norton AntiVirus\\PoProxy.exe":
    problems.append("process: %s" % procs)
elif procs[0].get("product") != want["id"]:
    problems.append("the process is not linked to the product: %s" % procs[0])
if not products or any(products[0].get(k) != v for k, v in want.items()):
    problems.append("product: %s" % products)
print("  " + ("; ".join(problems) if problems else "port 110 → PoProxy.exe → " + products[0]["name"]))
sys.exit(1 if problems else 0)
' "$POPROXY_PID"
}
if [ "$(id -u)" != 0 ] && [ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -gt 110 ]; then
    echo "SKIPPED: the registry product checks bind port 110 (KB Q298944's POP3 port): run as root"
    POPROXY_PORT=
else
    check "scan under Wine reads the product from the Uninstall registry key and links PoProxy.exe to it" registry_product
fi

diagnose_names_product() {
    wine_ "$BIN/portsleuth.exe" diagnose --text-file seed.txt --format json --output report.json \
        || { echo "  diagnose failed"; return 1; }
    json '
import json, sys
r = json.load(open("report.json"))
top = r["findings"][0]
ids = [a["id"] for a in top["actions"]]
print("  top finding:", top["rule_id"], top["category"], "actions:", ids)
sys.exit(0 if top["category"] == "av_mail_proxy" and "uninstall-registry:hklm/PortSleuthTestProduct" in ids else 1)
'
}
fix_dry_run_shows_uninstall() {
    local code=0
    wine_ "$BIN/portsleuth.exe" fix --report report.json --action uninstall-registry:hklm/PortSleuthTestProduct \
        --dry-run >fix.out 2>fix.err || code=$?
    sed 's/^/  /' fix.out
    [ "$code" = 0 ] || { echo "  exit $code: $(cat fix.err)"; return 1; }
    grep -qF 'cmd /C "C:\Program Files\Norton AntiVirus\uninst.exe" /S' fix.out && grep -q "previewed" fix.out \
        || { echo "  the uninstall command is not shown"; return 1; }
    kill -0 "$POPROXY_UNIX_PID" 2>/dev/null || { echo "  PoProxy.exe is gone after a dry run"; return 1; }
}
fix_stops_process() {
    local code=0
    wine_ "$BIN/portsleuth.exe" fix --report report.json --action "stop_process-$POPROXY_PID" --yes --grace 2 \
        >stop.out 2>stop.err || code=$?
    sed 's/^/  /' stop.out
    [ "$code" = 0 ] && grep -q "port 110 is now free" stop.out || { echo "  exit $code: $(cat stop.err)"; return 1; }
}
if [ -n "${POPROXY_PORT:-}" ]; then
    check "diagnose under Wine: antivirus mail proxy first, with an uninstall action for the product" diagnose_names_product
    check "fix --dry-run under Wine re-checks the process and shows the uninstall command, changing nothing" fix_dry_run_shows_uninstall
    check "fix --yes under Wine stops PoProxy.exe (taskkill, then /F) and finds port 110 free" fix_stops_process
fi

# --- d. GUI: first frame under Xvfb, console output ----------------------------------------
DISPLAY_NUM=97
while [ -e "/tmp/.X$DISPLAY_NUM-lock" ]; do DISPLAY_NUM=$((DISPLAY_NUM + 1)); done
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
STARTED+=($!)
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
# Wine's desktop (explorer.exe) started display-less for the CLI checks above: a new
# wineserver, with DISPLAY set from its start, gives the GUI an X11 desktop.
for pid in "${STARTED[@]}"; do
    [ "$pid" = "${STARTED[-1]}" ] || kill "$pid" 2>/dev/null || true
done
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -w
export DISPLAY=:$DISPLAY_NUM
"$WINESERVER" -p

colours() { identify -format '%k' "$1" 2>/dev/null || echo 0; }
# gui_first_frame LABEL: starts the GUI (no arguments), waits for its window and a screenshot
# with content, records the time in GUI_MS[LABEL], and ends it.
declare -A GUI_MS=()
gui_first_frame() {
    local label=$1 blank started window="" window_ms="" shot=0 gui _
    # No window left from an earlier run may pass for this one's.
    for _ in $(seq 1 50); do
        xdotool search --name '^PortSleuth' >/dev/null 2>&1 || break
        sleep 0.2
    done
    import -window root blank.png
    blank=$(colours blank.png)
    started=$(date +%s%N)
    "$WINE" "$BIN/portsleuth.exe" >"gui-$label.out" 2>"gui-$label.err" &
    gui=$!
    STARTED+=("$gui")
    # Every ~200 ms for up to 60 s: is there a window, and does the screen show its content?
    for _ in $(seq 1 300); do
        if [ -z "$window" ]; then
            window=$(xdotool search --name '^PortSleuth' 2>/dev/null | head -n1 || true)
            [ -z "$window" ] || window_ms=$((($(date +%s%N) - started) / 1000000))
        fi
        if [ -n "$window" ]; then
            import -window root "frame-$label.png"
            shot=$(colours "frame-$label.png")
            if [ "$shot" -gt 64 ]; then
                # Counted up to when the screenshot showing it was taken: an upper bound.
                GUI_MS[$label]=$((($(date +%s%N) - started) / 1000000))
                break
            fi
        fi
        kill -0 "$gui" 2>/dev/null || { echo "  portsleuth.exe exited: $(head -c 500 "gui-$label.err")"; return 1; }
        sleep 0.2
    done
    cp "frame-$label.png" "$ARTIFACTS/gui-first-frame-$label.png" 2>/dev/null || true
    kill "$gui" 2>/dev/null || true
    wait "$gui" 2>/dev/null || true
    [ -n "${GUI_MS[$label]:-}" ] || {
        echo "  no window with content within 60 s (window: ${window:-none}, $shot colours); stderr: $(head -c 500 "gui-$label.err")"
        return 1
    }
    echo "  blank screen: $blank colours; first frame: $shot colours (target/wine/gui-first-frame-$label.png)"
    echo "  window after ${window_ms} ms, first frame with content after ${GUI_MS[$label]} ms"
}
check "the GUI opens under Wine + Xvfb (glow on Mesa through Wine's opengl32) and draws its first frame" \
    gui_first_frame first
check "the GUI opens again (Wine's desktop already running)" gui_first_frame second
note "Wine start to first frame: ${GUI_MS[first]:-?} ms the first time (includes Wine's desktop," \
    "explorer.exe, starting), ${GUI_MS[second]:-?} ms the second; screenshots every ~200 ms"

console_output() {
    local code=0 exe
    exe=$(wine_ winepath -w "$BIN/portsleuth.exe" 2>/dev/null | tr -d '\r')
    wine_ "$BIN/console_parent.exe" "$exe decode 10048" >console.out 2>&1 || code=$?
    sed 's/^/  /' console.out | head -n 4
    [ "$code" = 0 ] && grep -q "WSAEADDRINUSE" console.out || { echo "  exit $code"; return 1; }
}
check "a command started from a console window prints into that console" console_output
unset DISPLAY

# --- e. cargo test for Windows, under Wine ----------------------------------------------------
# The library's unit tests and the CLI, case, diagnosis and report tests. Left out:
#   tests/scan.rs, tests/fix.rs  — Linux-only (they compile to nothing on Windows);
#   tests/gui.rs                 — two tests need a listener's owner PID, which Wine does not
#                                  report (see above); the rest pass;
#   tests/reader_props.rs        — passes, but takes ~70 s under Wine and tests no platform code;
#   cli's scan_json_reads_back_into_diagnose — needs the test's own PID as a socket owner.
cd "$ROOT"
windows_tests() {
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$WINE" cargo_ test --locked --target "$TARGET" \
        --lib --bins --test cli --test cases --test diagnosis --test report \
        -- --skip scan_json_reads_back_into_diagnose 2>&1 | tee "$ARTIFACTS/cargo-test-windows.log" \
        | grep -E "^(test result|     Running|failures:|    [a-z_:]+$)"
    local code=${PIPESTATUS[0]}
    [ "$code" = 0 ] || tail -n 30 "$ARTIFACTS/cargo-test-windows.log" | sed 's/^/  /'
    return "$code"
}
check "cargo test --target $TARGET under Wine (--lib --bins, cli, cases, diagnosis, report)" windows_tests

echo "wine: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
