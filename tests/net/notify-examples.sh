#!/bin/sh
# SPDX-License-Identifier: MIT
# The ready-made notifiers of doc/monitoring.md, taken from the guide and run
# by mailoauth as each account's notify_command when its sign-in is revoked
# and when it works again: mail through sendmail (a fake sendmail in place
# of /usr/sbin/sendmail records argv and the message), a desktop
# notification (a fake notify-send first in PATH), and the webhook with the
# real curl against a local HTTP listener.  What each sends is what the
# guide promises; no secret is in their argv, input or environment.
. "${top_srcdir:-.}/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/e2e.sh"
command -v curl > /dev/null 2>&1 || tap_skip_all "curl is not installed"
e2e_setup --no-dovecot
GUIDE=$top_srcdir/doc/monitoring.md
B=$W/bin
mkdir -p "$B"
# die WHAT — a failed prerequisite of the stand: fail and stop.
die() {
	tap_ok 1 "$1"
	tap_done
	exit 1
}

# notifier NAME — the guide's ```sh block whose second line names
# .../mailoauth-notify-NAME.
notifier() {
	awk -v want="mailoauth-notify-$1" '
		$0 == "```sh" { inblock = 1; n = 0; keep = 0; next }
		inblock && /^```/ { inblock = 0; if (keep) exit; next }
		inblock { n++; lines[n] = $0
			if (n == 2 && index($0, "/" want) > 0 && lines[1] == "#!/bin/sh") keep = 1 }
		END { if (keep) for (i = 1; i <= n; i++) print lines[i] }' "$GUIDE"
}
for n in mail desktop webhook; do
	notifier $n > "$B/notify-$n"
	chmod 755 "$B/notify-$n"
done
# The mail notifier's sendmail is the fake one (nothing else changed).
grep -c '/usr/sbin/sendmail' "$B/notify-mail" > "$W/n" && [ "$(cat "$W/n")" -eq 1 ] &&
	sed -i "s|/usr/sbin/sendmail|$B/sendmail|" "$B/notify-mail" &&
	[ -s "$B/notify-desktop" ] && grep -q '^exec notify-send ' "$B/notify-desktop" &&
	[ -s "$B/notify-webhook" ] && grep -q '^exec curl ' "$B/notify-webhook"
tap_ok $? "the guide's three notifiers found (mail via /usr/sbin/sendmail, notify-send, curl)"
for n in mail desktop webhook; do
	sh -n "$B/notify-$n"
	tap_ok $? "notify-$n is a valid sh script"
done

# The fakes: what they got, one file per call.
cat > "$B/sendmail" << EOF
#!/bin/sh
n=\$(ls "$W" | grep -c '^sendmail\\.[0-9]*\\.argv\$')
printf '%s\\n' "\$@" > "$W/sendmail.\$n.argv"
cat > "$W/sendmail.\$n.stdin"
env > "$W/sendmail.\$n.env"
EOF
cat > "$B/notify-send" << EOF
#!/bin/sh
n=\$(ls "$W" | grep -c '^notify-send\\.[0-9]*\\.argv\$')
printf '%s\\n' "\$@" > "$W/notify-send.\$n.argv"
env > "$W/notify-send.\$n.env"
EOF
chmod 755 "$B/sendmail" "$B/notify-send"

# A local HTTP listener for the webhook: each POST's path, type and body.
cat > "$W/listener.py" << 'PY'
import http.server, os, sys
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n = len([f for f in os.listdir(out) if f.startswith("hook.")])
        with open(os.path.join(out, "hook.%d" % n), "wb") as f:
            f.write(b"path=" + self.path.encode() + b"\n")
            f.write(b"type=" + (self.headers.get("Content-Type") or "").encode() + b"\n")
            f.write(body)
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(s.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
s.serve_forever()
PY
mkdir -p "$W/hooks"
python3 "$W/listener.py" "$W/hooks" 2> "$W/listener.err" &
e2e_bg $!
wait_for 10 test -s "$W/hooks/port" || die "the HTTP listener did not start"
HOOK=http://127.0.0.1:$(cat "$W/hooks/port")/hooks/mail-alerts

e2e_account mailer notify_command="$B/notify-mail postmaster@contoso.example"
e2e_account desktop notify_command="$B/notify-desktop"
e2e_account hook notify_command="$B/notify-webhook $HOOK"
for a in mailer desktop hook; do
	e2e_import "$a" || die "cannot sign $a in"
done

# The notifiers run with the PATH of the mailoauth command that noticed
# the change (a poll, a sign-in): the fake notify-send first.
PATH=$B:$PATH
export PATH
poll() {
	for a in mailer desktop hook; do
		"$MAILOAUTH_HELPER" --config "$CFG" token "$a" > /dev/null 2>> "$W/poll.err"
	done
}
for a in mailer desktop hook; do
	store_edit "$(store_of "$a")" stale
done
mock_ctl POST /mock/revoke "{\"user\": \"$STAND_USER\", \"code\": 70008}" > /dev/null
poll
poll	# again: no second notification

# --- mail --------------------------------------------------------------------
ls "$W"/sendmail.*.argv > /dev/null 2>&1 && [ "$(ls "$W"/sendmail.*.argv | wc -l)" -eq 1 ]
tap_ok $? "mail: sendmail ran once for the revoked sign-in"
[ "$(cat "$W/sendmail.0.argv" 2>/dev/null)" = "$(printf '%s\n' -i -- postmaster@contoso.example)" ]
tap_ok $? "mail: sendmail -i -- ADDRESS (the notifier's argument)"
sed -n 1p "$W/sendmail.0.stdin" 2>/dev/null | grep -qx 'Subject: mailoauth signin-needed: mailer' &&
	[ -z "$(sed -n 2p "$W/sendmail.0.stdin")" ] &&
	sed -n 3p "$W/sendmail.0.stdin" | grep -q '^mailoauth: account mailer (user@contoso.example) must sign in again: .*AADSTS70008.*Fix: mailoauth authorize mailer$'
tap_ok $? "mail: Subject: mailoauth signin-needed: mailer, a blank line, the message with its fix"

# --- desktop -------------------------------------------------------------------
[ "$(ls "$W"/notify-send.*.argv 2>/dev/null | wc -l)" -eq 1 ] &&
	[ "$(sed -n 1,4p "$W/notify-send.0.argv")" = "$(printf '%s\n' -u critical -a mailoauth)" ] &&
	sed -n 5p "$W/notify-send.0.argv" | grep -qx 'mailoauth: desktop (signin-needed)' &&
	sed -n 6p "$W/notify-send.0.argv" | grep -q '^mailoauth: account desktop (user@contoso.example) must sign in again: .*Fix: mailoauth authorize desktop$'
tap_ok $? "desktop: notify-send -u critical -a mailoauth, title and message, once"

# --- webhook -------------------------------------------------------------------
# form FILE KEY — a field of a URL-encoded body, decoded.
form() {
	python3 -c '
import sys, urllib.parse
body = open(sys.argv[1]).read().split("\n", 2)[2]
print(urllib.parse.parse_qs(body, strict_parsing=True)[sys.argv[2]][0])' "$1" "$2"
}
[ "$(ls "$W"/hooks/hook.* 2>/dev/null | wc -l)" -eq 1 ] &&
	grep -qx 'path=/hooks/mail-alerts' "$W/hooks/hook.0" &&
	grep -qx 'type=application/x-www-form-urlencoded' "$W/hooks/hook.0"
tap_ok $? "webhook: one POST to the URL given, a form"
[ "$(form "$W/hooks/hook.0" event)" = signin-needed ] &&
	[ "$(form "$W/hooks/hook.0" account)" = hook ] &&
	form "$W/hooks/hook.0" text | grep -q '^mailoauth: account hook (user@contoso.example) must sign in again: .*Fix: mailoauth authorize hook$'
tap_ok $? "webhook: event, account and text fields, URL-encoded and decoded intact"

# --- recovered -----------------------------------------------------------------
for a in mailer desktop hook; do
	e2e_import "$a" || tap_diag "cannot sign $a in again"
done
poll
sed -n 1p "$W/sendmail.1.stdin" 2>/dev/null | grep -qx 'Subject: mailoauth recovered: mailer' &&
	grep -q 'works again' "$W/sendmail.1.stdin"
tap_ok $? "mail: recovered"
[ "$(sed -n 2p "$W/notify-send.1.argv" 2>/dev/null)" = normal ] &&
	sed -n 5p "$W/notify-send.1.argv" | grep -qx 'mailoauth: desktop (recovered)'
tap_ok $? "desktop: recovered, with normal urgency"
[ "$(form "$W/hooks/hook.1" event 2>/dev/null)" = recovered ]
tap_ok $? "webhook: recovered"
[ "$(ls "$W"/sendmail.*.argv "$W"/notify-send.*.argv "$W"/hooks/hook.* | wc -l)" -eq 6 ]
tap_ok $? "two notifications per notifier in all"

# --- no secrets ------------------------------------------------------------------
t "nothing secret in what the notifiers got (argv, input, environment, HTTP bodies)" \
	e2e_no_secrets "$W"/sendmail.* "$W"/notify-send.* "$W"/hooks/hook.*
! cat "$W"/sendmail.*.env "$W"/notify-send.*.env |
	grep -v '^\(PATH\|HOME\|USER\|LOGNAME\|LANG\|LC_ALL\|TZ\|DISPLAY\|WAYLAND_DISPLAY\|DBUS_SESSION_BUS_ADDRESS\|XDG_RUNTIME_DIR\|PWD\|SHLVL\|_\|MAILOAUTH_EVENT\|MAILOAUTH_ACCOUNT\|MAILOAUTH_USER\|MAILOAUTH_MESSAGE\)=' | grep -q .
tap_ok $? "their environment: only the documented variables"
tap_done
