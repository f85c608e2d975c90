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
# Registries the server answers for (its banner: "registry HOST -> URL"), as mirrors would be.
for host, url in re.findall(r"^  registry (\S+) -> (\S+)$", open(sys.argv[2]).read(), re.M):
    print(f"[registry.{json.dumps(host)}]")
    print(f"endpoint = {json.dumps(url)}")
    print()
PY
}

# check_verdicts TAG SCENARIO_JSON REPORT_JSON EXIT_CODE: the report of `check --json` against
# what the scenario declares: "expect" (pipeline -> verdict code), and where given "expect_stage"
# (pipeline -> the stage the verdict names), "expect_health" (pipeline -> {stage: health}) and
# "expect_absent" / "expect_present" (pipeline -> words no sentence of it may hold / that some
# sentence of it, the verdict, a stage's summary or a finding, must hold);
# the exit code by precedence (1 when any pipeline is known not live, else 2 when any cannot be
# told, else 0); and no sentence that compares a value with itself or with nothing. Prints one
# "ok" line, or counts a failure with every problem found.
check_verdicts() {
  local why
  why=$("$py" - "$@" 2>&1 <<'PY'
import json, re, sys
tag, scenario, report, code = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
doc = json.load(open(scenario))
want, want_stage, want_health = doc["expect"], doc.get("expect_stage", {}), doc.get("expect_health", {})
want_absent, want_present = doc.get("expect_absent", {}), doc.get("expect_present", {})
try:
    pipelines = json.load(open(report))["pipelines"]
except Exception as e:
    sys.exit(f"no JSON report: {e}")
problems = []
got = {p["name"]: p["verdict"]["code"] for p in pipelines}
if got != want:
    problems.append(f"expected {want}, got {got}")
for p in pipelines:
    name, verdict = p["name"], p["verdict"]
    if name in want_stage and verdict["stage"] != want_stage[name]:
        problems.append(f"{name}: verdict names stage {verdict['stage']!r}, expected {want_stage[name]!r}")
    health = {s["id"]: s["health"] for s in p["stages"]}
    for stage, h in want_health.get(name, {}).items():
        if health.get(stage) != h:
            problems.append(f"{name}: stage {stage} is {health.get(stage)!r}, expected {h!r}")
    texts = [verdict["summary"]] + [s["summary"] for s in p["stages"]] + [f["message"] for f in p.get("findings", [])]
    for words in want_present.get(name, []):
        if not any(words in t for t in texts):
            problems.append(f"{name}: no sentence says {words!r} (verdict: {verdict['summary']})")
    for t in texts:
        if re.search(r"(\S{4,}),? not \1\b", t) or "not ?" in t:
            problems.append(f"{name}: compares a value with itself or with nothing: {t}")
        for words in want_absent.get(name, []):
            if words in t:
                problems.append(f"{name}: says {words!r} where its answers do not: {t}")
broken = any(v not in ("live", "unknown") for v in want.values())
expected_code = 1 if broken else 2 if "unknown" in want.values() else 0
if code != expected_code:
    problems.append(f"exit {code}, expected {expected_code}")
if problems:
    sys.exit("\n  ".join(problems))
print(f"ok {tag}: exit {code}, " + ", ".join(f"{k}={v}" for k, v in want.items()))
PY
) && echo "$why" || fail "$1: $why"
}

# sim_keys TAG: sets $key and $secret to the keys the server of TAG accepts (from its banner).
sim_keys() {
  key=$(sed -nE 's/.*AWS_ACCESS_KEY_ID=([^ ]+).*/\1/p' "$work/$1.err")
  secret=$(sed -nE 's/.*AWS_SECRET_ACCESS_KEY=([^ ]+).*/\1/p' "$work/$1.err")
}

# shipwatch_env KEY SECRET: sets $sw_env, the command prefix that runs shipwatch against the server
# on $port with nothing from the host (for servers started in the background: `"${sw_env[@]}" "$bin" ...`).
shipwatch_env() {
  sw_env=(env -i PATH="$PATH" HOME="$work" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2"
    AWS_SESSION_TOKEN=shipwatch-e2e-session-token-must-not-leak
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" GITHUB_API_URL="http://127.0.0.1:$port"
    GH_TOKEN=shipwatch-e2e-github-token-must-not-leak)
}

# run_shipwatch KEY SECRET ARGS...: shipwatch against the server on $port, nothing from the host.
run_shipwatch() {
  shipwatch_env "$1" "$2"
  shift 2
  "${sw_env[@]}" timeout 120 "$bin" "$@"
}
