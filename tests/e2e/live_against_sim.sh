#!/usr/bin/env bash
# `shipwatch check` and `wait` on the real-data path — config file, credentials from the
# environment, libcurl with SigV4, AWS_ENDPOINT_URL and GITHUB_API_URL — against
# `shipwatch sim` over loopback HTTP, which verifies every signature. Every built-in scenario
# must give the verdicts it declares; a wrong secret must give `unknown`, exit 2 and AWS's message.
# Usage: live_against_sim.sh SHIPWATCH_BINARY SCENARIO_DIR   (exit 77: skipped, no /usr/bin/python3)
set -uo pipefail
bin=$1
scenarios=$2
# shellcheck source=sim_lib.sh
source "$(dirname "$0")/sim_lib.sh"

for s in phantom-ecs ec2-never-updated stuck-rollouts cache-trap merged-after-deploy healthy rollout blue-green; do
  start_sim "$s" --scenario "$s" || continue
  sim_config "$scenarios/$s.json" "$s" >"$work/$s.toml"
  sim_keys "$s"
  run_shipwatch "$key" "$secret" check --config "$work/$s.toml" --json --debug --log "$work/$s.log" \
    >"$work/$s.json" 2>"$work/$s.check.err"
  check_verdicts "$s" "$scenarios/$s.json" "$work/$s.json" $?
done

# Scenario files of shapes a real account has: tests/data/sim/aws-shapes.json (one pipeline per
# case of issue 12's "Why": each verdict, the stage it names, stage healths, and no sentence
# that compares a value with itself or with "?") and registries.json (images on Docker Hub,
# GHCR and another account's ECR, read through the [registry."host"] endpoints the server
# announces, as mirrors would be) and ecs-blue-green.json (ECS-native blue/green: a bake, a
# finished shift, a rollback).
data="$(dirname "$0")/../data/sim"
for f in aws-shapes registries ecs-blue-green; do
  start_sim "$f" --scenario "$data/$f.json" || continue
  sim_config "$data/$f.json" "$f" >"$work/$f.toml"
  sim_keys "$f"
  run_shipwatch "$key" "$secret" check --config "$work/$f.toml" --json --debug --log "$work/$f.log" \
    >"$work/$f.json" 2>"$work/$f.check.err"
  check_verdicts "$f" "$data/$f.json" "$work/$f.json" $?
done

# A target group named in the config and found again, by ARN, through the service is one group:
# its 3 targets read 3/3, never 6/6 (issue 13).
if start_sim tg-twice --scenario healthy; then
  sim_config "$scenarios/healthy.json" tg-twice | sed 's/^service = "payments-api"$/&\ntarget_group = "payments-api-tg"/' \
    >"$work/tg-twice.toml"
  grep -q '^target_group = "payments-api-tg"' "$work/tg-twice.toml" || fail "tg-twice: config not written"
  sim_keys tg-twice
  run_shipwatch "$key" "$secret" check --config "$work/tg-twice.toml" >"$work/tg-twice.txt" 2>&1
  grep -q "alb .* 3/3 targets healthy" "$work/tg-twice.txt" && echo "ok tg-twice: 3/3 targets, counted once" ||
    fail "tg-twice: $(grep -E '^  alb ' "$work/tg-twice.txt")"
fi

# Security: the --debug logs of those runs name every request but hold no key material, and the
# AWS operations they show are exactly the README's read-only IAM policy, nothing more.
"$py" - "$work" "$scenarios" "$(dirname "$0")/../../README.md" <<'PY' || fail "security: see above"
import glob, json, os, re, stat, sys
work, scenarios, readme = sys.argv[1:4]
forbidden = ["shipwatch-e2e-session-token-must-not-leak", "shipwatch-e2e-github-token-must-not-leak",
             "Authorization", "Signature=", "X-Amz-Security-Token"]
