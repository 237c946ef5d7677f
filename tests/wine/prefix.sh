# shellcheck shell=bash
# Sourced by tests/wine/run.sh and tests/wine/winapi-checks.sh: makes the fresh Wine prefix
# both suites run in. Needs WINE, WINESERVER and WINEPREFIX set.
#
# Wine 8's `wineboot -i` on a fresh prefix fails now and then, with nothing wrong in what is
# tested: CI saw "wine: could not load kernel32.dll, status c0000135" once (stop 21's landing
# try), after the same script had made a prefix in 20 earlier runs. A failed prefix is thrown
# away and made again, at most three times; each failure's log is printed, with the free space
# where the prefix lives, so a real cause (a full disk, a broken Wine) still fails the run and
# shows why.

# make_prefix LOG: leaves one wineserver running for $WINEPREFIX (started first, so each later
# program starts in a fraction of a second instead of several) and a booted prefix; returns 1
# after three failed attempts.
make_prefix() {
    local log=$1 attempt
    # The folder is removed and made again: it must be set, and never the user's own prefix.
    : "${WINEPREFIX:?make_prefix needs WINEPREFIX}"
    [ "$WINEPREFIX" != "$HOME/.wine" ] || { echo "NOTE: make_prefix refuses $HOME/.wine"; return 1; }
    for attempt in 1 2 3; do
        "$WINESERVER" -k 2>/dev/null || true
        "$WINESERVER" -w 2>/dev/null || true
        rm -rf "$WINEPREFIX"
        # Called as `make_prefix … || …`, so `set -e` is off in here: each step is checked.
        mkdir -p "$WINEPREFIX" || { echo "NOTE: cannot make $WINEPREFIX"; continue; }
        "$WINESERVER" -p || { echo "NOTE: wineserver -p failed (attempt $attempt of 3)"; continue; }
        if "$WINE" wineboot -i >"$log" 2>&1 \
            && [ -e "$WINEPREFIX/drive_c/windows/system32/kernel32.dll" ]; then
            [ "$attempt" = 1 ] || echo "NOTE: the Wine prefix was made on attempt $attempt"
            return 0
        fi
        echo "NOTE: wineboot -i failed (attempt $attempt of 3;" \
            "$(df -h --output=avail "$(dirname "$WINEPREFIX")" 2>/dev/null | tail -n 1 | tr -d ' ') free there):"
        sed 's/^/  /' "$log"
    done
    return 1
}
