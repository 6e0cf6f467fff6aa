#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mock_idp.py — a local stand-in for the Microsoft identity platform.

Usage:
  python3 mock_idp.py --state-dir DIR --cert CERT --key KEY [--port 0]
                      [--apps APPS.json]

Serves HTTPS on 127.0.0.1 (port 0 = ephemeral).  Once listening it writes
DIR/pid and then DIR/port (each written to a temp file and renamed: a test may
poll for DIR/port).  Requests are logged to DIR/mock.log without secrets
(method, path without query, status, grant type, client id, AADSTS code).
Python 3 standard library only.  SIGTERM/SIGINT stop it.

Microsoft endpoints ({tenant} = GUID, domain, common, organizations,
consumers; shapes from doc/protocol.md, section 1):
  GET  /{tenant}/oauth2/v2.0/authorize      signed-in user consents -> 302
  POST /{tenant}/oauth2/v2.0/token          authorization_code, refresh_token,
                                            device_code, client_credentials
  POST /{tenant}/oauth2/v2.0/devicecode     device authorization request
  GET  /{tenant}/v2.0/adminconsent          (and /{tenant}/adminconsent)
  GET  /{tenant}/v2.0/.well-known/openid-configuration
  GET  /{tenant}/discovery/v2.0/keys        empty JWKS
  GET  /devicelogin                         a placeholder page
  POST /introspect                          for Dovecot's oauth2 passdb
       form token, client_id, client_secret; header X-Dovecot-Auth-Service
       (pop3|imap|submission) selects the Exchange permission the token
       must carry.  Always HTTP 200: {"active": true, "email": ..., "scope":
       ..., "client_id": ..., "exp": N} or {"active": false}.

Test-control API (JSON in, JSON out; tests only):
  POST /mock/config  merge settings: expires_in, token_size, old_rt_valid,
                     signin_user, slow_down_polls, slow_down_from, device_interval,
                     device_expires_in, enforce_interval, grant_scopes,
                     app_mailbox, code_lifetime.  GET returns them.
  POST /mock/apps    register/replace app registration(s) (object or list):
                     client_id, name, public, secret, secret_expired,
                     audience (AzureADMyOrg|AzureADMultipleOrgs|
                     AzureADandPersonalMicrosoftAccount|
                     PersonalMicrosoftAccount), tenant, tenant_domain,
                     redirect_uris, allow_public_client_flows, signin_user,
                     roles, app_mailbox.  GET lists them.
  POST /mock/seed    {"user", "client_id", "scope"} -> {"refresh_token",
                     "access_token", "expires_in", "scope", "id_token"}:
                     a grant as if the user had signed in (offline_access is
                     implied; the grant_scopes override does not apply).
  POST /mock/revoke  {"user", "code": 70008|50173|700082, "access": bool} or
                     {"refresh_token", "code", "access"}: those refresh tokens
                     now fail with invalid_grant/AADSTS<code>; with "access"
                     their access tokens introspect as inactive too.
                     {"user", "refresh": false}: only U's access tokens
                     are revoked early (they introspect as inactive), the
                     grant stays good.
  POST /mock/fault   {"endpoint": token|devicecode|authorize|introspect|
                     adminconsent, "count": N, "status": S, "retry_after": S,
                     "delay": SECONDS, "body": garbage|huge|empty|<literal>,
                     "error": ..., "aadsts": N, "suberror": ...} (or a list):
                     queued; the next N requests to that endpoint consume
                     one each, in order.  GET lists the queue.
  POST /mock/device  {"user_code" (default: newest pending), "action":
                     approve|deny|expire, "user"}.  GET lists pending codes.
  GET  /mock/stats   counters and last_token_request.
  GET  /mock/secrets every secret ever issued or configured (JSON list).
  GET  /mock/refresh_tokens  every refresh token ever issued (JSON list).
Certificate credentials: an app's "certificates" (PEM list) are what a
client assertion is checked against (idp_assert.py, python3-cryptography).
  POST /mock/reset   back to defaults (secrets list is kept).
