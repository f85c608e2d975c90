#!/usr/bin/env bash
# The real components on loopback: `shipwatch sim` serving a scenario of varied verdicts, two
# `shipwatch serve` shards (--shard 1/2 and 2/2) on its config, and Debian's Prometheus scraping
# both every second with contrib/prometheus/alerts.yml loaded. Once both shards are ready and
# scraped, Prometheus's HTTP API must hold every pipeline once, from one shard (the shards are
# disjoint and together all, each pipeline where the documented hash puts it), with `check
# --json`'s verdict code (shipwatch_pipeline_verdict == 1), stage healths and live revision,
# not_live_seconds as the alerts read it (0 when live, absent when unknown), and the rules loaded
# and healthy with a pending ShipwatchRolledBack for exactly the rolled-back pipelines; each
# shard's /metrics passes `promtool check metrics`. A hard deadline
# (SHARDS_DEADLINE, default 150 s) ends it with every process it started.
# Usage: prometheus_shards.sh SHIPWATCH_BINARY SCENARIO_JSON ALERTS_YML
#   exit 77: skipped (no prometheus/promtool, or /usr/bin/python3, or a binary without `serve`);
#   1 instead of a skip for a missing prometheus when SHIPWATCH_REQUIRE_PROMETHEUS is set (.ci/run).
set -uo pipefail
# The deadline: the script under timeout(1), which signals its whole process group (the servers and
# Prometheus too) and leaves the cleanup to the TERM trap below.
if [ -z "${SHARDS_UNDER_DEADLINE:-}" ]; then
  SHARDS_UNDER_DEADLINE=1 exec timeout "${SHARDS_DEADLINE:-150}" "$0" "$@"
fi
bin=$1
scenario=$2
alerts=$(realpath "$3")  # Prometheus reads rule_files relative to its config
for tool in prometheus promtool; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool not installed (apt-get install prometheus)"
    [ -n "${SHIPWATCH_REQUIRE_PROMETHEUS:-}" ] && exit 1  # CI: never a skip
    exit 77
  fi
done
if [[ $(timeout 10 "$bin" serve --config /nonexistent/shipwatch.toml 2>&1) == *"unknown command 'serve'"* ]]; then
  echo "$bin has no 'serve' command yet: skipped"
  exit 77
fi
# shellcheck source=sim_lib.sh
source "$(dirname "$0")/sim_lib.sh"
trap 'echo "FAIL: not done within ${SHARDS_DEADLINE:-150} s"; exit 1' TERM
started=$(date +%s)

start_sim sim --scenario "$scenario" || exit 1
sim_config "$scenario" sim >"$work/shipwatch.toml"
sim_keys sim
shipwatch_env "$key" "$secret"

# get URL: the body of a 2xx answer on stdout, else a failure (Python's, as curl is not in Debian's base).
get() {
  "$py" -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
    "$1" 2>/dev/null
}

# start_serve TAG SHARD: `serve --shard SHARD` on a free port; sets $addr to HOST:PORT once it listens.
start_serve() {
  "${sw_env[@]}" "$bin" serve --config "$work/shipwatch.toml" --listen 127.0.0.1:0 --shard "$2" \
    >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  addr=
  for _ in $(seq 100); do
    addr=$(sed -nE 's/^listening on http:\/\/(127\.0\.0\.1:[0-9]+)$/\1/p' "$work/$1.out")
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  fail "$1: serve --shard $2 did not print 'listening on': $(head -5 "$work/$1.err")"
  return 1
}
start_serve shard1 1/2 && shard1=$addr || exit 1
start_serve shard2 2/2 && shard2=$addr || exit 1

# Prometheus on a free port (asked of the kernel, then released: another process may take it in
# between, so a start that fails is tried again on another).
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $alerts
scrape_configs:
  - job_name: shipwatch
    static_configs:
      - targets: ["$shard1"]
        labels: {shard: "1/2"}
      - targets: ["$shard2"]
        labels: {shard: "2/2"}
EOF
if ! promtool check config "$work/prometheus.yml" >"$work/promtool-config.txt" 2>&1; then
  fail "the test's Prometheus config: $(cat "$work/promtool-config.txt")"
  exit 1
