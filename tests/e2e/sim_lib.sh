# Sourced by the e2e scripts that run `shipwatch check`/`wait` on the real-data path against
# `shipwatch sim`: a scratch directory cleaned up on exit, servers started and stopped, the
# scenario's pipelines as a config file, and shipwatch run isolated from the host's AWS and
# GitHub setup. Needs $bin (the shipwatch binary). Python is Debian's /usr/bin/python3 ($py).
py=/usr/bin/python3
[ -x "$py" ] || { echo "$py not installed"; exit 77; }
work=$(mktemp -d)
pids=()
failures=0
cleanup() {  # servers started in background subshells too: each left its pid in $work/TAG.pid
  for p in "${pids[@]}" $(cat "$work"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# start_sim TAG SIM_ARGS...: `shipwatch sim SIM_ARGS --port 0`, its banner in $work/TAG.err; sets $port.
start_sim() {
  local tag=$1
  shift
  "$bin" sim "$@" --port 0 >"$work/$tag.out" 2>"$work/$tag.err" &
  pids+=($!)
  echo $! >"$work/$tag.pid"
  for _ in $(seq 100); do grep -qs listening "$work/$tag.out" && break; sleep 0.1; done
  port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/$tag.out")
  [ -n "$port" ] || { fail "$tag: sim did not start: $(cat "$work/$tag.err")"; return 1; }
}

# stop_sims: every server started so far, waited for (a recording is complete once it has ended).
stop_sims() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait "${pids[@]}" 2>/dev/null
  pids=()
}

# sim_config PIPELINES_JSON TAG: the "pipelines" of a scenario file (or of a recording's
# scenario.json) as a config file on stdout, version URLs mapped onto the server of TAG.
sim_config() {
  "$py" - "$1" "$work/$2.err" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
mapping = dict(re.findall(r"version_url (\S+) -> (\S+)", open(sys.argv[2]).read()))
for p in doc["pipelines"]:
    print("[[pipeline]]")
    for key in ["name", "region", "repo", "branch", "workflow", "codebuild_project", "cluster", "service",
                "target_group", "version_url", "version_json_pointer", "expect_log"]:
        value = p.get(key, "")
        if key == "version_url" and value:
            value = mapping.get(value, value)
        if value:
            print(f"{key} = {json.dumps(value)}")
    print()
PY
}

# sim_keys TAG: sets $key and $secret to the keys the server of TAG accepts (from its banner).
sim_keys() {
  key=$(sed -nE 's/.*AWS_ACCESS_KEY_ID=([^ ]+).*/\1/p' "$work/$1.err")
  secret=$(sed -nE 's/.*AWS_SECRET_ACCESS_KEY=([^ ]+).*/\1/p' "$work/$1.err")
}

# run_shipwatch KEY SECRET ARGS...: shipwatch against the server on $port, nothing from the host.
run_shipwatch() {
  local k=$1 s=$2
  shift 2
  env -i PATH="$PATH" HOME="$work" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$k" AWS_SECRET_ACCESS_KEY="$s" \
    AWS_SESSION_TOKEN=shipwatch-e2e-session-token-must-not-leak \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" GITHUB_API_URL="http://127.0.0.1:$port" \
    GH_TOKEN=shipwatch-e2e-github-token-must-not-leak \
    timeout 120 "$bin" "$@"
}
