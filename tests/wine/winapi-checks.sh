#!/usr/bin/env bash
# Issue #15 under Wine: PortSleuth's Windows layer (src/platform/windows/) through Windows' own
# interfaces (Service Control Manager, registry, process handles), driven function by function
# by wintest.exe (examples/wintest.rs, JSON out), then portsleuth.exe itself against a real
# service and non-ASCII products. Prints one PASS/FAIL line per check, NOTE lines for what Wine
# cannot show, FIGURE lines for the timing, and exits non-zero when any check failed.
# tests/wine/run.sh runs it (CI); it also runs alone:
#
#   bash tests/wine/winapi-checks.sh            # builds wintest.exe, portsleuth.exe, the helpers
#
# Environment:
#   WINTEST        a built wintest.exe (default: `cargo build --release --example wintest` here)
#   PORTSLEUTH_EXE a built portsleuth.exe (default: `cargo build --release --bin portsleuth` here)
#   OLD_PORTSLEUTH_EXE  optional: a portsleuth.exe of the tool-parsing scanner (before issue
#                  #15), timed beside the new one as the baseline
#   WINE, WINESERVER, KEEP_WINE_WORK=1 as in run.sh
#
# What it checks (services, installed programs, elevation, process facts, stopping processes
# PID-reuse-safely, running an uninstaller without a shell, netsh decoding, timings) is listed
# by the PASS/FAIL lines themselves. Needs: mingw-w64, wine64 (8 is enough, with the
# ProcessPrng stand-in of processprng_stub.c), Xvfb (the windowed stop checks), python3, iconv.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET=x86_64-pc-windows-gnu
WINE=${WINE:-/usr/lib/wine/wine64}
[ -x "$WINE" ] || WINE=$(command -v wine64 || command -v wine)
WINESERVER=${WINESERVER:-/usr/lib/wine/wineserver}
[ -x "$WINESERVER" ] || WINESERVER=$(command -v wineserver)
for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres Xvfb python3 iconv; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done
# One cargo at a time on this machine.
cargo_() { if command -v cargo-serial >/dev/null; then cargo-serial "$@"; else flock /tmp/portsleuth-cargo.lock cargo "$@"; fi; }

WORK=$(mktemp -d /tmp/portsleuth-winapi.XXXXXX)
# A prefix of its own: the checks create services and registry entries, and end its wineserver.
export WINEPREFIX=$WORK/prefix
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="

PASSED=0
FAILED=0
pass() { echo "PASS: $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }
note() { echo "NOTE: $*"; }
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

STARTED=()  # Unix PIDs this script started, ended one by one in cleanup
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$WINESERVER" -k 2>/dev/null || true
    if [ "${KEEP_WINE_WORK:-}" = 1 ] || [ "$FAILED" -gt 0 ]; then
        echo "winapi work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

wine_() { "$WINE" "$@"; }
# shellcheck source=tests/wine/prefix.sh
source "$ROOT/tests/wine/prefix.sh"
wt() { "$WINE" "$BIN/wintest.exe" "$@"; }
# py ARGS... <<'PY' … PY: a check in Python over JSON; prints its own explanation.
py() { python3 - "$@"; }

# --- builds ----------------------------------------------------------------------------------
BIN=$WORK/bin
mkdir -p "$BIN"
# Cargo's output folder (CARGO_TARGET_DIR when set).
OUT=$(realpath -m "${CARGO_TARGET_DIR:-target}")
if [ -z "${WINTEST:-}" ]; then
    echo "== building wintest.exe (examples/wintest.rs)"
    cargo_ build --release --locked --target "$TARGET" --example wintest 2>&1 | tail -n 1
    WINTEST=$OUT/$TARGET/release/examples/wintest.exe
fi
if [ -z "${PORTSLEUTH_EXE:-}" ]; then
    echo "== building portsleuth.exe"
    cargo_ build --release --locked --target "$TARGET" --bin portsleuth 2>&1 | tail -n 1
    PORTSLEUTH_EXE=$OUT/$TARGET/release/portsleuth.exe
fi
cp "$WINTEST" "$BIN/wintest.exe"
cp "$PORTSLEUTH_EXE" "$BIN/portsleuth.exe"
[ -z "${OLD_PORTSLEUTH_EXE:-}" ] || cp "$OLD_PORTSLEUTH_EXE" "$BIN/portsleuth-old.exe"
mingw() { x86_64-w64-mingw32-gcc -O2 -Wall -Wextra "$@"; }
mingw -shared -o "$BIN/bcryptprimitives.dll" tests/wine/processprng_stub.c tests/wine/processprng_stub.def -ladvapi32
mingw -municode -o "$BIN/service.exe" tests/wine/service.c -lws2_32 -ladvapi32
mingw -o "$BIN/listener.exe" tests/wine/listener.c -lws2_32
x86_64-w64-mingw32-windres -c 65001 tests/wine/stoppable.rc -O coff -o "$WORK/stoppable.res"
mingw -o "$BIN/stoppable.exe" tests/wine/stoppable.c "$WORK/stoppable.res" -luser32
# A stand-in uninstaller: writes the arguments it received, one per line (UTF-8), beside itself
# and exits 7, so the check sees exactly what CreateProcessW passed, with no shell between.
cat >"$WORK/uninst.c" <<'EOF'
#include <windows.h>
#include <stdio.h>
int wmain(int argc, wchar_t **argv)
{
    wchar_t path[MAX_PATH];
    char line[4096];
    FILE *out;
    int i;
    GetModuleFileNameW(NULL, path, MAX_PATH);
    wcscpy(wcsrchr(path, L'\\') + 1, L"uninst-args.txt");
    out = _wfopen(path, L"wb");
    if (!out)
        return 1;
    for (i = 1; i < argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, argv[i], -1, line, sizeof(line), NULL, NULL);
        if (n > 0)
            fprintf(out, "%s\n", line);
    }
    fclose(out);
    return 7;
}
EOF
mingw -municode -o "$BIN/uninst.exe" "$WORK/uninst.c"

