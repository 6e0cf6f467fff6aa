#!/bin/sh
# SPDX-License-Identifier: MIT
# Never fail silently: notify_command once per change of state (a revoked
# grant seen by 300 polls notifies once, and once more when it recovers),
# no secret in its environment, argv or stdin, a time limit; `status`
# predicts the next failure (grant use, the 90-day inactivity limit, the
# client secret's expiry); `check --nagios` in the monitoring-plugins
# format; `status --prometheus` read by the Prometheus client library's own
# parser.  Mock identity platform and a real Dovecot.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/connect/connect-lib.sh"
PROMPY=/usr/bin/python3
$PROMPY -c 'import prometheus_client.parser' 2>/dev/null ||
	tap_skip_all "python3-prometheus-client is not installed (tools/install-deps)"
connect_setup
stand_seed_mail "$STAND_USER" 1 1000
STORE=$STATE/work.json
M() { "$MAILOAUTH_HELPER" --config "$CFG" "$@"; }
count() { grep -c "^event=$1 " "$W/notify.log" 2>/dev/null || true; }
runs() { grep -c '' "$W/notify.log" 2>/dev/null || true; }

{
	echo '#!/bin/sh'
	echo "echo \"event=\$MAILOAUTH_EVENT account=\$MAILOAUTH_ACCOUNT\" >> '$W/notify.log'"
	echo "printf '%s\\n' \"\$MAILOAUTH_MESSAGE\" >> '$W/notify.msg'"
	echo "env > '$W/notify.env'"
	echo "printf '%s\\n' \"\$*\" > '$W/notify.argv'"
	echo "cat > '$W/notify.stdin'"
} > "$W/notify.sh"
chmod 755 "$W/notify.sh"
printf '[defaults]\nnotify_command = %s --from mailoauth\n' "$W/notify.sh" >> "$CFG"

# --- check --nagios -------------------------------------------------------
# The monitoring-plugins output: "SERVICE STATE - text|perfdata", perfdata
# label=value[UOM];[warn];[crit];[min];[max] separated by spaces.
cat > "$W/nagios.py" <<'PY'
import re, sys
line = open(sys.argv[1]).read()
assert line.count("\n") == 1, "one line"
text, perf = line.rstrip("\n").split("|", 1)
assert re.match(r"MAILOAUTH (OK|WARNING|CRITICAL|UNKNOWN) - \S", text), text
item = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=-?[0-9.]+(s|%|B|KB|MB|TB|c)?"
                  r"(;-?[0-9.]*){0,4}$")
for p in perf.split(" "):
    assert item.match(p), p
PY
M check work --protocol imap --nagios > "$W/n.out" 2> "$W/n.err"
st=$?
[ $st -eq 0 ] && grep -q '^MAILOAUTH OK - account work: IMAP works' "$W/n.out"
tap_ok $? "check --nagios: OK, exit 0 (status $st): $(cat "$W/n.out")"
$PROMPY "$W/nagios.py" "$W/n.out"
tap_ok $? "check --nagios: one line, text|perfdata in the monitoring-plugins grammar"
grep -q '|time=[0-9.]*s;;;0 grant_days_left=[0-9]*;14;0$' "$W/n.out"
tap_ok $? "check --nagios: perfdata time in seconds and the grant's days left"

# used_ago SECONDS: the stored grant was last used SECONDS ago.
used_ago() {
	python3 -c '
import json, os, sys, time
p = sys.argv[1]; d = json.load(open(p))
d["refresh_obtained_at"] = int(time.time()) - int(sys.argv[2])
json.dump(d, open(p + ".t", "w")); os.chmod(p + ".t", 0o600); os.rename(p + ".t", p)' "$STORE" "$1"
}

# The grant last used 81 days ago: works, but 9 days left.
used_ago $((81 * 86400 - 3600))
M check work --protocol imap --nagios > "$W/n.out" 2>&1
st=$?
[ $st -eq 1 ] && grep -q '^MAILOAUTH WARNING - account work: IMAP works; the sign-in ends in 9 days unless used' "$W/n.out"
tap_ok $? "check --nagios: WARNING, exit 1, when the 90-day limit is near (status $st): $(cut -c1-100 "$W/n.out")"
$PROMPY "$W/nagios.py" "$W/n.out"
tap_ok $? "check --nagios WARNING: the same grammar"
M status work > "$W/s.out" 2>&1
grep -q '^  grant used:     [0-9T:-]*Z; 9 of the 90 days without use are left' "$W/s.out" &&
	grep -q 'WARNING: .*the sign-in ends after 90 days without use: run `mailoauth refresh work`' "$W/s.out"
