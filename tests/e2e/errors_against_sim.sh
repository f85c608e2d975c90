#!/usr/bin/env bash
# Errors that can be acted on, on the real-data path: `shipwatch check` with a config file,
# credentials from the environment and libcurl with SigV4 against `shipwatch sim` over loopback
# HTTP. A wrong cluster name, a wrong target group ARN and a log group that does not exist must
# each be reported with the call, the resource, the region and the credentials that were used —
# in the text report and as members of the JSON report's error objects.
# Usage: errors_against_sim.sh SHIPWATCH_BINARY SCENARIO_DIR   (exit 77: skipped, no /usr/bin/python3)
set -uo pipefail
bin=$1
scenarios=$2
py=/usr/bin/python3
[ -x "$py" ] || { echo "$py not installed"; exit 77; }
work=$(mktemp -d)
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$bin" sim --scenario healthy --port 0 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 100); do grep -q listening "$work/sim.out" && break; sleep 0.1; done
port=$(sed -nE 's/^listening on http:\/\/127\.0\.0\.1:([0-9]+)$/\1/p' "$work/sim.out")
[ -n "$port" ] || { echo "FAIL: sim did not start: $(cat "$work/sim.err")"; exit 1; }

# Three copies of the scenario's pipeline, each wrong in one place the config decides.
"$py" - "$scenarios/healthy.json" >"$work/errors.toml" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["pipelines"][0]
base = {k: p[k] for k in ["region", "repo", "branch", "workflow", "cluster", "service"] if p.get(k)}
tg = "arn:aws:elasticloadbalancing:us-west-2:678901234567:targetgroup/no-such-group/0123456789abcdef"
for name, changes in [("wrong-cluster", {"cluster": "no-such-cluster"}),
                      ("wrong-target-group", {"target_group": tg}),
                      ("missing-log-group", {"expect_log": "Requested platforms:"})]:
    print("[[pipeline]]")
    print(f"name = {json.dumps(name)}")
    for key, value in {**base, **changes}.items():
        print(f"{key} = {json.dumps(value)}")
    print()
PY

run_check() {  # args... ; isolated from the host's AWS and GitHub setup
  local key secret
  key=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"]["access_key_id"])' "$scenarios/healthy.json")
  secret=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"]["secret_access_key"])' "$scenarios/healthy.json")
  env -i PATH="$PATH" HOME="$work" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_ENDPOINT_URL="http://127.0.0.1:$port" GITHUB_API_URL="http://127.0.0.1:$port" GH_TOKEN=e2e-token \
    timeout 120 "$bin" check --config "$work/errors.toml" "$@"
}

run_check >"$work/check.txt" 2>"$work/check.err"
run_check --json >"$work/check.json" 2>>"$work/check.err"

creds="us-west-2, env AWS_ACCESS_KEY_ID"
expect_text() {  # what ; the line must be in the text report as written
  grep -qF -- "$1" "$work/check.txt" || fail "text report lacks: $1"
}
expect_text "ecs:DescribeServices cluster no-such-cluster service payments-api ($creds): ClusterNotFoundException: Cluster not found."
expect_text "registry not read: ecs:DescribeServices cluster no-such-cluster service payments-api ($creds) failed: ClusterNotFoundException"
expect_text "elasticloadbalancing:DescribeTargetGroups target group arn:aws:elasticloadbalancing:us-west-2:678901234567:targetgroup/no-such-group/0123456789abcdef ($creds): TargetGroupNotFound: One or more target groups not found"
expect_text "logs:FilterLogEvents log group /ecs/payments-api ($creds): ResourceNotFoundException: The specified log group does not exist."

"$py" - "$work/check.json" <<'PY' || fail "JSON report: see above"
import json, sys
doc = json.load(open(sys.argv[1]))
pipes = {p["name"]: p for p in doc["pipelines"]}
def detail(pipeline, part):
    src = next(s for s in pipes[pipeline]["sources"] if s["source"] == part)
    if not src["error"] or "error_detail" not in src:
        sys.exit(f"{pipeline}/{part}: no error object: {src}")
    return src["error_detail"]
want = [
    ("wrong-cluster", "service", {"call": "ecs:DescribeServices", "resource": "cluster no-such-cluster service payments-api",
                                  "code": "ClusterNotFoundException", "upstream": False}),
    ("wrong-cluster", "images", {"call": "ecs:DescribeServices", "code": "ClusterNotFoundException", "upstream": True}),
    ("wrong-target-group", "target_groups", {"call": "elasticloadbalancing:DescribeTargetGroups",
                                             "resource": "target group arn:aws:elasticloadbalancing:us-west-2:678901234567:targetgroup/no-such-group/0123456789abcdef",
                                             "code": "TargetGroupNotFound"}),
    ("missing-log-group", "logs", {"call": "logs:FilterLogEvents", "resource": "log group /ecs/payments-api",
                                   "code": "ResourceNotFoundException"}),
]
for pipeline, part, members in want:
    d = detail(pipeline, part)
    for key, value in {**members, "region": "us-west-2", "profile": "env AWS_ACCESS_KEY_ID"}.items():
        if d.get(key) != value:
            sys.exit(f"{pipeline}/{part}: {key} is {d.get(key)!r}, expected {value!r}")
# The wrong group is described in one batch with the cluster's other groups; it fails only the
# pipeline that names it.
for name in ["wrong-cluster", "missing-log-group"]:
    for src in pipes[name]["sources"]:
        if src["error"] and "TargetGroupNotFound" in src["error"]:
            sys.exit(f"{name}: another pipeline's wrong target group failed its {src['source']}")
# No secret ever lands in an error.
text = open(sys.argv[1]).read()
if "e2e-token" in text:
    sys.exit("the GitHub token is in the report")
print("ok JSON: error objects name call, resource, region and profile")
PY

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; cat "$work/check.txt"; exit 1; }
echo "ok: errors name the call, the resource, the region and the credentials"