# --- Wine prefix, display, a process that keeps Wine's services running -------------------------
# The windowed stop checks need a desktop: Xvfb first, so Wine's desktop starts with it.
DISPLAY_NUM=117
while [ -e "/tmp/.X$DISPLAY_NUM-lock" ]; do DISPLAY_NUM=$((DISPLAY_NUM + 1)); done
Xvfb ":$DISPLAY_NUM" -screen 0 1024x768x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
STARTED+=($!)
for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$DISPLAY_NUM" ] && break; sleep 0.1; done
export DISPLAY=:$DISPLAY_NUM

echo "== Wine prefix $WINEPREFIX ($("$WINE" --version))"
make_prefix "$WORK/wineboot.log" || { echo "FAIL: wineboot -i (three attempts)"; exit 1; }
# Right after `wineboot -i` Wine 8 sometimes starts a second services.exe in the same prefix;
# each keeps its own list, so a service created through one is missing from the other's. A
# restarted server starts exactly one.
"$WINESERVER" -k 2>/dev/null || true
"$WINESERVER" -w
"$WINESERVER" -p
cp "$BIN/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
C_DIR="$WINEPREFIX/drive_c/PortSleuth Test"
mkdir -p "$C_DIR"
cp "$BIN/service.exe" "$BIN/stoppable.exe" "$C_DIR/"
cd "$WORK"

# start_bg NAME EXE ARGS...: starts a Windows program in the background, waits for its
# "pid N" line, sets BG_PID (Windows PID) and BG_UNIX (Unix PID), and notes the Unix time
# before and after (BG_T0, BG_T1).
start_bg() {
    local name=$1 _
    shift
    BG_T0=$(date +%s)
    "$WINE" "$@" >"$name.out" 2>"$name.err" &
    BG_UNIX=$!
    STARTED+=("$BG_UNIX")
    BG_PID=
    for _ in $(seq 1 150); do
        BG_PID=$(sed -n 's/^pid \([0-9]*\).*/\1/p' "$name.out" | tr -d '\r' | head -n1)
        [ -n "$BG_PID" ] && break
        kill -0 "$BG_UNIX" 2>/dev/null || break
        sleep 0.1
    done
    BG_T1=$(date +%s)
    [ -n "$BG_PID" ] || { echo "  $name did not start: $(head -c 300 "$name.err")"; return 1; }
}
# Wine ends services.exe, and with it every service it runs, once no ordinary Windows program
# is left; between two wine commands of this script there would be none. A program that waits
# keeps the services running from check to check, as they do on Windows.
start_bg keeper "$C_DIR/stoppable.exe" console || { echo "FAIL: the keeper process does not start"; exit 1; }
# How many services.exe this prefix runs (see above): exactly one, or service checks mislead.
services_exe_count() {
    local pid n=0
    for pid in $(pgrep -f 'system32\\services.exe' || true); do
        grep -qzx "WINEPREFIX=$WINEPREFIX" "/proc/$pid/environ" 2>/dev/null && n=$((n + 1))
    done
    echo "$n"
}

# --- a. services -------------------------------------------------------------------------------
PORT=$((40000 + RANDOM % 8000))
SVC=PsTestSvc
SVC_DISPLAY='Prüfdienst für PortSleuth 日本'
BINPATH="\"C:\\PortSleuth Test\\service.exe\""
LOG="$WINEPREFIX/drive_c/portsleuth-service.log"
rm -f "$LOG"
# Wine's sc.exe reads its arguments in the Unix locale: UTF-8, so the display name arrives whole.
LC_ALL=C.UTF-8 wine_ sc create "$SVC" binPath= "$BINPATH $PORT $SVC" start= demand DisplayName= "$SVC_DISPLAY" >/dev/null
wine_ sc create PsShared1 binPath= "$BINPATH $((PORT + 10)) PsShared1 PsShared2" type= share start= demand >/dev/null
wine_ sc create PsShared2 binPath= "$BINPATH $((PORT + 10)) PsShared1 PsShared2" type= share start= demand >/dev/null
wine_ sc create PsAuto binPath= "$BINPATH $((PORT + 20)) PsAuto" start= auto >/dev/null
if wine_ "$C_DIR/service.exe" --set-delayed PsAuto 2>delayed.err; then DELAYED=1; else DELAYED=0; fi

# wait_running NAME: until services() says it runs (10 s at most).
wait_running() {
    local _
    for _ in $(seq 1 50); do
        [[ $(wt services "$1") == *'"state":"running"'* ]] && return 0
        sleep 0.2
    done
    return 1
}
service_pid_from_log() { sed -n "s/^$1 listening on [0-9]* pid \([0-9]*\).*/\1/p" "$LOG" | tr -d '\r' | tail -n1; }