See README.md beside this file for the details and the default apps.
"""

import argparse
import html
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote_plus, urlencode, urlsplit

sys.dont_write_bytecode = True          # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from idp_core import State  # noqa: E402
from idp_errors import IdpError, aad  # noqa: E402
from idp_rules import (is_guid, redirect_base, redirect_matches,  # noqa: E402
                       split_scopes)

MAX_BODY = 64 * 1024
HUGE_SIZE = 5 * 1024 * 1024
TOKEN_HEADERS = [("Cache-Control", "no-store, no-cache"),
                 ("Pragma", "no-cache")]
JSON_TYPE = "application/json; charset=utf-8"


class Log:
    """Append-only request log; never given a secret."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", buffering=1, encoding="utf-8")

    def write(self, msg):
        line = "%s %s\n" % (time.strftime("%H:%M:%S"), msg.replace("\n", " "))
        with self.lock:
            self.f.write(line)


class BadRequest(Exception):
    """Client sent something unusable: answered with a plain 4xx."""

    def __init__(self, status, msg):
        super().__init__(msg)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60                   # idle keep-alive / slow client limit

    def version_string(self):
        return "mock-idp"

    # -- plumbing ----------------------------------------------------------

    def setup(self):
        # TLS handshake here, in the connection's own thread.
        self.request.settimeout(self.timeout)
        # Headers and body are separate writes: without NODELAY, Nagle and
        # the client's delayed ACK cost 40 ms per reply.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request = self.server.ssl_ctx.wrap_socket(
            self.request, server_side=True)
        super().setup()

    def log_message(self, fmt, *args):       # silence the default logging
        pass

    def log_error(self, fmt, *args):
        # The default message quotes the request line, which may carry
        # anything (a token sent to the wrong place): log the code only.
        code = args[0] if args and isinstance(args[0], int) else "-"
        self.server.log.write("bad request (HTTP %s)" % code)

    def send_body(self, status, body, ctype=JSON_TYPE, headers=(),
                  close=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._status = status

    def read_body(self):
        """The request body, read once by dispatch() before routing, so
        that a reply sent early (faults, errors) never leaves part of a
        request in a kept-alive connection."""
        return self._body

    def _read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest(411, "chunked bodies are not supported")
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise BadRequest(400, "bad Content-Length")
        if n < 0:
            raise BadRequest(400, "bad Content-Length")
        if n > MAX_BODY:
            if n <= 16 * MAX_BODY:
                # Read and drop it, so that the client sees the answer
                # rather than a connection reset.
                self.rfile.read(n)
            raise BadRequest(413, "request body over 64 KiB")
        return self.rfile.read(n) if n else b""

    def read_form(self):
        """application/x-www-form-urlencoded body as a dict of first values.
        A repeated parameter is an error (RFC 6749 section 3.1)."""
        body = self.read_body()
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip().lower() != "application/x-www-form-urlencoded":
            return {}
        try:
            pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True,
                             strict_parsing=False, max_num_fields=100)
        except (UnicodeDecodeError, ValueError):
            raise aad(9002313)
        for k, v in pairs.items():
            if len(v) > 1:
                raise aad(9002313)
        return {k: v[0] for k, v in pairs.items()}

    def read_json(self):
        body = self.read_body()
        if not body.strip():
            return {}
        try:
            return json.loads(body)
        except ValueError:
            raise BadRequest(400, "body is not JSON")

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        self._status = 0
        self._note = ""
        state = self.server.state
        state.count("requests")
        url = urlsplit(self.path)
        path = url.path
        self._body = None            # None: body not (fully) read
        try:
            self._body = self._read_body()
            self.route(path, url.query)
        except IdpError as e:
            self._note = "%s AADSTS%d" % (e.error, e.code)
            self.send_body(e.status, e.body(),
                           headers=TOKEN_HEADERS + list(e.headers.items()))
        except BadRequest as e:
            self.send_body(e.status, {"error": "bad_request",
                                      "error_description": str(e)},
                           close=self._body is None)
        except (ValueError, KeyError, TypeError) as e:
            if path.startswith("/mock/"):
                self.send_body(400, {"error": str(e)})
            else:
                self.server.log.write("internal error %s" % type(e).__name__)
                self.send_body(500, {"error": "server_error"}, close=True)
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True
        except Exception:
            self.server.log.write("internal error: "
                                  + traceback.format_exc().replace("\n", "|"))
            try:
                self.send_body(500, {"error": "server_error"}, close=True)
            except OSError:
                self.close_connection = True
        finally:
            self.server.log.write("%s %s %s %s" % (
                self.command, path[:200], self._status, self._note))

    # -- routing -----------------------------------------------------------

    def route(self, path, query):
        m = self.command
        parts = [p for p in path.split("/") if p]
        if path.startswith("/mock/"):
            return self.control(m, parts[1] if len(parts) > 1 else "")
        if path == "/introspect" and m == "POST":
            return self.introspect()
        if path == "/devicelogin":
            return self.send_body(200, "<html><body>Device login is done"
                                  " through /mock/device here.</body></html>",
                                  ctype="text/html; charset=utf-8")
        if len(parts) >= 2:
            tenant, rest = parts[0], "/".join(parts[1:])
            if rest == "oauth2/v2.0/token" and m == "POST":
                return self.token(tenant)
            if rest == "oauth2/v2.0/devicecode" and m == "POST":
                return self.devicecode(tenant)
            if rest == "oauth2/v2.0/authorize" and m in ("GET", "HEAD"):
                return self.authorize(tenant, query)
            if rest in ("v2.0/adminconsent", "adminconsent") and m == "GET":
                return self.adminconsent(tenant, query)
            if rest == "v2.0/.well-known/openid-configuration":
                return self.openid_configuration(tenant)
            if rest in ("discovery/v2.0/keys", "discovery/keys"):
                return self.send_body(200, {"keys": []})
        raise BadRequest(404, "no such endpoint")

    # -- fault injection -----------------------------------------------------

    def apply_fault(self, endpoint, redirect=None):
        """Consume one queued fault for `endpoint`.  Returns True when the
        reply has been sent (the caller stops), False to go on normally."""
        f = self.server.state.take_fault(endpoint)
        if f is None:
            return False
        self._note = "fault"
        if f.get("delay"):
            time.sleep(float(f["delay"]))
        actions = ("status", "body", "error", "aadsts", "suberror")
        if not any(f.get(k) is not None for k in actions):
            if f.get("delay"):
                return False                  # a pure delay
            # A bare fault: the user refuses at /authorize, the service is
            # unavailable elsewhere.
            f = dict(f, error="access_denied", aadsts=65004) \
                if endpoint == "authorize" else dict(f, status=503)
        status = f.get("status")
        hdrs = list(TOKEN_HEADERS)
        if f.get("retry_after") is not None:
            hdrs.append(("Retry-After", str(f["retry_after"])))
        elif status == 429:
            hdrs.append(("Retry-After", "60"))
        body = f.get("body")
        if body is not None:
            if body == "garbage":
                data = b"<html>\x00\xff not JSON at all {{{"
            elif body == "huge":
                pad = HUGE_SIZE - 64
                data = (b'{"error":"server_error","error_description":"'
                        + b"x" * pad + b'"}')
            elif body == "empty":
                data = b""
            else:
                data = str(body).encode()
            self.send_body(status or 200, data, headers=hdrs)
            return True
        if f.get("error") or f.get("aadsts"):
            code = int(f.get("aadsts") or 90033)
            err = aad(code, error=f.get("error"), status=status,
                      suberror=f.get("suberror"))
            err.headers.update(dict(hdrs[2:]))
            if redirect is not None:
                return self.redirect_error(redirect, err)
            raise err
        if status:
            if endpoint == "authorize":
                self.send_body(status, "<html><body>Service unavailable"
                               "</body></html>",
                               ctype="text/html; charset=utf-8", headers=hdrs)
                return True
            code = 90055 if status == 429 else 90033
            err = aad(code, status=status,
                      error="temporarily_unavailable" if status in (429, 503)
                      else "server_error")
            err.headers.update(dict(hdrs[2:]))
            raise err
        return False

    # -- Microsoft endpoints ---------------------------------------------------

    def token(self, tenant):
        state = self.server.state
        form = self.read_form()
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        auth = self.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                raw = b64decode(auth[6:].strip(), validate=True).decode()
                cid, _, sec = raw.partition(":")
                client_id = client_id or unquote_plus(cid)
                secret = unquote_plus(sec)
            except (ValueError, UnicodeDecodeError):
                raise aad(9002313)
        grant = form.get("grant_type")
        self._note = grant or ""
        state.note_token_request(grant, form, secret is not None)
        if self.apply_fault("token"):
            return
        if not client_id:
            raise aad(900144, param="client_id")
        if not grant:
            raise aad(900144, param="grant_type")
        kinds = {"authorization_code": "authorization_code",
                 "refresh_token": "refresh_token",
                 "client_credentials": "client_credentials",
                 "urn:ietf:params:oauth:grant-type:device_code":
                 "device_code"}
        kind = kinds.get(grant)
        if kind is None:
            raise aad(70003, grant=grant)
        with state.lock:
            app = state.app_for(client_id, tenant)
            state.check_client_auth(
                app, secret, kind, form,
                "https://%s%s" % (self.headers.get("Host", ""),
                                  self.path.split("?", 1)[0]))
            if kind == "authorization_code":
                reply = state.redeem_code(app, form)
            elif kind == "refresh_token":
                reply = state.redeem_refresh(app, form)
            elif kind == "device_code":
                reply = state.poll_device(app, form)
            else:
                reply = state.client_credentials(app, tenant, form)
        self._note = "%s %s ok" % (grant, client_id)
        self.send_body(200, reply, headers=TOKEN_HEADERS)

    def devicecode(self, tenant):
        state = self.server.state
        state.count("devicecode")
        if self.apply_fault("devicecode"):
            return
        form = self.read_form()
        client_id = form.get("client_id")
        if not client_id:
            raise aad(900144, param="client_id")
        scope = form.get("scope")
        if not scope:
            raise aad(900144, param="scope")
        with state.lock:
            app = state.app_for(client_id, tenant)
            tid = tenant if is_guid(tenant) else None
            reply = state.new_device(app, tid, split_scopes(scope))
        self.send_body(200, reply, headers=TOKEN_HEADERS)

    def query_params(self, query):
        pairs = parse_qs(query, keep_blank_values=True, max_num_fields=100)
        return {k: v[0] for k, v in pairs.items()}

    def error_page(self, err, status=400):
        """What a browser shows when Entra cannot redirect back."""
        self._note = "AADSTS%d page" % err.code
        page = ("<!DOCTYPE html><html><head><title>Sign in to your account"
                "</title></head><body><h1>Sorry, but we're having trouble"
                " signing you in.</h1><p id=\"error\">%s</p></body></html>"
                % html.escape(err.short()))
        self.send_body(status, page, ctype="text/html; charset=utf-8")

    def redirect_to(self, base, params, mode="query"):
        self._status = 302
        sep = "#" if mode == "fragment" else ("&" if "?" in base else "?")
        if mode == "form_post":
            fields = "".join(
                '<input type="hidden" name="%s" value="%s"/>'
                % (html.escape(k), html.escape(v)) for k, v in params)
            page = ("<html><head><title>Working...</title></head><body"
                    " onload=\"document.forms[0].submit()\"><form method=\"POST\""
                    " action=\"%s\">%s</form></body></html>"
                    % (html.escape(base), fields))
            return self.send_body(200, page, ctype="text/html; charset=utf-8")
        loc = base + sep + urlencode(params, quote_via=quote)
        self.send_body(302, "", ctype="text/html; charset=utf-8",
                       headers=[("Location", loc),
                                ("Cache-Control", "no-store, no-cache")])
        return True

    def redirect_error(self, redirect, err):
        base, state_param, mode = redirect
        params = [("error", err.error), ("error_description", err.short())]
        if state_param is not None:
            params.append(("state", state_param))
        self._note = "AADSTS%d redirect" % err.code
        return self.redirect_to(base, params, mode)

    def check_redirect(self, app, q):
        """Validate redirect_uri; failures are pages, never redirects."""
        ru = q.get("redirect_uri")
        if not ru:
            raise aad(900144, param="redirect_uri")
        if not any(redirect_matches(r, ru) for r in app["redirect_uris"]):
            raise aad(50011, redirect_uri=ru, client_id=app["client_id"])
        return ru

    def authorize(self, tenant, query):
        state = self.server.state
        state.count("authorize")
        q = self.query_params(query)
        try:
            client_id = q.get("client_id")
            if not client_id:
                raise aad(900144, param="client_id")
            with state.lock:
                app = state.app_for(client_id, tenant)
            ru = self.check_redirect(app, q)
        except IdpError as e:
            return self.error_page(e)
        mode = q.get("response_mode") or "query"
        if mode not in ("query", "fragment", "form_post"):
            mode = "query"
        redirect = (redirect_base(ru), q.get("state"), mode)
        if self.apply_fault("authorize", redirect):
            return
        try:
            if q.get("response_type") != "code":
                raise IdpError("unsupported_response_type", 700051,
                               "response_type '%s' is not enabled for the"
                               " application." % q.get("response_type", ""))
            scopes = split_scopes(q.get("scope"))
            if not scopes:
                raise aad(900144, param="scope")
            challenge = q.get("code_challenge")
            method = q.get("code_challenge_method")
            if challenge is None and method:
                raise aad(900144, param="code_challenge")
            if challenge is not None:
                method = method or "plain"
                if method not in ("S256", "plain"):
                    raise IdpError("invalid_request", 501471,
                                   "Invalid code_challenge_method '%s'."
                                   % method)
                if not 43 <= len(challenge) <= 128 or (
                        method == "S256" and len(challenge) != 43):
                    raise aad(501491)
            with state.lock:
                user = state.signin_user(app, q.get("login_hint"))
                tid = tenant if is_guid(tenant) else \
                    state.user_tenant(app, user)
                granted = state.granted(scopes)
            code = state.new_code(app, user, tid, ru, granted, challenge,
                                  method if challenge is not None else None,
                                  q.get("nonce"))
        except IdpError as e:
            return self.redirect_error(redirect, e)
        params = [("code", code)]
        if q.get("state") is not None:
            params.append(("state", q["state"]))
        self._note = "code issued"
        self.redirect_to(redirect[0], params, mode)

    def adminconsent(self, tenant, query):
        state = self.server.state
        state.count("adminconsent")
        q = self.query_params(query)
        try:
            client_id = q.get("client_id")
            if not client_id:
                raise aad(900144, param="client_id")
            with state.lock:
                app = state.app_for(client_id, tenant)
            ru = self.check_redirect(app, q)
        except IdpError as e:
            return self.error_page(e)
        redirect = (redirect_base(ru), q.get("state"), "query")
        if self.apply_fault("adminconsent", redirect):
            return
        if tenant.lower() in ("common", "consumers"):
            return self.redirect_error(redirect, IdpError(
                "invalid_request", 90130,
                "Application '%s' is not supported over the /common or"
                " /consumers endpoints. Please use the /organizations or"
                " tenant-specific endpoint." % client_id))
        tid = tenant if is_guid(tenant) else app["tenant"]
        state.admin_consent(app, tid, q.get("scope"))
        params = [("admin_consent", "True"), ("tenant", tid)]
        if q.get("scope"):
            params.append(("scope", q["scope"]))
        if q.get("state") is not None:
            params.append(("state", q["state"]))
        self.redirect_to(redirect[0], params)

    def openid_configuration(self, tenant):
        base = "https://127.0.0.1:%d" % self.server.state.port
        tid = tenant if is_guid(tenant) else "{tenantid}"
        t = tenant
        self.send_body(200, {
            "token_endpoint": "%s/%s/oauth2/v2.0/token" % (base, t),
            "token_endpoint_auth_methods_supported": [
                "client_secret_post", "private_key_jwt",
                "client_secret_basic"],
            "jwks_uri": "%s/%s/discovery/v2.0/keys" % (base, t),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token",
                                         "id_token token"],
            "scopes_supported": ["openid", "profile", "email",
                                 "offline_access"],
            "issuer": "https://login.microsoftonline.com/%s/v2.0" % tid,
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "%s/oidc/userinfo" % base,
            "authorization_endpoint": "%s/%s/oauth2/v2.0/authorize"
                                      % (base, t),
            "device_authorization_endpoint": "%s/%s/oauth2/v2.0/devicecode"
                                             % (base, t),
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": "%s/%s/oauth2/v2.0/logout" % (base, t),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf",
                                 "name", "nonce", "oid", "preferred_username",
                                 "tid", "ver", "email"],
            "kerberos_endpoint": "%s/%s/kerberos" % (base, t),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        }, headers=[("Cache-Control", "max-age=86400, private")])

    def introspect(self):
        state = self.server.state
        state.count("introspect")
        if self.apply_fault("introspect"):
            return
        form = self.read_form()
        service = self.headers.get("X-Dovecot-Auth-Service")
        reply = state.introspect(form.get("token"), service)
        self._note = "%s active=%s" % (service or "-", reply["active"])
        self.send_body(200, reply, headers=[("Cache-Control", "no-store")])

    # -- control API -----------------------------------------------------------

    def control(self, m, what):
        state = self.server.state
        if what == "config":
            if m == "POST":
                return self.send_body(200, state.set_config(self.read_json()))
            return self.send_body(200, state.get_config())
        if what == "apps":
            if m == "POST":
                return self.send_body(200, state.put_apps(self.read_json()))
            return self.send_body(200, state.list_apps())
        if what == "seed" and m == "POST":
            return self.send_body(200, state.seed(self.read_json()))
        if what == "revoke" and m == "POST":
            return self.send_body(200, state.revoke(self.read_json()))
        if what == "fault":
            if m == "POST":
                return self.send_body(200, state.add_faults(self.read_json()))
            return self.send_body(200, state.pending_faults())
        if what == "device":
            if m == "POST":
                try:
                    return self.send_body(200, state.device_action(
                        self.read_json()))
                except KeyError as e:
                    return self.send_body(404, {"error": str(e)})
            return self.send_body(200, state.list_devices())
        if what == "stats":
            return self.send_body(200, state.snapshot_stats())
        if what == "secrets":
            return self.send_body(200, state.get_secrets())
        if what == "refresh_tokens":
            return self.send_body(200, state.get_refresh_tokens())
        if what == "reset" and m == "POST":
            state.reset()
            return self.send_body(200, {"reset": True})
        raise BadRequest(404, "unknown control endpoint")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # TLS handshake failures, resets, timeouts: log one line, go on.
        exc = sys.exc_info()[1]
        self.log.write("connection error %s" % type(exc).__name__)


def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--apps", help="JSON list of app registrations")
    args = ap.parse_args(argv)

    os.makedirs(args.state_dir, exist_ok=True)
    base_apps = []
    if args.apps:
        with open(args.apps) as f:
            base_apps = json.load(f)
        if isinstance(base_apps, dict):
            base_apps = [base_apps]

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(args.cert, args.key)

    server = Server(("127.0.0.1", args.port), Handler)
    server.ssl_ctx = ctx
    server.state = State(base_apps)
    server.state.port = server.server_address[1]
    server.log = Log(os.path.join(args.state_dir, "mock.log"))
    server.log.write("listening on 127.0.0.1:%d" % server.state.port)

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    write_atomic(os.path.join(args.state_dir, "pid"), "%d\n" % os.getpid())
    write_atomic(os.path.join(args.state_dir, "port"),
                 "%d\n" % server.state.port)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.log.write("stopping")
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