fi
prom=
for attempt in 1 2 3; do
  pport=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$pport" --log.level=warn >"$work/prometheus.log" 2>&1 &
  ppid_=$!
  pids+=($ppid_)
  for _ in $(seq 100); do
    get "http://127.0.0.1:$pport/-/ready" >/dev/null && { prom=http://127.0.0.1:$pport; break; }
    kill -0 "$ppid_" 2>/dev/null || break
    sleep 0.2
  done
  [ -n "$prom" ] && break
  kill "$ppid_" 2>/dev/null
  echo "prometheus attempt $attempt on port $pport did not become ready: $(tail -2 "$work/prometheus.log")"
done
[ -n "$prom" ] || { fail "prometheus did not start: $(tail -5 "$work/prometheus.log")"; exit 1; }
echo "prometheus $prom scraping shard 1/2 on $shard1 and 2/2 on $shard2 (after $(($(date +%s) - started)) s)"

# Both shards ready (their first full picture), bounded by the deadline.
for s in "$shard1" "$shard2"; do
  until get "http://$s/readyz" >/dev/null; do sleep 0.2; done
done
ready=$(date +%s.%N)
echo "both shards ready after $(($(date +%s) - started)) s"

run_shipwatch "$key" "$secret" check --config "$work/shipwatch.toml" --json >"$work/check.json" 2>"$work/check.err"
[ -s "$work/check.json" ] || { fail "check --json printed nothing: $(head -5 "$work/check.err")"; exit 1; }
for s in 1 2; do
  addr_var=shard$s
  get "http://${!addr_var}/metrics" >"$work/metrics$s.txt" || fail "shard $s/2: GET /metrics"
  if promtool check metrics <"$work/metrics$s.txt" >"$work/lint$s.txt" 2>&1; then
    echo "ok shard $s/2: /metrics passes promtool check metrics ($(grep -c '^shipwatch_' "$work/metrics$s.txt") samples)"
  else
    fail "shard $s/2: promtool check metrics: $(head -20 "$work/lint$s.txt")"
  fi
done

# Prometheus's view, polled until it has scraped both shards after they were ready and matches
# `check --json` (the scenario holds still, so it must converge; the last difference is the failure).
"$py" - "$prom" "$work/check.json" "$ready" "$work/metrics1.txt" "$work/metrics2.txt" <<'PY' || fail "prometheus: see above"
import json, re, sys, time, urllib.parse, urllib.request
prom, report, ready = sys.argv[1], sys.argv[2], float(sys.argv[3])
raw = [open(f).read() for f in sys.argv[4:6]]

def api(path, **params):
    url = f"{prom}/api/v1/{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = json.load(r)
    if doc.get("status") != "success":
        raise RuntimeError(f"{url}: {doc}")
    return doc["data"]

def fnv1a_64(text):  # the shard hash README "Sharding" documents
    h = 0xcbf29ce484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001b3) % 2**64
    return h

def query(q):
    return [(s["metric"], float(s["value"][1])) for s in api("query", query=q)["result"]]

pipelines = json.load(open(report))["pipelines"]
want = {p["name"]: p["verdict"]["code"] for p in pipelines}
stages = {p["name"]: {s["id"]: s["health"] for s in p["stages"]} for p in pipelines}
live_rev = {p["name"]: (p["stages"][-1].get("revision") or "")[:7] for p in pipelines}

# Scraped after ready: every target up, and its newest scrape younger than the shards' readiness.
while True:
    ups = query('timestamp(up{job="shipwatch"} == 1)')
    if len(ups) == 2 and min(v for _, v in ups) > ready + 1:
        break
    time.sleep(0.5)