services_list_the_service() {
    [ "$(services_exe_count)" = 1 ] || { echo "  this prefix runs $(services_exe_count) services.exe, not one"; return 1; }
    wine_ sc start "$SVC" >/dev/null || true
    wait_running "$SVC" || { echo "  $SVC did not reach running: $(cat "$LOG" 2>/dev/null)"; return 1; }
    SVC_PID=$(service_pid_from_log "$SVC")
    wt services >services.json
    py "$SVC_PID" "$SVC" "$SVC_DISPLAY" <<'PY'
import json, sys
pid, name, display = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rows = {d["service"]["name"]: d["service"] for d in map(json.loads, open("services.json")) if "service" in d}
s = rows.get(name)
want = {"pid": pid, "display_name": display, "start_type": "manual", "state": "running", "kind": "own process"}
bad = {k: (s or {}).get(k) for k, v in want.items() if (s or {}).get(k) != v}
print(f"  {name}: " + (f"wrong {bad}, wanted {want}" if bad else f"running, PID {pid} (the one the service logged), '{display}', manual, own process"))
print(f"  binary path: {s and s.get('binary_path')}; {len(rows)} services listed")
sys.exit(1 if bad else 0)
PY
}
check "services(): a mingw-built service started with sc is listed with its PID, non-ASCII display name and start type" services_list_the_service

start_types_and_kinds() {
    py "$DELAYED" <<'PY'
import json, sys
delayed = sys.argv[1] == "1"
rows = {d["service"]["name"]: d["service"] for d in map(json.loads, open("services.json")) if "service" in d}
auto = rows["PsAuto"]["start_type"]
ok = auto == ("auto (delayed)" if delayed else "auto")
kinds = [rows[n]["kind"] for n in ("PsShared1", "PsShared2")]
ok &= kinds == ["shared process"] * 2
ok &= rows["PsShared1"]["display_name"] == "PsShared1"
print(f"  PsAuto: {auto}; PsShared1/2: {kinds}; a service created without a display name shows its name")
sys.exit(0 if ok else 1)
PY
}
check "services(): automatic start type, shared-process kind" start_types_and_kinds
[ "$DELAYED" = 1 ] || note "Wine 8 has no delayed automatic start: ChangeServiceConfig2W(SERVICE_CONFIG_DELAYED_AUTO_START_INFO)" \
    "fails with $(tr -d '\r' <delayed.err | sed 's/.*: //'), so 'auto (delayed)' is checked on Windows only."

shared_pid() {
    wine_ sc start PsShared1 >/dev/null || true
    wine_ sc start PsShared2 >/dev/null || true
    wait_running PsShared1 && wait_running PsShared2 || { echo "  the shared services did not start"; return 1; }
    wt services PsShared >shared.json
    py <<'PY'
import json
rows = [d["service"] for d in map(json.loads, open("shared.json")) if "service" in d]
pids = sorted({r["pid"] for r in rows})
print(f"  PsShared1 and PsShared2 (type= share, one binary): PIDs {pids}")
PY
}
check "services(): two shared-process services both report a PID" shared_pid
note "Wine 8 starts every service in a process of its own, even type= share services of one binary" \
    "(and its own svchost -k netsvcs services): that all services of one svchost.exe share its PID is" \
    "what EnumServicesStatusExW reports on Windows; Wine cannot show it."

stop_service_frees_port() {
    local before after
    before=$(wt port-free "$PORT")
    echo "  before: $before"
    grep -q '"free":false' <<<"$before" || { echo "  the service does not hold its port"; return 1; }
    wt stop-service "$SVC" 10000 >stop-svc.json || { cat stop-svc.json; return 1; }
    after=$(wt port-free "$PORT")
    echo "  $(cat stop-svc.json)"
    echo "  after: $after; service log: $(grep -c "^$SVC stopped" "$LOG") clean stop"
    [[ $(wt services "$SVC") == *'"state":"stopped"'* ]] && grep -q '"free":true' <<<"$after" \
        && grep -q "^$SVC stopped" "$LOG" && grep -q "\"pid_before\":$SVC_PID" stop-svc.json
}
check "stop_service(): SERVICE_CONTROL_STOP, waits for STOPPED; the service stopped cleanly and its port is free" stop_service_frees_port

stop_service_edges() {
    local again missing
    again=$(wt stop-service "$SVC" 2000)
    missing=$(wt stop-service PsNoSuchService 2000 || true)
    echo "  again: $again"
    echo "  missing: $missing"
    grep -q '"was":"stopped"' <<<"$again" && grep -q '"waited_ms":0' <<<"$again" \
        && grep -q '"kind":"not_found"' <<<"$missing" && grep -q '"code":1060' <<<"$missing"
}
check "stop_service(): a stopped service is left alone; a missing one is not_found (1060), not access denied" stop_service_edges
note "Wine's EnumDependentServicesW is a stub (it always lists none) and its QueryServiceConfigW returns no" \
    "dependencies, so refusing to stop a service whose dependents run (DependentsRunning) is checked on Windows only."

disable_service_sticks() {
    local out code=0
    out=$(wt disable-service "$SVC")
    echo "  $out"
    [[ $(wt services "$SVC") == *'"start_type":"disabled"'* ]] || { echo "  services() does not say disabled"; return 1; }
    wine_ sc start "$SVC" >/dev/null 2>&1 || code=$?
    echo "  sc start afterwards: exit $code"
    grep -q '"was":"manual"' <<<"$out" && [ "$code" != 0 ]
}
check "disable_service(): start type disabled (was manual), and the service no longer starts" disable_service_sticks

