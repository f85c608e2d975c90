#!/usr/bin/env bash
# The simulator stays AWS-shaped: `shipwatch check --json` on the real-data path (config file,
# libcurl with SigV4, endpoint overrides) against `shipwatch sim --record` for every built-in
# scenario and the scenario files in tests/data/sim, a generated week at several offsets, error
# answers (throttling, 5xx, expired and wrong credentials, resources that do not exist), then
# every recorded request and answer checked against botocore's service models by
# botocore_shapes.py. The curated scenarios must still give the verdicts they declare; the
# recordings must cover the README's IAM policy and hold no credential. Prints its run time.
# Usage: sim_shapes.sh SHIPWATCH_BINARY README   (exit 77: /usr/bin/python3 has no botocore;
#        1 instead when SHIPWATCH_REQUIRE_BOTOCORE is set, as .ci/run does)
# SHAPES_VERBOSE=1 prints each run's time; SHAPES_KEEP=DIR keeps the recordings.
set -uo pipefail
bin=$1
readme=$2
here=$(dirname "$0")
# shellcheck source=sim_lib.sh
source "$here/sim_lib.sh"
if ! "$py" -c 'import botocore' 2>/dev/null; then
  echo "$py has no botocore (apt-get install python3-botocore)"
  [ -n "${SHIPWATCH_REQUIRE_BOTOCORE:-}" ] && exit 1  # CI: never a skip
  exit 77
fi
started=$(date +%s%N)
runs=()

# record TAG SECRET|- SIM_ARGS... [--config-from FILE]: one check against a recording server (its
# records in $work/rec/TAG), with the scenario's pipelines or the config in FILE. Its exit code
# lands in $work/TAG.code (99: it did not run), so that runs can go in the background.
record() {
  runs+=("$1")
  record_run "$@"
}
record_run() {
  local tag=$1 wrong=$2 t0
  t0=$(date +%s%N)
  shift 2
  local config=
  if [ "${*: -2:1}" = --config-from ]; then  # a config of its own instead of the scenario's pipelines
    config=$(cat "${*: -1}")
    set -- "${@:1:$#-2}"
  fi
  echo 99 >"$work/$tag.code"  # until the check has run
  start_sim "$tag" "$@" --record "$work/rec/$tag" || return 1
  if [ -n "$config" ]; then
    echo "$config" >"$work/$tag.toml"
  else
    sim_config "$work/rec/$tag/scenario.json" "$tag" >"$work/$tag.toml"
  fi
  sim_keys "$tag"
  echo "$secret" >"$work/$tag.secret"
  [ "$wrong" = - ] || secret=$wrong
  run_shipwatch "$key" "$secret" check --config "$work/$tag.toml" --json >"$work/$tag.json" 2>"$work/$tag.check.err"
  echo $? >"$work/$tag.code"
  stop_sims  # one server at a time; its answers are all on disk once it has ended
  [ -z "${SHAPES_VERBOSE:-}" ] || echo "$tag: $((($(date +%s%N) - t0) / 1000000)) ms"
}

# The verdicts a curated scenario declares (at its start), so no shape fix changes one unnoticed.
expect_verdicts() {  # TAG [SCENARIO_FILE]: its recording's scenario.json unless a file is named
  check_verdicts "$1" "${2:-$work/rec/$1/scenario.json}" "$work/$1.json" "$(cat "$work/$1.code")" >/dev/null
}

scenarios=$("$bin" scenarios | awk '$1 != "fleet-N[-week]" {print $1}')
[ -n "$scenarios" ] || { echo "FAIL: shipwatch scenarios listed none"; exit 1; }
for s in $scenarios; do
  record "$s" - --scenario "$s" && expect_verdicts "$s"
done
# Scenario files of shapes a real account has: members missing, a deleted service, images in
# other registries and another account's ECR, ECS-native blue/green (members newer than the models).
for f in aws-shapes registries ecs-blue-green; do
  record "$f" - --scenario "$here/../data/sim/$f.json" && expect_verdicts "$f" "$here/../data/sim/$f.json"
done
# The blue/green file after its bake ended: blue's tasks stopped by the scheduler, its targets gone.
record ecs-blue-green@8m - --scenario "$here/../data/sim/ecs-blue-green.json" --at 8m
# A generated week at moments of different incidents (build failed, tasks stale, a failing
# rollout, a commit not built: found with `check --demo fleet-6-week --at ...`), and the static
# fleet. Six pipelines, not more: shipwatch paces its GitHub calls, so each run takes ~4 s, most
# of it waiting; the six run at once.
for at in 0s 12h 54h 102h 108h; do
  runs+=("fleet-6-week@$at")
  record_run "fleet-6-week@$at" - --scenario fleet-6-week --at "$at" &
