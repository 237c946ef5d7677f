# Sourced by the GUI scripts: builds the release binary, starts a private Xvfb on DISPLAY
# $1, makes a work folder ($work), and on exit stops every PID in $started (the Xvfb, and
# what the caller appends) and removes the folder.
flock /tmp/portsleuth-cargo.lock cargo build --release --quiet
work=$(mktemp -d)
started=()
Xvfb "$1" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
started+=($!)
cleanup() {
    local pid
    for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
sleep 1
export DISPLAY=$1 XDG_CONFIG_HOME=$work/config
# The seed dialog and Event Viewer entries, without the example's title line.
tail -n +3 assets/examples/seed-q298944-outlook-express.txt > "$work/seed.txt"