# --- b. installed programs with non-ASCII names ---------------------------------------------------
# A .reg file in UTF-16LE, imported with regedit: no code page between the names and the
# registry. One more entry through `reg add`, whose arguments Wine reads in the UTF-8 locale.
GUID='{5F1D6C2A-8B3E-4C7D-9A1B-2E3F4A5B6C7D}'
PRUEF_DIR="$WINEPREFIX/drive_c/Program Files/Prüf Café"
mkdir -p "$PRUEF_DIR"
cp "$BIN/uninst.exe" "$PRUEF_DIR/uninst.exe"
python3 - "$GUID" >products.reg.utf16 <<'EOF'
import sys
guid = sys.argv[1]
def s(v):  # a .reg string value
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
def expand(v):  # REG_EXPAND_SZ as hex(2): UTF-16LE bytes with the NUL
    data = (v + "\0").encode("utf-16-le")
    return "hex(2):" + ",".join(f"{b:02x}" for b in data)
U = r"Microsoft\Windows\CurrentVersion\Uninstall"
lines = ["Windows Registry Editor Version 5.00", "",
    rf"[HKEY_LOCAL_MACHINE\SOFTWARE\{U}\PsPrüf Café]",
    '"DisplayName"=' + s("Prüfprogramm Café 日本 1.0"),
    '"DisplayVersion"=' + s("1.0.0"),
    '"Publisher"=' + s("Société Générale d'Essai"),
    '"InstallLocation"=' + expand("%ProgramFiles%\\Prüf Café\\"),
    '"UninstallString"=' + s(r'C:\Program Files\Prüf Café\uninst.exe /S "/LOG=C:\a b.txt" x&echo injected'),
    '"QuietUninstallString"=' + s(r'"C:\Program Files\Prüf Café\uninst.exe" /S /quiet'),
    '"SystemComponent"=dword:00000000', "",
    rf"[HKEY_LOCAL_MACHINE\SOFTWARE\WOW6432Node\{U}\{guid}]",
    '"DisplayName"=' + s("Übersetzer 日本語 Edition (32-bit)"),
    '"DisplayVersion"=' + s("2.5"),
    '"Publisher"=' + s("Dänisch & Söhne"),
    '"WindowsInstaller"=dword:00000001',
    '"SystemComponent"=dword:00000001',
    '"UninstallString"=' + s(f"MsiExec.exe /X{guid}"), "",
    rf"[HKEY_CURRENT_USER\Software\{U}\PsNihon]",
    '"DisplayName"=' + s("日本 Tool für Benutzer"),
    '"ParentKeyName"=' + s("PsPrüf Café"), "",
    rf"[HKEY_LOCAL_MACHINE\SOFTWARE\{U}\PsNoName]",
    '"Publisher"=' + s("no DisplayName: not a program"), "",
]
sys.stdout.buffer.write("\ufeff".encode("utf-16-le") + "\r\n".join(lines + [""]).encode("utf-16-le"))
EOF
cp products.reg.utf16 "$WINEPREFIX/drive_c/products.reg"

products_round_trip() {
    wine_ regedit /S 'C:\products.reg' || { echo "  regedit /S failed"; return 1; }
    LC_ALL=C.UTF-8 wine_ reg add 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\PsRegAdd' \
        /v DisplayName /d 'Zürich Müller ñ (reg add)' /f >/dev/null || { echo "  reg add failed"; return 1; }
    wt products >products.json
    py "$GUID" <<'PY'
import json, sys
guid = sys.argv[1]
lines = [json.loads(l) for l in open("products.json")]
rows = {(d["product"]["view"], d["product"]["key_name"]): d for d in lines if "product" in d}
want = {
    ("hklm", "PsPrüf Café"): {"display_name": "Prüfprogramm Café 日本 1.0", "publisher": "Société Générale d'Essai",
        "display_version": "1.0.0", "install_location": "C:\\Program Files\\Prüf Café\\",
        "quiet_uninstall_string": "\"C:\\Program Files\\Prüf Café\\uninst.exe\" /S /quiet",
        "windows_installer": False, "msi_product_code": None, "system_component": False},
    ("hklm-wow64", guid): {"display_name": "Übersetzer 日本語 Edition (32-bit)", "publisher": "Dänisch & Söhne",
        "windows_installer": True, "msi_product_code": guid, "system_component": True},
    ("hkcu", "PsNihon"): {"display_name": "日本 Tool für Benutzer", "parent_key_name": "PsPrüf Café"},
    ("hkcu", "PsRegAdd"): {"display_name": "Zürich Müller ñ (reg add)"},
}
problems = []
for key, fields in want.items():
    d = rows.get(key)
    if not d:
        problems.append(f"{key} missing")
        continue
    for k, v in fields.items():
        if d["product"].get(k) != v:
            problems.append(f"{key} {k}: {d['product'].get(k)!r} != {v!r}")
    print(f"  {d['id']}: {d['product']['display_name']}")
msi = rows.get(("hklm-wow64", guid), {})
if msi.get("quiet_uninstall_argv") != ["msiexec.exe", "/x", guid, "/qn", "/norestart"]:
    problems.append(f"msi quiet argv {msi.get('quiet_uninstall_argv')}")
if any(k[1] == "PsNoName" for k in rows):
    problems.append("an entry without DisplayName is listed")
warnings = [d["warning"] for d in lines if "warning" in d]
print("  warnings:", warnings or "none")
print("  " + ("; ".join(problems) if problems else "every name, publisher, path and flag came back intact"))
sys.exit(1 if problems else 0)
PY
}
check "uninstall_products(): HKLM 64-bit and 32-bit views and HKCU, non-ASCII (é ü 日本) intact, MSI product code, nameless keys skipped" products_round_trip

