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
# SIGKILL for the hung server: on SIGTERM the simulator would first wait out the 600 s answers it owes.
trap 'kill -KILL "$(cat "$work/hung.pid" 2>/dev/null)" 2>/dev/null; cleanup' EXIT

now() { date +%s.%N; }
# within START LIMIT: true when less than LIMIT seconds passed since START.
within() { awk -v s="$1" -v e="$(now)" -v l="$2" 'BEGIN { exit !(e - s <= l) }'; }
took() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

start_sim hung --scenario healthy --fault 'elasticloadbalancing:DescribeTargetHealth=slow,delay=600s' || exit 1
sim_keys hung
sim_config "$scenarios/healthy.json" hung >"$work/hung.toml"
name=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pipelines"][0]["name"])' "$scenarios/healthy.json")

# hung_case LABEL LIMIT WANT_CODE STDERR_WORDS REPORT_WORDS ARGS...: shipwatch ARGS against the hung
# server ends within LIMIT seconds with WANT_CODE, saying STDERR_WORDS and, in its report, REPORT_WORDS.
hung_case() {
  local label=$1 limit=$2 want=$3 err_words=$4 out_words=$5 start code
  shift 5
  start=$(now)
  run_shipwatch "$key" "$secret" "$@" >"$work/$label.out" 2>"$work/$label.err"
  code=$?
  echo "$label with a hung DescribeTargetHealth: exit $code after $(took "$start") s"
  within "$start" "$limit" || fail "$label returned after $(took "$start") s, not within $limit s"
  [ "$code" -eq "$want" ] || fail "$label exited $code, not $want: $(cat "$work/$label.err")"
  grep -q "$err_words" "$work/$label.err" || fail "$label's stderr lacks '$err_words': $(cat "$work/$label.err")"
  grep -q "$out_words" "$work/$label.out" || fail "$label's report lacks '$out_words': $(cat "$work/$label.out")"
}
hung_case wait 21 1 "timed out after 20s" "no answer within 20s" \
  wait --config "$work/hung.toml" --pipeline "$name" --timeout 20s
hung_case check 6 2 "gave up waiting after 5s" "no answer within 5s" check --config "$work/hung.toml" --timeout 5s

run_shipwatch "$key" "$secret" check --config "$work/hung.toml" --timeout 0s >/dev/null 2>"$work/zero.err"
[ $? -eq 2 ] && grep -q "timeout: '0s' is not a duration" "$work/zero.err" || fail "--timeout 0s: $(cat "$work/zero.err")"

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
