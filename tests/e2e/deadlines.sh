#!/usr/bin/env bash
# Deadlines that hold on the real-data path (libcurl, SigV4, `shipwatch sim` over loopback): with
# DescribeTargetHealth answering only after 600 s, `wait --timeout 20s` returns by 21 s and
# `check --timeout 5s` by 6 s, each saying what did not answer; a deadline that is not reached
# changes nothing.
# Usage: deadlines.sh SHIPWATCH_BINARY SCENARIO_DIR   (exit 77: skipped, no /usr/bin/python3)
set -uo pipefail
bin=$1
scenarios=$2
# shellcheck source=sim_lib.sh
source "$(dirname "$0")/sim_lib.sh"

now() { date +%s.%N; }
# within START LIMIT: true when less than LIMIT seconds passed since START.
within() { awk -v s="$1" -v e="$(now)" -v l="$2" 'BEGIN { exit !(e - s <= l) }'; }
took() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

start_sim hung --scenario healthy --fault 'elasticloadbalancing:DescribeTargetHealth=slow,delay=600s' || exit 1
sim_keys hung
sim_config "$scenarios/healthy.json" hung >"$work/hung.toml"
name=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pipelines"][0]["name"])' "$scenarios/healthy.json")

start=$(now)
run_shipwatch "$key" "$secret" wait --config "$work/hung.toml" --pipeline "$name" --timeout 20s \
  >"$work/wait.out" 2>"$work/wait.err"
code=$?
echo "wait --timeout 20s with a hung DescribeTargetHealth: exit $code after $(took "$start") s"
within "$start" 21 || fail "wait --timeout 20s returned after $(took "$start") s"
[ "$code" -eq 1 ] || fail "wait exited $code, not 1: $(cat "$work/wait.err")"
grep -q "timed out after 20s" "$work/wait.err" || fail "wait did not say it timed out: $(cat "$work/wait.err")"
grep -q "no answer within 20s" "$work/wait.out" || fail "wait's report does not say what did not answer: $(cat "$work/wait.out")"

start=$(now)
run_shipwatch "$key" "$secret" check --config "$work/hung.toml" --timeout 5s >"$work/check.out" 2>"$work/check.err"
code=$?
echo "check --timeout 5s with a hung DescribeTargetHealth: exit $code after $(took "$start") s"
within "$start" 6 || fail "check --timeout 5s returned after $(took "$start") s"
[ "$code" -eq 2 ] || fail "check exited $code, not 2 (cannot tell): $(cat "$work/check.out")"
grep -q "gave up waiting after 5s" "$work/check.err" || fail "check did not say it gave up: $(cat "$work/check.err")"
grep -q "no answer within 5s" "$work/check.out" || fail "check's report does not say what did not answer: $(cat "$work/check.out")"
grep -q "LIVE\|live" "$work/check.out" && grep -qi "^ *alb.*✔" "$work/check.out" &&
  fail "the hung stage shows healthy: $(cat "$work/check.out")"

run_shipwatch "$key" "$secret" check --config "$work/hung.toml" --timeout 0s >/dev/null 2>"$work/zero.err"
[ $? -eq 2 ] && grep -q "timeout: '0s' is not a duration" "$work/zero.err" || fail "--timeout 0s: $(cat "$work/zero.err")"

# SIGKILL: on SIGTERM the simulator would first wait out the 600 s answers it still owes.
kill -KILL "$(cat "$work/hung.pid")" 2>/dev/null
stop_sims
start_sim fine --scenario healthy || exit 1
sim_keys fine
sim_config "$scenarios/healthy.json" fine >"$work/fine.toml"
run_shipwatch "$key" "$secret" check --config "$work/fine.toml" --timeout 60s >"$work/fine.out" 2>"$work/fine.err"
code=$?
[ "$code" -eq 0 ] || fail "check --timeout 60s on a healthy scenario exited $code: $(cat "$work/fine.out" "$work/fine.err")"
[ -s "$work/fine.err" ] && fail "check --timeout 60s printed on stderr: $(cat "$work/fine.err")"

[ "$failures" -eq 0 ] && echo "all deadlines held" || { echo "$failures failure(s)"; exit 1; }
