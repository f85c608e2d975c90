#!/usr/bin/env bash
# Regenerates screenshots/{overview,pipeline,pane}.png from the demo: runs the real dashboard in
# a detached tmux terminal, drives it with keys, captures the screen with its colours
# (capture-pane -e), turns that into HTML (Debian's `aha`) and photographs the HTML with
# headless Chromium.  Needs: tmux aha chromium (apt-get install -y tmux aha chromium).
# Usage: screenshots/make.sh [path/to/shipwatch]   (default: build/shipwatch)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../build/shipwatch}")
cols=160 rows=48
for tool in tmux aha chromium; do
  command -v "$tool" >/dev/null || { echo "make.sh: $tool is missing (apt-get install -y $tool)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "make.sh: no shipwatch binary at $bin" >&2; exit 2; }

work=$(mktemp -d)
sock="shipwatch-shots-$$"
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
export LANG=C.UTF-8 LC_ALL=C.UTF-8

t() { tmux -L "$sock" "$@"; }
t -f /dev/null new-session -d -s shots -x "$cols" -y "$rows" "TERM=xterm-256color $bin --demo; sleep 600"
t set-option -t shots status off >/dev/null

# Wait until every pipeline is loaded (no "loading…" row, the header counts present).
for _ in $(seq 100); do
  screen=$(t capture-pane -p -t shots)
  if grep -q "not live" <<<"$screen" && ! grep -q "loading…" <<<"$screen"; then break; fi
  sleep 0.1
done

shoot() {  # shoot NAME: the current screen to NAME.png
  local name=$1 html="$work/$1.html"
  sleep 0.4
  t capture-pane -e -p -t shots | aha --black --title "shipwatch $name" > "$html"
  # A terminal font and line height, so box drawing joins up.
  sed -i 's|<pre>|<style>body{margin:0;padding:8px;background:#000}pre{font-family:"DejaVu Sans Mono",monospace;font-size:14px;line-height:17px;margin:0}</style><pre>|' "$html"
  chromium --no-sandbox --headless --disable-gpu --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$work/chrome" --hide-scrollbars \
    --window-size=$((cols * 85 / 10 + 16)),$((rows * 17 + 16)) --screenshot="$here/$name.png" "file://$html" >/dev/null 2>&1
  echo "wrote $here/$name.png"
}

shoot overview
t send-keys -t shots j; sleep 0.2; t send-keys -t shots Enter   # monitoring-dashboards, at its broken stage
shoot pipeline
t send-keys -t shots 5                                           # its tasks pane
shoot pane