# --- c. elevation and process facts ----------------------------------------------------------------
elevation() {
    local out
    out=$(wt elevated)
    echo "  $out (Wine's default user is an administrator and its processes run with a full token)"
    grep -q '"elevated":true' <<<"$out"
}
check "is_elevated(): TokenElevation of PortSleuth's own token" elevation

process_facts_of_stoppable() {
    start_bg facts "$C_DIR/stoppable.exe" console || return 1
    FACTS_PID=$BG_PID
    wt facts "$FACTS_PID" >facts.json || { cat facts.json; return 1; }
    wt version "$(wine_ winepath -w "$ROOT/tests/fixtures/windows/versioned.exe" 2>/dev/null | tr -d '\r')" >fixture-version.json
    py "$FACTS_PID" "$BG_T0" "$BG_T1" <<'PY'
import json, sys
pid, t0, t1 = map(int, sys.argv[1:4])
f = json.load(open("facts.json"))["facts"]
v = f["version"] or {}
problems = []
if f["exe"].lower() != "c:\\portsleuth test\\stoppable.exe":
    problems.append("exe " + f["exe"])
if not t0 - 1 <= f["start_time"] <= t1 + 1:
    problems.append(f"start time {f['start_time']} not within {t0}..{t1}")
want = {"product_name": "Contoso Stoppable 日本", "company_name": "Contoso Prüflabor",
        "product_version": "3.2.1.0", "file_version": "3.2.1.7", "fixed_product_version": "3.2.1.0"}
problems += [f"{k}: {v.get(k)!r}" for k, w in want.items() if v.get(k) != w]
fixture = json.load(open("fixture-version.json")).get("version") or {}
if (fixture.get("product_name"), fixture.get("company_name"), fixture.get("product_version")) != ("Contoso MailGuard", "Contoso Test Labs", "7.1.2.0"):
    problems.append(f"versioned.exe fixture: {fixture}")
print(f"  PID {pid}: {f['exe']}, started {f['start_time']} (Unix clock around the start: {t0}..{t1}),",
      f"{v.get('product_name')} by {v.get('company_name')} {v.get('product_version')}")
print("  tests/fixtures/windows/versioned.exe:", fixture.get("product_name"), fixture.get("product_version"))
if problems: print("  " + "; ".join(problems))
sys.exit(1 if problems else 0)
PY
}
check "process_facts(): image path, start time in Unix seconds, version resource (non-ASCII) from the handle" process_facts_of_stoppable

missing_process() {
    local out
    out=$(wt facts 999996 || true)
    echo "  $out"
    grep -q '"kind":"not_found"' <<<"$out"
}
check "process_facts(): a PID no process has is not_found, not access denied" missing_process
note "Wine runs every program as the same user with no protected processes, so the access-denied path" \
    "(OpenProcess error 5 for another user's or a protected process) is checked on Windows only."

# --- d. stopping processes, PID-reuse-safe ---------------------------------------------------------
# facts_of PID: sets F_START and F_EXE from process_facts, as a scan would record them.
facts_of() {
    wt facts "$1" >"facts-$1.json" || return 1
    F_START=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["facts"]["start_time"])' "facts-$1.json")
    F_EXE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["facts"]["exe"])' "facts-$1.json")
}
alive() { kill -0 "$1" 2>/dev/null; }

refuses_changed_process() {
    local wrong_start wrong_exe
    facts_of "$FACTS_PID" || return 1
    wrong_start=$(wt stop "$FACTS_PID" $((F_START - 7)) "$F_EXE" 500 || true)
    wrong_exe=$(wt stop "$FACTS_PID" "$F_START" 'C:\Program Files\Norton AntiVirus\PoProxy.exe' 500 || true)
    echo "  start time off by 7 s: $wrong_start"
    echo "  another executable: $wrong_exe"
    grep -q '"kind":"process_changed"' <<<"$wrong_start" && grep -q '"kind":"process_changed"' <<<"$wrong_exe" \
        && alive "$BG_UNIX" && wt facts "$FACTS_PID" >/dev/null
}
check "stop_process(): refuses a PID whose start time or executable differs, and leaves it running" refuses_changed_process

stops_console_program() {
    local out started ms
    started=$(date +%s%N)
    out=$(wt stop "$FACTS_PID" "$F_START" "$F_EXE" 800) || { echo "  $out"; return 1; }
    ms=$((($(date +%s%N) - started) / 1000000))
    echo "  $out (${ms} ms)"
    grep -q '"stopped":"forced"' <<<"$out" && grep -q '"kind":"no_window"' <<<"$out" \
        && ! wt facts "$FACTS_PID" >/dev/null
}
check "stop_process(): a console program with no window gets the grace time, then TerminateProcess on the checked handle" stops_console_program

stops_windowed_program() {
    local mode=$1 want=$2 out
    start_bg "win-$mode" "$C_DIR/stoppable.exe" "$mode" || return 1
    facts_of "$BG_PID" || return 1
    out=$(wt stop "$BG_PID" "$F_START" "$F_EXE" 3000) || { echo "  $out"; return 1; }
    echo "  $mode: $out"
    grep -q "\"stopped\":\"$want\"" <<<"$out" && grep -q '"kind":"windows_asked"' <<<"$out" \
        && ! wt facts "$BG_PID" >/dev/null
}
check "stop_process(): a windowed program closes on WM_CLOSE (gracefully)" stops_windowed_program window gracefully
check "stop_process(): a window that ignores WM_CLOSE is terminated after the grace time (forced)" \
    stops_windowed_program window-stubborn forced

