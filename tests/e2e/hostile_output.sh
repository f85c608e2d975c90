#!/usr/bin/env bash
# Nothing from the wire reaches a terminal raw (issue 13). The scenario files
# tests/data/sim/hostile-*.json put a terminal-attack payload (OSC 0 title, OSC 52 clipboard,
# CSI 6n, the C1 CSI U+009B, bidi override and isolate, DEL, BEL) in every string a stranger
# writes; served by `shipwatch sim`, they go through `check`, `check --json`, `wait` and the
# dashboard (its raw pty stream, recorded by tmux). No output may carry a raw control, C1 or
# bidi character (the dashboard's own escape sequences aside), and each must show the payload
# visibly — so the test cannot pass by showing nothing. A config whose pipeline name and an
# unknown key carry escapes gets its error line shown the same way. The version URLs carry
# credentials (user:password@, ?access_token=): no output may show them.
# Usage: hostile_output.sh SHIPWATCH_BINARY   (exit 77: no /usr/bin/python3 or no tmux)
set -uo pipefail
bin=$1
here=$(dirname "$0")
# shellcheck source=sim_lib.sh
source "$here/sim_lib.sh"
command -v tmux >/dev/null || { echo "tmux not installed"; exit 77; }

# scan FILE KIND: no raw control in FILE ("text": newlines only; "pty": the dashboard's own
# sequences allowed, the payload's never), and the payload shown visibly. Counts a failure.
scan() {
  "$py" - "$1" "$2" <<'PY' || fail "$1: see above"
import re, sys
path, kind = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
text = data.decode("utf-8", "replace")
problems = []
bidi = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
c1 = re.compile("[\u0080-\u009f]")
if bidi.search(text): problems.append(f"raw bidi control U+{ord(bidi.search(text).group()):04X}")
if c1.search(text): problems.append(f"raw C1 control U+{ord(c1.search(text).group()):04X}")
if b"\x7f" in data: problems.append("raw DEL")
if kind in ("text", "json"):
    bad = sorted({b for b in data if b < 0x20 and b not in (0x0a,)})
    if bad: problems.append(f"raw C0 controls {[hex(b) for b in bad]}")
else:  # a terminal stream: ncurses' own sequences are fine, the payload's are not
    for seq, what in ((b"\x1b]0;pwned", "OSC 0 window title"), (b"\x1b]52;", "OSC 52 clipboard write"),
                      (b"\x1b[6n", "CSI 6n"), (b"\x07", "BEL")):
        if seq in data: problems.append(f"raw {what}")
if b"pwned" not in data: problems.append("the payload is not shown at all (a vacuous pass)")
for secret in (b"shipwatch-url-password", b"shipwatch-url-token"):
    if secret in data: problems.append(f"a credential of the version URL is shown: {secret.decode()}")
for p in problems: print(f"  {path.split('/')[-1]}: {p}")
sys.exit(1 if problems else 0)
PY
}

