#!/usr/bin/env bash
# contrib/prometheus with Debian's promtool: the alert rules pass `promtool check rules` and their
# unit tests (alerts_test.yml), the scrape config example passes `promtool check config` (also with
# its commented token lines in), and each of a few broken copies of the rules fails the unit tests,
# so the tests are known to catch what they are there for.
# Usage: rules.sh CONTRIB_PROMETHEUS_DIR   (exit 77: skipped, no promtool; 1 instead when
#        SHIPWATCH_REQUIRE_PROMETHEUS is set, as .ci/run does)
set -uo pipefail
contrib=$(realpath "$1")  # the unit tests run from a copy elsewhere
if ! command -v promtool >/dev/null; then
  echo "promtool not installed (apt-get install prometheus)"
  [ -n "${SHIPWATCH_REQUIRE_PROMETHEUS:-}" ] && exit 1  # CI: never a skip
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

promtool check rules "$contrib/alerts.yml" || fail "promtool check rules"
# The unit tests name the rules by a path relative to themselves; run them from a copy that names
# the rules file given (the real one, or a broken copy).
unit_tests() {
  sed "s|^  - \.\./\.\./contrib/prometheus/alerts\.yml$|  - $1|" "$here/alerts_test.yml" >"$work/alerts_test.yml"
  grep -qF -- "  - $1" "$work/alerts_test.yml" ||
    { echo "alerts_test.yml does not name ../../contrib/prometheus/alerts.yml"; return 2; }
  promtool test rules "$work/alerts_test.yml"
}
unit_tests "$contrib/alerts.yml" || fail "promtool test rules"
promtool check config "$contrib/prometheus.yml" || fail "promtool check config"
# The token lines, uncommented, are a valid config too (the file they name has to exist).
mkdir -p "$work/config"
cp "$contrib/alerts.yml" "$work/config/"
echo token >"$work/config/shipwatch.token"
sed -E -e 's|^    # (authorization:\|  type: Bearer)|    \1|' \
  -e "s|^    #   credentials_file: .*|      credentials_file: $work/config/shipwatch.token|" \
  "$contrib/prometheus.yml" >"$work/config/prometheus.yml"
if grep -q credentials_file: "$work/config/prometheus.yml" && ! grep -q '^ *# *authorization' "$work/config/prometheus.yml"; then
  promtool check config "$work/config/prometheus.yml" >/dev/null || fail "the scrape config with its token lines"
else
  fail "the scrape config has no commented authorization block to check"
fi

# mutant NAME SED_EXPR: the rules with one change the unit tests must notice: still valid rules,
# which the unit tests fail.
mutant() {
  sed -e "$2" "$contrib/alerts.yml" >"$work/$1.yml"
  if cmp -s "$contrib/alerts.yml" "$work/$1.yml"; then
    fail "mutant $1: '$2' changes nothing in alerts.yml (update the self-check)"
  elif ! promtool check rules "$work/$1.yml" >"$work/$1.out" 2>&1; then
    fail "mutant $1: not valid rules: $(cat "$work/$1.out")"
  elif unit_tests "$work/$1.yml" >"$work/$1.out" 2>&1; then
    fail "mutant $1: the unit tests pass on rules that $1"
  else
    echo "ok: the unit tests fail on rules that $1"
  fi
}
mutant "count an unknown verdict as not live" \
  's|shipwatch_pipeline_not_live_seconds > 30 \* 60|(shipwatch_pipeline_not_live_seconds or on (pipeline) (shipwatch_pipeline_verdict{code="unknown"} == 1) * 3600) > 30 * 60|'
mutant "alert on not-live at once" '0,/for: 5m/s//for: 0m/'
mutant "alert on a rollback seen once" '/alert: ShipwatchRolledBack/,/for:/s/for: 2m/for: 0m/'
mutant "alert on a source down at once" '/alert: ShipwatchSourceDown/,/for:/s/for: 5m/for: 0m/'
mutant "alert on being behind while commits go live" 's/shipwatch_pipeline_live_commits_behind > 0/shipwatch_pipeline_live_commits_behind >= 0/'
mutant "alert twice on a source that is down" '/unless shipwatch_source_up == 0/d'
mutant "let another profile's failure hide a stale source" \
  's/unless shipwatch_source_up == 0/unless on (job, instance, source, region) shipwatch_source_up == 0/'
mutant "stay silent on one lost shard" 's/up{job="shipwatch"} == 0 or //'
mutant "stay silent when the job is gone" 's/ or absent(up{job="shipwatch"})//'

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "alert rules, their unit tests and the scrape config verified with $(promtool --version 2>&1 | head -1)"