def problems():
    found = []
    verdicts = query("shipwatch_pipeline_verdict == 1")
    got = {m["pipeline"]: m["code"] for m, _ in verdicts}
    shard_of = {}
    for m, _ in query("group by (pipeline, shard) (shipwatch_pipeline_verdict)"):
        shard_of.setdefault(m["pipeline"], []).append(m["shard"])
    for name in sorted(set(got) | set(want)):
        if got.get(name) != want.get(name):
            found.append(f"{name}: verdict {got.get(name)} in prometheus, {want.get(name)} in check --json")
    if len(verdicts) != len(got):
        found.append(f"{len(verdicts)} current verdicts for {len(got)} pipelines")
    for name, shards in sorted(shard_of.items()):
        if len(shards) != 1:
            found.append(f"{name} is exported by shards {shards}")
        elif shards[0] != f"{fnv1a_64(name) % 2 + 1}/2":
            found.append(f"{name} is on shard {shards[0]}, the README's hash puts it on {fnv1a_64(name) % 2 + 1}/2")
    if set(shard_of) != set(want):
        found.append(f"the shards together export {sorted(shard_of)}, the config has {sorted(want)}")
    health = {}
    for m, _ in query("shipwatch_stage_health == 1"):
        health.setdefault(m["pipeline"], {})[m["stage"]] = m["health"]
    for name, h in stages.items():
        mine = {k: v for k, v in health.get(name, {}).items() if k in h}
        if mine != h:
            found.append(f"{name}: stage health {health.get(name)}, check --json {h}")
    revs = {}
    for m, _ in query("shipwatch_pipeline_live_revision_info == 1"):
        revs.setdefault(m["pipeline"], []).append(m["revision"])
    for name in want:
        expected = [live_rev[name]] if live_rev[name] else []
        if revs.get(name, []) != expected:
            found.append(f"{name}: live revision {revs.get(name)}, check --json's last stage {expected}")
    not_live = {m["pipeline"]: v for m, v in query("shipwatch_pipeline_not_live_seconds")}
    for name, code in want.items():
        v = not_live.get(name)
        if (code == "live" and v != 0) or (code == "unknown" and v is not None) or \
           (code not in ("live", "unknown") and (v is None or v <= 0)):
            found.append(f"{name} ({code}): not_live_seconds {v}")
    return found, shard_of

deadline = time.time() + 30
while True:
    found, shard_of = problems()
    if not found or time.time() > deadline:
        break
    time.sleep(1)
if found:
    sys.exit("\n  ".join(found))
for name in sorted(want):
    print(f"ok {name}: {want[name]} in prometheus (shard {shard_of[name][0]}) and in check --json")

# The shards' own answers are disjoint too, and each shard watches some pipelines (else the split
# proves nothing).
exported = [set(re.findall(r'^shipwatch_pipeline_verdict\{[^}]*pipeline="([^"]+)"', t, re.M)) for t in raw]
if exported[0] & exported[1] or exported[0] | exported[1] != set(want) or not all(exported):
    sys.exit(f"/metrics of shard 1/2: {sorted(exported[0])}, of 2/2: {sorted(exported[1])}; config: {sorted(want)}")
print(f"ok shards: {len(exported[0])} + {len(exported[1])} pipelines, disjoint, together the config's {len(want)}")

# The alerts, loaded into this Prometheus, read these metrics: every rule evaluated without error,
# a rollback pending (for: 2m) for exactly the pipelines check calls rolled back, no shard absent.
deadline = time.time() + 15
while True:
    rules = [r for g in api("rules")["groups"] if g["name"] == "shipwatch" for r in g["rules"]]
    alerts = api("alerts")["alerts"]
    rolled = {a["labels"]["pipeline"] for a in alerts if a["labels"]["alertname"] == "ShipwatchRolledBack"}
    want_rolled = {n for n, c in want.items() if c == "deploy_rolled_back"}
    bad = [f"{r['name']}: {r['health']} {r.get('lastError', '')}" for r in rules if r["health"] != "ok"]
    absent = [a["labels"] for a in alerts if a["labels"]["alertname"] == "ShipwatchAbsent"]
    if (len(rules) == 6 and not bad and rolled == want_rolled and not absent) or time.time() > deadline:
        break
    time.sleep(1)
if len(rules) != 6 or bad:
    sys.exit(f"rules: {len(rules)} loaded, not healthy: {bad}")
if rolled != want_rolled:
    sys.exit(f"ShipwatchRolledBack for {sorted(rolled)}, check --json rolled back {sorted(want_rolled)}")
if absent:
    sys.exit(f"alerts that must not be there: {absent}")
print(f"ok alerts: 6 rules healthy, ShipwatchRolledBack pending for {sorted(rolled)}")
PY

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "prometheus agrees with check --json on every pipeline, over two shards ($(($(date +%s) - started)) s)"