for f in hostile-codebuild hostile-github; do
  file="$here/../data/sim/$f.json"
  start_sim "$f" --scenario "$file" || continue
  # Credentials in the version endpoint's URL (userinfo and a token parameter) are never shown.
  sim_config "$file" "$f" | sed -E 's|^version_url = "http://|version_url = "http://deploy:shipwatch-url-password@|;
    s|^(version_url = "[^"?]*)"|\1?access_token=shipwatch-url-token"|' >"$work/$f.toml"
  sim_keys "$f"
  run_shipwatch "$key" "$secret" check --config "$work/$f.toml" >"$work/$f.txt" 2>"$work/$f.check.err"
  [ $? -le 2 ] || fail "$f: check failed: $(head -c 300 "$work/$f.check.err")"
  scan "$work/$f.txt" text
  run_shipwatch "$key" "$secret" check --config "$work/$f.toml" --json >"$work/$f.json" 2>/dev/null
  scan "$work/$f.json" json
  "$py" -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/$f.json" || fail "$f: --json is not JSON"
  # wait: every refresh prints a progress line on stderr; it gives up after 3 s.
  first=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["pipelines"][0]["name"])' "$file")
  run_shipwatch "$key" "$secret" wait --config "$work/$f.toml" --pipeline "$first" --interval 1s --timeout 3s \
    >"$work/$f.wait.out" 2>"$work/$f.wait.err"
  scan "$work/$f.wait.err" text
  # The dashboard, in a pty that tmux records byte for byte: the overview, the first pipeline
  # and each of its panes, the timeline.
  sock="shipwatch-hostile-$$-$f"
  tmux -L "$sock" -f /dev/null new-session -d -s sw -x 160 -y 50 \
    "env -i PATH=$PATH HOME=$work TERM=xterm-256color LANG=C.UTF-8 AWS_CONFIG_FILE=/dev/null \
     AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=$key \
     AWS_SECRET_ACCESS_KEY=$secret AWS_ENDPOINT_URL=http://127.0.0.1:$port GITHUB_API_URL=http://127.0.0.1:$port \
     $bin --config $work/$f.toml; sleep 60"
  tmux -L "$sock" pipe-pane -O -t sw "cat >>$work/$f.pty"
  for _ in $(seq 100); do tmux -L "$sock" capture-pane -p -t sw | grep -q "pwned" && break; sleep 0.1; done
  for k in Enter 1 2 3 4 5 6 Escape t Escape; do tmux -L "$sock" send-keys -t sw "$k"; sleep 0.3; done
  tmux -L "$sock" capture-pane -p -t sw >"$work/$f.screen"
  tmux -L "$sock" send-keys -t sw q
  sleep 0.5
  tmux -L "$sock" kill-server 2>/dev/null
  scan "$work/$f.pty" pty
  stop_sims
done

# Endless pagination: the listing answers a fresh next token forever. Each ends within one
# refresh: the stage resting on it unknown (the log search: an error finding), saying so.
for case in "ecs:ListTasks stuck-rollouts tasks 50" "ecr:DescribeImages stuck-rollouts image 20" \
            "logs:FilterLogEvents cache-trap finding 10"; do
  read -r op scenario where pages <<<"$case"
  tag="endless-${op#*:}"
  start_sim "$tag" --scenario "$scenario" --fault "$op=endless-pages" || continue
  sim_config "$here/../../sim/scenarios/$scenario.json" "$tag" >"$work/$tag.toml"
  sim_keys "$tag"
  t0=$(date +%s%N)
  run_shipwatch "$key" "$secret" check --config "$work/$tag.toml" --json >"$work/$tag.json" 2>/dev/null
  ms=$((($(date +%s%N) - t0) / 1000000))
  "$py" - "$work/$tag.json" "$where" "${op#*:}" "$ms" "$pages" <<'PY' || fail "$tag: see above"
import json, sys
report, where, op, ms, pages = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
want = f"{op} did not end after {pages} pages"
for p in report["pipelines"]:
    if where == "finding":
        if not any(want in f["message"] for f in p["findings"]):
            sys.exit(f"  {p['name']}: no finding says {want!r}")
        continue
    stage = next(s for s in p["stages"] if s["id"] == where)
    if stage["health"] != "unknown" or want not in stage["summary"]:
        sys.exit(f"  {p['name']}: stage {where} is {stage['health']}: {stage['summary']}")
print(f"ok endless {op}: {where} {'finding' if where == 'finding' else 'unknown'} in every pipeline, check took {ms} ms")
PY
  stop_sims
done

# A config that carries escapes in a pipeline name and in an unknown key: one error line, shown.
printf '[[pipeline]]\nname = "bad\\u001b]0;pwned\\u0007"\ncluster = "c"\nservice = "s"\n"key\\u001b]0;pwned\\u0007\\u009b" = 1\n' \
  >"$work/bad.toml"
env -i PATH="$PATH" HOME="$work" timeout 20 "$bin" check --config "$work/bad.toml" >"$work/bad.out" 2>"$work/bad.err"
code=$?
[ "$code" -ne 0 ] || fail "bad config: accepted"
scan "$work/bad.err" text

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "ok: check, check --json, wait and the dashboard show every payload and carry no raw control"
