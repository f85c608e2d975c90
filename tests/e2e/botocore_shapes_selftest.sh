#!/usr/bin/env bash
# The shape check must fail when it should: on tests/data/shapes/broken (answers with a wrong
# type, an unknown member, a bad enum, a null, a string timestamp, a wrong list item, EC2
# PascalCase, a wrong XML namespace, requests AWS rejects, an undeclared error code, and members
# newer than the models misspelt or mistyped: `stratgy`, a wrong value or type of `strategy` and
# `bakeTimeInMinutes`, an unknown member inside `advancedConfiguration`) it exits 1 and names each
# problem of expected.txt; the valid records there (000006, 000007) get no line.
# Usage: botocore_shapes_selftest.sh   (exit 77: /usr/bin/python3 has no botocore)
set -uo pipefail
here=$(dirname "$0")
data=$here/../data/shapes/broken
out=$(/usr/bin/python3 "$here/botocore_shapes.py" "$data")
code=$?
[ "$code" -eq 77 ] && { echo "$out"; exit 77; }
failures=0
[ "$code" -eq 1 ] || { echo "FAIL: exit $code on broken records, expected 1"; failures=$((failures + 1)); }
while IFS= read -r want; do
  grep -qF -- "$want" <<<"$out" || { echo "FAIL: not reported: $want"; failures=$((failures + 1)); }
done <"$data/expected.txt"
if grep -E '/00000[67]-' <<<"$out"; then
  echo "FAIL: a valid record was reported"
  failures=$((failures + 1))
fi
reported=$(grep -c '\.json: ' <<<"$out")
expected=$(grep -c . "$data/expected.txt")
[ "$reported" -eq "$expected" ] || { echo "FAIL: $reported problems reported, expected.txt lists $expected"; \
  echo "$out"; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] || exit 1
echo "ok: all $expected problems of the broken records reported, none for the valid ones"
