#!/bin/sh
# lvsctl config check as a user runs it: usage: lvsctl_config_check_test.sh LVSCTL FIXTURES
set -u
LVSCTL=$1
FIXTURES=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_run NAME EXPECTED_EXIT ARGS...: runs lvsctl, keeps stdout/stderr in $TMP/NAME.*
expect_run() {
  name=$1 want=$2
  shift 2
  "$LVSCTL" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  got=$?
  [ "$got" -eq "$want" ] || { fail "$name: exit $got, want $want"; cat "$TMP/$name.err"; }
}

expect_line() {  # expect_line NAME STREAM TEXT: STREAM (out|err) has a line equal to TEXT
  grep -qxF -- "$3" "$TMP/$1.$2" || { fail "$1: no line '$3' in std$2:"; cat "$TMP/$1.$2"; }
}

for seed in master:31 backup:30; do
  role=${seed%%:*} line=${seed##*:}
  f="$FIXTURES/seed-$role.conf"
  expect_run "seed-$role" 0 config check "$f"
  expect_line "seed-$role" err "$f:$line:13: nb_get_retry: warning: deprecated alias of 'retry'; taken as 'retry 3'"
  [ ! -s "$TMP/seed-$role.out" ] || fail "seed-$role: unexpected stdout"
done

# --json prints the parsed model on stdout.
expect_run json 0 config check --json "$FIXTURES/seed-master.conf"
python3 - "$TMP/json.out" <<'PY' || fail "json: model not as expected"
import json, sys
c = json.load(open(sys.argv[1]))
vi = c["vrrp_instances"][0]
assert vi["virtual_router_id"] == 51 and vi["priority"] == 100 and vi["initial_state"] == "MASTER"
assert vi["advert_int_ms"] == 1000
vs = c["virtual_servers"][0]
assert vs["lb_kind"] == "DR" and vs["lb_algo"] == "rr" and vs["delay_loop_ms"] == 6000
assert [r["address"] for r in vs["real_servers"]] == ["192.168.64.143", "192.168.64.138"]
assert vs["real_servers"][0]["checkers"][0]["retry"] == 3
PY

# A misspelt keyword: keepalived skips it, so the file runs (exit 0) with a warning
# giving file:line:col and the suggestion; --strict refuses it (exit 1).
sed 's/^    priority 100$/    priorty 100/' "$FIXTURES/seed-master.conf" >"$TMP/misspelt.conf"
expect_run misspelt 0 config check "$TMP/misspelt.conf"
expect_line misspelt err "$TMP/misspelt.conf:9:5: priorty: warning: unknown keyword in vrrp_instance; ignored (as keepalived); did you mean 'priority'?"
expect_run misspelt-strict 1 config check --strict "$TMP/misspelt.conf"
expect_line misspelt-strict err "$TMP/misspelt.conf:9:5: priorty: unknown keyword in vrrp_instance; ignored (as keepalived); did you mean 'priority'? [strict]"
expect_run seed-strict 1 config check --strict "$FIXTURES/seed-master.conf"

# What cannot be understood is refused: a keepalived fork's feature, unbalanced braces.
printf 'virtual_server 10.0.0.1 80 {\n  lb_kind FNAT\n}\n' >"$TMP/fnat.conf"
expect_run fnat 1 config check "$TMP/fnat.conf"
expect_line fnat err "$TMP/fnat.conf:2:11: lb_kind: FNAT is a feature of DPVS (a keepalived fork), not of the kernel's IPVS"

# config fix: a unified diff with a reason per hunk that patch(1) applies; --write
# gives the same file (the original kept as .orig), which then passes --strict.
sed -e 's/^    priority 100$/    priorty 100/' -e 's/^    nopreempt$/    nopreempt 1/' \
  -e 's/nb_get_retry/nb_get_retry/' "$FIXTURES/seed-master.conf" >"$TMP/fix.conf"
cp "$TMP/fix.conf" "$TMP/patched.conf"
expect_run fix 0 config fix "$TMP/fix.conf"
expect_line fix out "# 9: misspelt keyword: 'priorty' -> 'priority'"
expect_line fix out "-    priorty 100"
expect_line fix out "+    priority 100"
grep -q "nb_get_retry is retry: 'nb_get_retry' -> 'retry'" "$TMP/fix.out" || fail "fix: nb_get_retry not fixed"
patch -s "$TMP/patched.conf" <"$TMP/fix.out" || fail "fix: patch(1) refused the diff"
expect_run fix-write 0 config fix --write "$TMP/fix.conf"
cmp -s "$TMP/fix.conf" "$TMP/patched.conf" || fail "fix --write differs from the patched file"
[ -f "$TMP/fix.conf.orig" ] || fail "fix --write kept no .orig"
expect_run fix-strict 0 config check --strict "$TMP/fix.conf"

# --config-id picks the "@ID" lines, as keepalived -i.
printf 'global_defs {\n    @lvs1 router_id ONE\n    @lvs2 routr_id TWO\n}\n' >"$TMP/cond.conf"
expect_run cond-lvs1 0 config check --config-id lvs1 "$TMP/cond.conf"
expect_run cond-lvs2 1 config check --strict --config-id lvs2 "$TMP/cond.conf"
expect_line cond-lvs2 err "$TMP/cond.conf:3:11: routr_id: unknown keyword in global_defs; ignored (as keepalived); did you mean 'router_id'? [strict]"
expect_run cond-missing-id 2 config check "$TMP/cond.conf" --config-id

# Usage errors exit 2; an unreadable file is invalid (1).
expect_run no-subcommand 2 config
expect_run bad-option 2 config check --frobnicate
expect_run two-files 2 config check a.conf b.conf
expect_run unknown-command 2 no-such-command
expect_run missing-file 1 config check "$TMP/does-not-exist.conf"
expect_line missing-file err "$TMP/does-not-exist.conf: cannot open '$TMP/does-not-exist.conf': No such file or directory"

[ "$failures" -eq 0 ] && echo "all lvsctl config check tests passed"
exit "$failures"