tap_ok $? "status: when the grant was last used, days left of the 90, a warning"
M status work --json > "$W/s.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))[0]; assert d["grant_days_left"] == 9 and d["grant_last_used"] > 0' "$W/s.json"
tap_ok $? "status --json: grant_last_used, grant_days_left"
M refresh work 2>> "$W/helper.log"
M check work --protocol imap --nagios > "$W/n.out" 2>&1
tap_ok $? "after a refresh (the grant used again) OK again: $(cut -c1-60 "$W/n.out")"
# Used an hour ago: 89 days 23 hours are left, which is 90 days.
used_ago 3600
M check work --protocol imap --nagios > "$W/n.out" 2>&1
M status work > "$W/s.out" 2>&1
grep -q '^  grant used:     [0-9T:-]*Z; 90 of the 90 days without use are left$' "$W/s.out" &&
	grep -q 'grant_days_left=90;' "$W/n.out"
tap_ok $? "status and check --nagios an hour after the grant was used: 90 days left, not 89"

# A client secret that expires in 5 days (expiry_warning_days 14).
exp=$(date -u -d '+5 days' +%Y-%m-%d)
sed -i "s/^smtp = \(.*\)$/smtp = \1\nclient_secret_expires = $exp/" "$CFG"
M check work --protocol imap --nagios > "$W/n.out" 2>&1
st=$?
[ $st -eq 1 ] && grep -q 'the client secret expires in [45] days' "$W/n.out"
tap_ok $? "check --nagios: WARNING for a client secret near its expiry (status $st)"
M status work > "$W/s.out" 2>&1
grep -q "^  client secret:  expires $exp" "$W/s.out" && grep -q 'WARNING: .*create a new client secret' "$W/s.out"
tap_ok $? "status: the client secret's expiry, and a warning"
: > "$W/notify.log"
M refresh work 2>> "$W/helper.log"
M refresh work 2>> "$W/helper.log"
M refresh work 2>> "$W/helper.log"
[ "$(count credential-expiring)" -eq 1 ] && [ "$(runs)" -eq 1 ] &&
	grep -q "the client secret expires on $exp, in [45] days. Fix: create a new client secret" "$W/notify.msg"
tap_ok $? "credential-expiring: notified once over three refreshes, with the fix"
sed -i '/^client_secret_expires/d' "$CFG"

M check nosuch --nagios > "$W/n.out" 2>&1
st=$?
[ $st -eq 3 ] && grep -q "^MAILOAUTH UNKNOWN - no account 'nosuch'" "$W/n.out"
tap_ok $? "check --nagios: an unknown account is UNKNOWN, exit 3 (status $st)"
printf '[account x\n' > "$W/broken.conf"
"$MAILOAUTH_HELPER" --config "$W/broken.conf" check x --nagios > "$W/n.out" 2>&1
st=$?
[ $st -eq 3 ] && grep -q '^MAILOAUTH UNKNOWN - .*broken.conf' "$W/n.out"
tap_ok $? "check --nagios: a broken configuration is UNKNOWN, exit 3 (status $st)"

# --- notify_command: 300 polls of a revoked grant ----------------------------
: > "$W/notify.log"
: > "$W/notify.msg"
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
store_edit "$STORE" stale
M check work --protocol pop3 --nagios > "$W/n.out" 2>&1
st=$?
[ $st -eq 2 ] && grep -q '^MAILOAUTH CRITICAL - account work: POP3 no token: .*mailoauth authorize work' "$W/n.out"
tap_ok $? "check --nagios: a revoked grant is CRITICAL, exit 2, and says what to run (status $st)"
i=0 fails=0
while [ $i -lt 300 ]; do
	if [ $((i % 2)) -eq 0 ]; then
		M refresh work > /dev/null 2>&1 || fails=$((fails + 1))
	else
		M token work > /dev/null 2>&1 || fails=$((fails + 1))
	fi
	i=$((i + 1))
done
tap_diag "300 polls of the revoked grant (+1 check): $fails failed; notify_command ran $(runs) times"
[ $fails -eq 300 ] && [ "$(count signin-needed)" -eq 1 ] && [ "$(runs)" -eq 1 ]
tap_ok $? "300 polls of a revoked grant: notify_command ran once (signin-needed)"
grep -q 'account work (user@contoso.example) must sign in again: .*AADSTS70008.*Fix: mailoauth authorize work' "$W/notify.msg"
tap_ok $? "MAILOAUTH_MESSAGE says what happened and the command that fixes it"
grep -q '^MAILOAUTH_ACCOUNT=work$' "$W/notify.env" && grep -q '^MAILOAUTH_EVENT=signin-needed$' "$W/notify.env"
tap_ok $? "MAILOAUTH_EVENT and MAILOAUTH_ACCOUNT in its environment"
[ "$(cat "$W/notify.argv")" = "--from mailoauth" ] && [ ! -s "$W/notify.stdin" ]
tap_ok $? "run without a shell: argv as configured, empty stdin"
M status work > "$W/s.out" 2>&1
grep -q '^  last failure:   .*AADSTS70008' "$W/s.out"
tap_ok $? "status: the last failure"
M status --prometheus > "$W/p.prom"
$PROMPY -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
def val(name, **labels):
    for s in fams[name].samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise KeyError(name)