# --- e. command lines and uninstallers, no shell -----------------------------------------------------
split_matches_windows() {
    wt split-selftest >split.json
    local code=$?
    py <<'PY'
import json
lines = [json.loads(l) for l in open("split.json")]
cases = [l for l in lines if "line" in l]
for c in cases:
    if not c["same"]: print("  differs:", c)
print(f"  {sum(c['same'] for c in cases)} of {len(cases)} command lines split exactly as CommandLineToArgvW splits them")
PY
    return $code
}
check "split_command_line(): the pure splitter agrees with CommandLineToArgvW (quotes, backslashes, tabs, non-ASCII)" split_matches_windows

uninstaller_without_shell() {
    local command argv out
    command=$(py <<'PY'
import json, sys
for d in map(json.loads, open("products.json")):
    if d.get("product", {}).get("key_name") == "PsPrüf Café":
        print(json.dumps(d["uninstall_argv"]))
PY
    )
    echo "  UninstallString as argv: $command"
    mapfile -t argv < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$command")
    out=$(wt run-uninstaller 10000 "${argv[@]}") || { echo "  $out"; return 1; }
    echo "  $out"
    echo "  the uninstaller received: $(tr '\n' '|' <"$PRUEF_DIR/uninst-args.txt")"
    grep -q '"exit_code":7' <<<"$out" \
        && [ "$(cat "$PRUEF_DIR/uninst-args.txt")" = "$(printf '%s\n' /S '/LOG=C:\a b.txt' 'x&echo' injected)" ]
}
check "run_uninstaller(): an unquoted UninstallString with spaces and non-ASCII runs by CreateProcessW with its exact arguments (& stays literal)" uninstaller_without_shell

msiexec_from_system32() {
    local out
    out=$(wt run-uninstaller 30000 msiexec.exe /x "$GUID" /qn) || { echo "  $out"; return 1; }
    echo "  $out"
    # 1605: ERROR_UNKNOWN_PRODUCT: msiexec ran and looked the product code up.
    grep -qi '"program":"C:\\\\windows\\\\system32\\\\msiexec.exe"' <<<"$out" && grep -q '"exit_code":1605' <<<"$out"
}
check "run_uninstaller(): msiexec.exe /x {GUID} /qn is taken from System32 and runs (1605: no such product in this prefix)" msiexec_from_system32

# --- f. netsh: decoding and what Wine's netsh says --------------------------------------------------
oem_decoding() {
    iconv -f UTF-8 -t CP850 "$ROOT/tests/fixtures/windows/netsh_servicestate_requestq_de.txt" >de.cp850 \
        || { echo "  the German netsh sample cannot be converted"; return 1; }
    wt decode 850 de.cp850 >decoded.json || { cat decoded.json; return 1; }
    py <<'PY'
import json
d = json.load(open("decoded.json"))
regs = {r["url"]: r["pids"] for r in d["http_sys"]}
ok = "Ausführlichkeitsgrad" in d["text"] and regs.get("HTTP://*:80/") == [4480] and regs.get("HTTP://+:8088/REPORTS/") == [1956]
print(f"  German netsh output in code page 850: umlauts decoded, {len(regs)} URLs, *:80 -> {regs.get('HTTP://*:80/')}, the idle pool -> its controller {regs.get('HTTP://+:8088/REPORTS/')}")
raise SystemExit(0 if ok else 1)
PY
}
check "netsh output in an OEM code page (German, 850) is decoded with MultiByteToWideChar and read by structure" oem_decoding

# --- close one connection (the scan table's Close connection…) ------------------------------------
close_v4() {
    local out
    out=$(wt close-connection v4) || { echo "  $out"; return 1; }
    echo "  $out"
    py "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
assert r["call"] == {"Ok": "ok"}, r
if r["client_saw"] == "still open":
    print("NOTE: Wine's SetTcpEntry accepts the row and changes nothing (a stub); on Windows the client end sees a reset, and PortSleuth's re-scan says 'still open' when it does not")
PY
}
check "close_connection(): SetTcpEntry(MIB_TCP_STATE_DELETE_TCB) is called with a loopback IPv4 row and returns success" close_v4
close_v6() {
    local out
    out=$(wt close-connection v6) && { echo "  unexpected success: $out"; return 1; }
    echo "  $out"
    grep -q 'Windows can reset only IPv4 connections' <<<"$out" && grep -q '"client_saw":"still open"' <<<"$out"
}
check "close_connection(): an IPv6 connection is refused in words before any call, and stays open" close_v6
NETSH=$(wt netsh | tr -d '\r' | tr '\n' ' ')
note "Wine's netsh prints nothing for 'http show servicestate' and 'interface … show excludedportrange'" \
    "(a stub): $NETSH — http.sys owners and excluded ranges are checked against the fixtures only."

# --- g. timing: the new calls against the tools the old scanner ran ----------------------------------
wt bench 10 >bench.json
py <<'PY'
import json
b = json.load(open("bench.json"))["bench"]
print(f"FIGURE: services() + uninstall_products(): median {b['new_ms_median']:.1f} ms (min {b['new_ms_min']:.1f}; services() {b['services_ms_median']:.1f}, uninstall_products() {b['products_ms_median']:.1f}) for {b['new_services']} services and {b['new_products']} products, {b['rounds']} rounds")
print(f"FIGURE: sc queryex type= service state= all + reg query …\\Uninstall /s (x3), the old way: median {b['old_ms_median']:.1f} ms (min {b['old_ms_min']:.1f}), same run")
for c in b["old_commands"]:
    print(f"  old: {c['command']}: exit {c.get('exit')}, {c.get('stdout_bytes')} bytes, {c.get('service_records')} service records")
