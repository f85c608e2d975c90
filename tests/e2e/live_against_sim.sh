#!/usr/bin/env bash
# `shipwatch check` and `wait` on the real-data path — config file, credentials from the
# environment, libcurl with SigV4, AWS_ENDPOINT_URL and GITHUB_API_URL — against
# `shipwatch sim` over loopback HTTP, which verifies every signature. Every built-in scenario
# must give the verdicts it declares; a wrong secret must give `unknown`, exit 2 and AWS's message.
# Usage: live_against_sim.sh SHIPWATCH_BINARY SCENARIO_DIR   (exit 77: skipped, no python3)
set -uo pipefail
bin=$1
scenarios=$2
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
work=$(mktemp -d)
scenarios_copy="$work/scenario-files"
mkdir -p "$scenarios_copy"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

start_sim() {  # scenario -> sets port; mappings and keys land in $work/$1.err
  "$bin" sim --scenario "$1" --port 0 >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q listening "$work/$1.out" && break; sleep 0.1; done
  port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/$1.out")
  [ -n "$port" ] || { fail "$1: sim did not start: $(cat "$work/$1.err")"; return 1; }
}

# The scenario's pipelines as a config file, version URLs mapped onto the simulator.
write_config() {  # scenario port
  python3 - "$scenarios/$1.json" "$work/$1.err" "$2" >"$work/$1.toml" <<'PY'
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

run_shipwatch() {  # scenario secret args... ; isolated from the host's AWS and GitHub setup
  local s=$1 secret=$2
  shift 2
  local key
  key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"]["access_key_id"])' "$scenarios/$s.json")
  env -i PATH="$PATH" HOME="$work" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_SESSION_TOKEN=shipwatch-e2e-session-token-must-not-leak \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" GITHUB_API_URL="http://127.0.0.1:$port" GH_TOKEN=shipwatch-e2e-github-token-must-not-leak \
    timeout 120 "$bin" "$@"
}

secret_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"]["secret_access_key"])' "$scenarios/$1.json"; }

for s in phantom-ecs ec2-never-updated stuck-rollouts cache-trap merged-after-deploy healthy rollout blue-green; do
  start_sim "$s" || continue
  write_config "$s" "$port"
  run_shipwatch "$s" "$(secret_of "$s")" check --config "$work/$s.toml" --json --debug --log "$work/$s.log" >"$work/$s.json" 2>"$work/$s.check.err"
  code=$?
  python3 - "$scenarios/$s.json" "$work/$s.json" "$code" <<'PY' || fail "$s: verdicts differ (stderr: $(head -c 300 "$work/$s.check.err"))"
import json, sys
want = json.load(open(sys.argv[1]))["expect"]
try:
    got = {p["name"]: p["verdict"]["code"] for p in json.load(open(sys.argv[2]))["pipelines"]}
except Exception as e:
    sys.exit(f"no JSON report: {e}")
if got != want:
    sys.exit(f"expected {want}, got {got}")
code = int(sys.argv[3])
expected_code = 0 if all(v == "live" for v in want.values()) else 1
if code != expected_code:
    sys.exit(f"exit {code}, expected {expected_code}")
print(f"ok {sys.argv[1].split('/')[-1]}: {got}")
PY
done

# Shapes a real account has (tests/data/sim/aws-shapes.json, a scenario file): each pipeline's
# verdict and the stage it names, and no sentence that compares a value with itself or with "?".
shapes="$(dirname "$0")/../data/sim/aws-shapes.json"
cp "$shapes" "$scenarios_copy/aws-shapes.json"
"$bin" sim --scenario "$shapes" --port 0 >"$work/aws-shapes.out" 2>"$work/aws-shapes.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/aws-shapes.out" && break; sleep 0.1; done
port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/aws-shapes.out")
if [ -z "$port" ]; then
  fail "aws-shapes: sim did not start: $(cat "$work/aws-shapes.err")"
else
  scenarios_saved=$scenarios
  scenarios=$scenarios_copy
  write_config aws-shapes "$port"
  run_shipwatch aws-shapes "$(secret_of aws-shapes)" check --config "$work/aws-shapes.toml" --json --debug --log "$work/aws-shapes.log" \
    >"$work/aws-shapes.json" 2>"$work/aws-shapes.check.err"
  code=$?
  scenarios=$scenarios_saved
  python3 - "$shapes" "$work/aws-shapes.json" "$code" <<'PY' || fail "aws-shapes: see above (stderr: $(head -c 300 "$work/aws-shapes.check.err"))"
import json, re, sys
doc = json.load(open(sys.argv[1]))
want, want_stage = doc["expect"], doc.get("expect_stage", {})
report = json.load(open(sys.argv[2]))
problems = []
for p in report["pipelines"]:
    name, verdict = p["name"], p["verdict"]
    if verdict["code"] != want[name]:
        problems.append(f"{name}: verdict {verdict['code']}, expected {want[name]} ({verdict['summary']})")
    if name in want_stage and verdict["stage"] != want_stage[name]:
        problems.append(f"{name}: verdict names stage {verdict['stage']!r}, expected {want_stage[name]!r}")
    texts = [verdict["summary"]] + [s["summary"] for s in p["stages"]] + [f["message"] for f in p.get("findings", [])]
    for t in texts:
        if re.search(r"(\S{4,}),? not \1\b", t) or "not ?" in t:
            problems.append(f"{name}: compares a value with itself or with nothing: {t}")
    if name == "no-deployment-config" and any("circuit breaker" in t for t in texts):
        problems.append(f"{name}: states a circuit breaker although the answer says nothing of one")
code = int(sys.argv[3])
if code != 1:
    problems.append(f"exit {code}, expected 1 (some pipelines are known not live)")
for line in problems:
    print("  " + line)
if problems:
    sys.exit(1)
print(f"ok aws-shapes: {len(report['pipelines'])} pipelines as expected: " + ", ".join(f"{k}={v}" for k, v in want.items()))
PY
fi

# Security: the --debug logs of those runs name every request but hold no key material, and the
# AWS operations they show are exactly the README's read-only IAM policy, nothing more.
python3 - "$work" "$scenarios" "$(dirname "$0")/../../README.md" <<'PY' || fail "security: see above"
import glob, json, os, re, stat, sys
work, scenarios, readme = sys.argv[1:4]
forbidden = ["shipwatch-e2e-session-token-must-not-leak", "shipwatch-e2e-github-token-must-not-leak",
             "Authorization", "Signature=", "X-Amz-Security-Token"]
for f in glob.glob(f"{scenarios}/*.json") + glob.glob(f"{work}/scenario-files/*.json"):
    creds = json.load(open(f))["credentials"]
    forbidden += [creds["access_key_id"], creds["secret_access_key"]]
ops, lines = set(), 0
for log in glob.glob(f"{work}/*.log"):
    if stat.S_IMODE(os.stat(log).st_mode) != 0o600:
        sys.exit(f"{log} is not created 0600")
    text = open(log).read()
    for secret in forbidden:
        if secret in text:
            sys.exit(f"{log} contains {secret[:12]}...")
    for m in re.finditer(r"http [^:]+: [A-Z]+ ([a-z0-9-]+:[A-Za-z]+) ->", text):
        ops.add(m.group(1))
        lines += 1
policy = re.search(r"### Minimal IAM policy.*?```json\n(.*?)```", open(readme).read(), re.S).group(1)
actions = set(json.loads(policy)["Statement"][0]["Action"])
if lines < 50:
    sys.exit(f"only {lines} request lines in the logs")
if ops != actions:
    sys.exit(f"operations called {sorted(ops - actions)} are not in the README policy; "
             f"policy actions never called: {sorted(actions - ops)}")
if any("GetSecretValue" in op for op in ops):
    sys.exit("GetSecretValue was called")
print(f"ok security: {lines} request lines, no key material, operations == README policy ({len(ops)} actions)")
PY

# Throttling on the first two calls of every AWS operation: retries with backoff still converge.
kill "${pids[@]}" 2>/dev/null
"$bin" sim --scenario stuck-rollouts --port 0 --throttle-first 2 >"$work/throttled.out" 2>"$work/stuck-rollouts.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/throttled.out" && break; sleep 0.1; done
port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/throttled.out")
write_config stuck-rollouts "$port"
run_shipwatch stuck-rollouts "$(secret_of stuck-rollouts)" check --config "$work/stuck-rollouts.toml" --json >"$work/throttled.json" 2>/dev/null
python3 - "$scenarios/stuck-rollouts.json" "$work/throttled.json" <<'PY' || fail "throttled: verdicts did not converge"
import json, sys
want = json.load(open(sys.argv[1]))["expect"]
got = {p["name"]: p["verdict"]["code"] for p in json.load(open(sys.argv[2]))["pipelines"]}
if got != want:
    sys.exit(f"expected {want}, got {got}")
print(f"ok throttled (first 2 calls of every operation): {got}")
PY

# wait: the rollout completes three simulated minutes in (the simulator runs at 60x here).
kill "${pids[@]}" 2>/dev/null
"$bin" sim --scenario rollout --port 0 --speed 60 >"$work/rollout2.out" 2>"$work/rollout.err" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$work/rollout2.out" && break; sleep 0.1; done
port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/rollout2.out")
write_config rollout "$port"
if run_shipwatch rollout "$(secret_of rollout)" wait --config "$work/rollout.toml" --pipeline checkout-web --interval 1s --timeout 60s \
    >/dev/null 2>"$work/wait.err"; then
  grep -q "checkout-web: live" "$work/wait.err" || fail "wait: no 'live' progress line: $(cat "$work/wait.err")"
  echo "ok wait: rollout became live"
else
  fail "wait did not see the rollout become live: $(cat "$work/wait.err")"
fi

# A wrong secret: the simulator refuses the signature; shipwatch says it cannot tell, exit 2.
run_shipwatch rollout wrong-secret check --config "$work/rollout.toml" >"$work/wrong.txt" 2>&1
code=$?
[ "$code" -eq 2 ] || fail "wrong secret: exit $code, expected 2"
grep -q "UNKNOWN" "$work/wrong.txt" || fail "wrong secret: verdict is not unknown"
grep -q "InvalidSignatureException: The request signature we calculated does not match the signature you provided" "$work/wrong.txt" \
  || fail "wrong secret: AWS's message is not shown: $(head -5 "$work/wrong.txt")"
[ "$failures" -eq 0 ] && echo "ok wrong secret: unknown, exit 2, AWS message shown"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all scenarios verified over signed loopback HTTP"