done
runs+=(fleet-6)
record_run fleet-6 - --scenario fleet-6 &
wait
# Error answers in each protocol's shape: JSON 1.1, Query (ELBv2) and EC2.
record throttled - --scenario stuck-rollouts --fault aws=throttle,first=1
record throttled-ec2 - --scenario ec2-never-updated --fault aws=throttle,first=1
record server-errors - --scenario healthy --fault 'ecs:*=500,first=1' --fault 'elasticloadbalancing:*=503,first=1' \
  --fault 'ecr:*=503,first=1'
record expired - --scenario ec2-never-updated --fault aws=expired-credentials
# DescribeTasks answering running tasks in failures[] (Failure: arn, reason, detail).
record missing-tasks - --scenario healthy --fault 'ecs:DescribeTasks=missing-tasks'
record wrong-secret-ec2 wrong-secret --scenario ec2-never-updated
record wrong-secret wrong-secret --scenario rollout
# Resources that do not exist: each service's not-found answer (cluster, service, CodeBuild
# project, target group), with a config of names the world lacks.
record missing-resources - --scenario stuck-rollouts --config-from <(cat <<'TOML'
[[pipeline]]
name = "no-cluster"
region = "us-east-1"
repo = "ava-olo/agricultural-core"
codebuild_project = "no-such-build"
cluster = "no-such-cluster"
service = "agricultural-core"

[[pipeline]]
name = "no-service"
region = "us-east-1"
repo = "ava-olo/agricultural-core"
cluster = "ava-olo-production"
service = "no-such-service"

[[pipeline]]
name = "no-target-group"
region = "us-east-1"
repo = "ava-olo/monitoring-dashboards"
target_group = "no-such-target-group"
TOML
)
for tag in "${runs[@]}"; do
  code=$(cat "$work/$tag.code")
  [ "$code" -le 2 ] || fail "$tag: check exited $code ($(head -c 300 "$work/$tag.check.err"))"
done

# Not vacuous: the recordings hold every operation of the README's IAM policy, and errors.
# And no credential is written: no Authorization or token header, no signature, no secret.
"$py" - "$work/rec" "$readme" "$work"/*.secret <<'PY' || fail "recordings: see above"
import glob, json, os, re, sys
rec, readme = sys.argv[1:3]
forbidden = ["shipwatch-e2e-session-token-must-not-leak", "shipwatch-e2e-github-token-must-not-leak",
             "Signature=", "Credential=", '"Authorization"', "X-Amz-Security-Token"]
forbidden += [s for s in (open(f).read().strip() for f in sys.argv[3:]) if s]
for f in glob.glob(f"{rec}/*/*.json"):
    text = open(f).read()
    for secret in forbidden:
        if secret in text:
            sys.exit(f"{f} holds {secret[:12]}...")
policy = re.search(r"### Minimal IAM policy.*?```json\n(.*?)```", open(readme).read(), re.S).group(1)
actions = set(json.loads(policy)["Statement"][0]["Action"])
seen, errors = set(), 0
for f in glob.glob(f"{rec}/*/[0-9]*.json"):
    r = json.load(open(f))
    if r["protocol"] in ("json", "query", "ec2"):
        seen.add(f"{r['service']}:{r['operation']}")
        errors += r["response"]["status"] >= 400
if actions - seen:
    sys.exit(f"never recorded: {sorted(actions - seen)}")
if errors < 10:
    sys.exit(f"only {errors} error answers recorded")
print(f"ok recordings: all {len(actions)} policy operations, {errors} error answers, no credentials")
PY

"$py" "$here/botocore_shapes.py" "$work"/rec/* >"$work/shapes.txt"
code=$?
grep -v '^botocore ' "$work/shapes.txt" | head -50
tail -1 "$work/shapes.txt"
[ "$code" -eq 0 ] || fail "botocore_shapes.py found $(grep -c '\.json: ' "$work/shapes.txt") problem(s)"

# SHAPES_KEEP=DIR keeps the recordings (and the check outputs) for a look after the run.
[ -z "${SHAPES_KEEP:-}" ] || { mkdir -p "$SHAPES_KEEP" && cp -r "$work"/rec "$work"/*.json "$work"/*.err "$SHAPES_KEEP"/; }
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "time: $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s for ${#runs[@]} recorded checks and their validation"
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "every recorded exchange is valid against botocore's service models"