PY
note "Wine's sc.exe has no queryex (nor qc): it exits 1 at once, so under Wine the old way's figure is" \
    "little more than starting four programs, and it found no services at all."

# --- h. portsleuth.exe: a service behind a port, products with non-ASCII names ----------------------
# The whole chain through the new layer: netstat2 → owner PID → the SCM enumeration names the
# service → the port-conflict rule offers Stop/Disable service → `fix --yes` stops it with
# ControlService and the re-scan finds the port free. Then a program in a non-ASCII folder,
# matched to its Uninstall entry read as UTF-16, in the scan's JSON and in the HTML report.
ps_() { "$WINE" "$BIN/portsleuth.exe" "$@"; }
SCM_SVC=PsPortSvc
SCM_DISPLAY='PortSleuth Prüfdienst (SCM)'
SCM_PORT=$((PORT + 30))
SCM_TEXT="Apache: (OS 10048)Only one usage of each socket address (protocol/network address/port) is normally permitted.  : AH00072: make_sock: could not bind to address 127.0.0.1:$SCM_PORT"
LC_ALL=C.UTF-8 wine_ sc create "$SCM_SVC" binPath= "$BINPATH $SCM_PORT $SCM_SVC" start= demand DisplayName= "$SCM_DISPLAY" >/dev/null

scan_names_scm_service() {
    wine_ sc start "$SCM_SVC" >/dev/null || true
    wait_running "$SCM_SVC" || { echo "  $SCM_SVC did not reach running: $(tail -n 3 "$LOG" 2>/dev/null)"; return 1; }
    SCM_PID=$(service_pid_from_log "$SCM_SVC")
    ps_ scan --port "$SCM_PORT" --format json >ps-svc-scan.json || { echo "  scan failed"; return 1; }
    py "$SCM_PORT" "$SCM_PID" "$SCM_SVC" "$SCM_DISPLAY" <<'PY'
import json, sys
port, pid, name, display = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
snap = json.load(open("ps-svc-scan.json"))
problems = []
socks = [s for s in snap["sockets"] if s["local_port"] == port and s["state"] == "LISTEN"]
if not socks or pid not in socks[0]["pids"]:
    problems.append(f"port {port} is not credited to the service's PID {pid}: {socks}")
procs = [p for p in snap["processes"] if p["pid"] == pid]
if not procs or name not in procs[0].get("services", []):
    problems.append(f"process {pid}: {procs}")
svc = next((s for s in snap["services"] if s["id"] == name), None)
want = {"display_name": display, "manager": "scm", "state": "running", "start_type": "manual", "pid": pid}
if not svc or any(svc.get(k) != v for k, v in want.items()):
    problems.append(f"service: {svc}, wanted {want}")
print("  " + ("; ".join(problems) if problems else
      f"port {port} → PID {pid} ({procs[0]['exe_name']}) → service {name}, '{display}', manual, running"))
sys.exit(1 if problems else 0)
PY
}
check "portsleuth scan names the SCM service behind a port: name, non-ASCII display name, start type (EnumServicesStatusEx)" scan_names_scm_service

diagnose_offers_service_actions() {
    ps_ diagnose --text "$SCM_TEXT" --format json --output ps-svc-report.json || { echo "  diagnose failed"; return 1; }
    py "$SCM_SVC" <<'PY'
import json, sys
name = sys.argv[1]
r = json.load(open("ps-svc-report.json"))
actions = [(a["kind"], a["label"]) for f in r["findings"] for a in f["actions"] if a["target"].get("service") == name]
kinds = {k for k, _ in actions}
print(f"  top finding {r['findings'][0]['rule_id'] if r['findings'] else None}; service actions: {sorted(set(actions))}")
sys.exit(0 if {"stop_service", "disable_service"} <= kinds else 1)
PY
}
check "portsleuth diagnose offers Stop service and Disable service for the SCM service holding the port" diagnose_offers_service_actions