for f in glob.glob(f"{scenarios}/*.json") + glob.glob(os.path.join(os.path.dirname(readme), "tests/data/sim/*.json")):
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
stop_sims
start_sim throttled --scenario stuck-rollouts --throttle-first 2
sim_config "$scenarios/stuck-rollouts.json" throttled >"$work/throttled.toml"
sim_keys throttled
run_shipwatch "$key" "$secret" check --config "$work/throttled.toml" --json >"$work/throttled.json" 2>/dev/null
"$py" - "$scenarios/stuck-rollouts.json" "$work/throttled.json" <<'PY' || fail "throttled: verdicts did not converge"
import json, sys
want = json.load(open(sys.argv[1]))["expect"]
got = {p["name"]: p["verdict"]["code"] for p in json.load(open(sys.argv[2]))["pipelines"]}
if got != want:
    sys.exit(f"expected {want}, got {got}")
print(f"ok throttled (first 2 calls of every operation): {got}")
PY

# wait: the rollout completes three simulated minutes in (the simulator runs at 60x here).
stop_sims
start_sim rollout60 --scenario rollout --speed 60
sim_config "$scenarios/rollout.json" rollout60 >"$work/rollout60.toml"
sim_keys rollout60
if run_shipwatch "$key" "$secret" wait --config "$work/rollout60.toml" --pipeline checkout-web --interval 1s --timeout 60s \
    >/dev/null 2>"$work/wait.err"; then
  grep -q "checkout-web: live" "$work/wait.err" || fail "wait: no 'live' progress line: $(cat "$work/wait.err")"
  echo "ok wait: rollout became live"
else
  fail "wait did not see the rollout become live: $(cat "$work/wait.err")"
fi

# DescribeTasks answers some running tasks in failures[] (issue 13 item 6): the digest check would
# judge a subset, so the tasks stage is unknown and says how many of how many were not described.
stop_sims
start_sim missing --scenario healthy --fault 'ecs:DescribeTasks=missing-tasks'
sim_config "$scenarios/healthy.json" missing >"$work/missing.toml"
sim_keys missing
run_shipwatch "$key" "$secret" check --config "$work/missing.toml" --json >"$work/missing.json" 2>/dev/null
code=$?
run_shipwatch "$key" "$secret" check --config "$work/missing.toml" >"$work/missing.txt" 2>/dev/null
"$py" - "$work/missing.json" "$work/missing.txt" "$code" <<'PY' || fail "missing tasks: see above"
import json, re, sys
report, text, code = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), int(sys.argv[3])
count = re.compile(r"\b(\d+) of (\d+) running tasks could not be described \(MISSING: ")
for p in report["pipelines"]:
    tasks = next(s for s in p["stages"] if s["id"] == "tasks")
    if tasks["health"] != "unknown":
        sys.exit(f"{p['name']}: tasks stage is {tasks['health']!r} with running tasks not described")
    sentences = [tasks["summary"]] + [s.get("error") or "" for s in p["sources"]]
    found = [m for m in map(count.search, sentences) if m]
    if not found or int(found[0].group(1)) < 1 or int(found[0].group(1)) > int(found[0].group(2)):
        sys.exit(f"{p['name']}: no sentence carries the count: {sentences}")
    if p["verdict"]["code"] == "live":
        sys.exit(f"{p['name']}: live on a subset of its tasks")
if not count.search(text):
    sys.exit("the text report does not carry the count")
if code != 2:
    sys.exit(f"exit {code}, expected 2 (cannot tell)")
print(f"ok missing tasks: tasks unknown, '{found[0].group(0)}...', exit 2")
PY

# A wrong secret: the simulator refuses the signature; shipwatch says it cannot tell, exit 2.
run_shipwatch "$key" wrong-secret check --config "$work/rollout60.toml" >"$work/wrong.txt" 2>&1
code=$?
[ "$code" -eq 2 ] || fail "wrong secret: exit $code, expected 2"
grep -q "UNKNOWN" "$work/wrong.txt" || fail "wrong secret: verdict is not unknown"
grep -q "InvalidSignatureException: The request signature we calculated does not match the signature you provided" "$work/wrong.txt" \
  || fail "wrong secret: AWS's message is not shown: $(head -5 "$work/wrong.txt")"
[ "$failures" -eq 0 ] && echo "ok wrong secret: unknown, exit 2, AWS message shown"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all scenarios verified over signed loopback HTTP"