assert val("mailoauth_state", account="work", state="signin-needed") == 1
assert val("mailoauth_state", account="work", state="ok") == 0
assert val("mailoauth_last_error_timestamp_seconds", account="work") > 0' "$W/p.prom"
tap_ok $? "status --prometheus (revoked): signin-needed 1, last error time set"

# It works again: a new sign-in, then 100 more polls.
connect_import work "$STAND_USER"
i=0
while [ $i -lt 50 ]; do
	M token work > /dev/null 2>&1
	M refresh work --if-expiring-within 300 > /dev/null 2>&1
	i=$((i + 1))
done
tap_diag "after recovery and 100 more polls: signin-needed $(count signin-needed), recovered $(count recovered), runs $(runs)"
[ "$(count signin-needed)" -eq 1 ] && [ "$(count recovered)" -eq 1 ] && [ "$(runs)" -eq 2 ]
tap_ok $? "recovery notifies once (recovered); 100 more polls: no more runs"
grep -q 'account work (user@contoso.example) works again' "$W/notify.msg"
tap_ok $? "the recovered message"

# No secret anywhere the notifier sees.
mock_ctl GET /mock/secrets > "$W/secrets.json"
$PROMPY -c '
import json, sys
secrets = [s for s in json.load(open(sys.argv[1])) if len(s) >= 8]
seen = "".join(open(p).read() for p in sys.argv[2:])
bad = [s[:6] for s in secrets if s in seen]
assert secrets and not bad, bad' "$W/secrets.json" "$W/notify.env" "$W/notify.argv" "$W/notify.stdin" "$W/notify.msg"
tap_ok $? "no token, code or secret in the notifier's environment, argv, stdin or message"
! grep -q '^MAILOAUTH_CONFIG\|^MAILOAUTH_HELPER\|^MAILOAUTH_LIBEXECDIR' "$W/notify.env"
tap_ok $? "the notifier gets a clean environment, not ours"

# --- status --prometheus, healthy -------------------------------------------
M status --prometheus > "$W/p.prom"
st=$?
$PROMPY -c '
import sys, time
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
need = ["mailoauth_signed_in", "mailoauth_access_token_expiry_timestamp_seconds",
        "mailoauth_last_refresh_timestamp_seconds", "mailoauth_grant_age_seconds",
        "mailoauth_grant_last_used_timestamp_seconds",
        "mailoauth_last_error_timestamp_seconds", "mailoauth_state"]
for n in need:
    assert n in fams, n
    assert fams[n].type == "gauge", n
    assert fams[n].documentation, n
    assert "# HELP " + n + " " in text and "# TYPE " + n + " gauge" in text, n
def val(name, **labels):
    for s in fams[name].samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise KeyError(name)
now = time.time()
assert val("mailoauth_signed_in", account="work") == 1
assert now < val("mailoauth_access_token_expiry_timestamp_seconds", account="work") < now + 7200
assert 0 <= val("mailoauth_grant_age_seconds", account="work") < 600
assert val("mailoauth_state", account="work", state="ok") == 1' "$W/p.prom"
tap_ok $? "status --prometheus: parsed by prometheus_client, HELP/TYPE gauges, values right (status $st)"

# --- the time limit ---------------------------------------------------------
printf '#!/bin/sh\nsleep 60\n' > "$W/slow.sh"
chmod 755 "$W/slow.sh"
sed -i "s|^notify_command = .*|notify_command = $W/slow.sh|" "$CFG"
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 50173}" > /dev/null
store_edit "$STORE" stale
t0=$(date +%s)
M refresh work > /dev/null 2> "$W/slow.err"
st=$?
t1=$(date +%s)
[ $st -eq 77 ] && [ $((t1 - t0)) -lt 30 ] && grep -q 'notify_command .*slow.sh for signin-needed: killed after 10 s' "$W/slow.err"
tap_ok $? "a notifier that hangs is killed after 10 s, the refresh still answers (status $st, $((t1 - t0)) s)"
tap_done