fix_stops_scm_service() {
    local id code=0
    id=$(python3 -c '
import json, sys
r = json.load(open("ps-svc-report.json"))
print(next(a["id"] for f in r["findings"] for a in f["actions"] if a["kind"] == "stop_service" and a["target"].get("service") == sys.argv[1]))
' "$SCM_SVC") || { echo "  no stop_service action"; return 1; }
    ps_ fix --report ps-svc-report.json --action "$id" --yes >ps-svc-fix.out 2>ps-svc-fix.err || code=$?
    sed 's/^/  /' ps-svc-fix.out
    [ "$code" = 0 ] || { echo "  exit $code: $(head -c 400 ps-svc-fix.err)"; return 1; }
    grep -q "port $SCM_PORT is now free" ps-svc-fix.out && grep -q "Service Control Manager to stop service $SCM_SVC" ps-svc-fix.out \
        || { echo "  the record does not say the SCM stopped it and the port is free"; return 1; }
    grep -q "^$SCM_SVC stopped" "$LOG" || { echo "  the service did not log a clean stop"; return 1; }
    [[ $(wt services "$SCM_SVC") == *'"state":"stopped"'* ]] || { echo "  the SCM does not say stopped"; return 1; }
    ps_ scan --port "$SCM_PORT" --format json >ps-svc-rescan.json || { echo "  re-scan failed"; return 1; }
    py "$SCM_PORT" <<'PY'
import json, sys
port = int(sys.argv[1])
left = [s for s in json.load(open("ps-svc-rescan.json"))["sockets"] if s["local_port"] == port and s["state"] == "LISTEN"]
print(f"  portsleuth scan --port {port} afterwards: " + (f"still held: {left}" if left else "free"))
sys.exit(1 if left else 0)
PY
}
check "portsleuth fix --yes stops the SCM service with ControlService, waits for STOPPED, and the re-scan says port $SCM_PORT is free" fix_stops_scm_service

# A program in the Prüf Café product's folder (InstallLocation %ProgramFiles%\Prüf Café\),
# holding a port; the product comes from the registry as UTF-16.
products_in_scan_and_report() {
    cp "$BIN/listener.exe" "$PRUEF_DIR/PruefProxy.exe"
    start_listener_bg "$PRUEF_DIR/PruefProxy.exe" || return 1
    local port=$LST_PORT
    ps_ scan --port "$port" --format json >ps-prod-scan.json || { echo "  scan failed"; return 1; }
    ps_ diagnose --text "bind 127.0.0.1:$port failed: (10048) address already in use" --format json \
        --output ps-prod-report.json || { echo "  diagnose failed"; return 1; }
    ps_ report render ps-prod-report.json --format html --output ps-prod-report.html || { echo "  report render failed"; return 1; }
    ps_ scan --port "$port" >ps-prod-scan.txt || { echo "  scan (text) failed"; return 1; }
    py "$port" "$LST_PID" <<'PY'
import json, sys
port, pid = int(sys.argv[1]), int(sys.argv[2])
name, publisher = "Prüfprogramm Café 日本 1.0", "Société Générale d'Essai"
problems = []
for label, path in (("scan", "ps-prod-scan.json"), ("report", "ps-prod-report.json")):
    doc = json.load(open(path))
    snap = doc.get("snapshot", doc)
    prods = [p for p in snap["products"] if p["id"] == "registry:hklm/PsPrüf Café"]
    proc = next((p for p in snap["processes"] if p["pid"] == pid), {})
    if not prods or prods[0]["name"] != name or prods[0]["publisher"] != publisher:
        problems.append(f"{label} JSON products: {snap['products']}")
    if proc.get("product") != "registry:hklm/PsPrüf Café":
        problems.append(f"{label} JSON process: {proc}")
html = open("ps-prod-report.html", encoding="utf-8").read()
text = open("ps-prod-scan.txt", encoding="utf-8", errors="replace").read()
if name not in html:
    problems.append("the HTML report does not show the name intact")
if name not in text:
    problems.append("the scan table does not show the name intact: " + text[:300])
print("  " + ("; ".join(problems) if problems else
      f"port {port} → PruefProxy.exe in C:\\Program Files\\Prüf Café → '{name}' by '{publisher}' in scan JSON, report JSON, HTML report and scan table"))
sys.exit(1 if problems else 0)
PY
}
# start_listener_bg EXE: a copy of listener.exe that Wine can credit its port to; sets
# LST_PORT, LST_PID (Windows) and LST_UNIX.
start_listener_bg() {
    local _
    "$WINE" "$1" --hold-unix-fd >lst.out 2>&1 &
    LST_UNIX=$!
    STARTED+=("$LST_UNIX")
    for _ in $(seq 1 100); do
        if grep -q "listening on" lst.out; then
            LST_PORT=$(tr -d '\r' <lst.out | awk '/listening on/ {print $3}')
            LST_PID=$(tr -d '\r' <lst.out | awk '/listening on/ {print $5}')
            return 0
        fi
        kill -0 "$LST_UNIX" 2>/dev/null || break
        sleep 0.2
    done
    echo "  ${1##*/} did not start: $(cat lst.out)"
    return 1
}
check "non-ASCII product names (é, ü, 日本) from the Uninstall keys come back intact in scan JSON, the report and the scan table" products_in_scan_and_report

# --- i. figure: portsleuth scan under Wine against netstat -ano, same run -----------------------------
# median_ms N CMD...: the median wall time of N runs, in ms.
median_ms() {
    local n=$1 i t0 times=()
    shift
    for i in $(seq 1 "$n"); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        times+=($((($(date +%s%N) - t0) / 1000000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((n + 1) / 2))p"
}
SCAN_MS=$(median_ms 5 ps_ scan --format json)
NETSTAT_MS=$(median_ms 5 wine_ netstat -ano)
NETSTAT_OK=$(wine_ netstat -ano 2>/dev/null | grep -cE "^ *(TCP|UDP) " || true)
note "portsleuth scan --format json under Wine: median ${SCAN_MS} ms; netstat -ano under Wine: median ${NETSTAT_MS} ms" \
    "(it printed $NETSTAT_OK socket rows); ratio $(python3 -c "print(f'{$SCAN_MS / max($NETSTAT_MS, 1):.2f}')") (5 runs each, same prefix, same run)"
if [ -e "$BIN/portsleuth-old.exe" ]; then
    OLD_MS=$(median_ms 5 wine_ "$BIN/portsleuth-old.exe" scan --format json)
    note "the tool-parsing scanner (before #15: sc queryex, tasklist /svc, reg query, whoami) under Wine:" \
        "median ${OLD_MS} ms for the same scan; ratio to netstat -ano $(python3 -c "print(f'{$OLD_MS / max($NETSTAT_MS, 1):.2f}')")," \
        "new/old $(python3 -c "print(f'{$SCAN_MS / max($OLD_MS, 1):.2f}')")"
fi

# --- the end: stop what this script started ----------------------------------------------------------
for name in PsShared1 PsShared2; do wt stop-service "$name" 5000 >/dev/null || true; done
for name in "$SVC" PsShared1 PsShared2 PsAuto "$SCM_SVC"; do wine_ sc delete "$name" >/dev/null 2>&1 || true; done

echo "winapi: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
