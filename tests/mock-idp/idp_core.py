# SPDX-License-Identifier: MIT
"""State and rules of the mock Microsoft identity platform (no HTTP here).

Everything mutable lives in one `State` object guarded by one lock; every
public method takes the lock itself.  The HTTP layer (mock_idp.py) parses
requests, calls these methods, and turns `IdpError` into Microsoft's JSON.

Vocabulary:
  app     an app registration (client_id, public/confidential, secret, ...)
  grant   one sign-in: a user's consent for a client, shared by the chain of
          refresh tokens that rotate from it ("family")
  scopes  lists of scope strings as the client sent them; resource scopes are
          full URLs, OIDC scopes are openid/profile/email/offline_access
"""

import copy
import hashlib
import json
import os
import secrets
import threading
import time
import uuid

import idp_assert
from idp_errors import aad, named
from idp_rules import (
    DEFAULT_TENANT, DEFAULT_DOMAIN, DEFAULT_USER, MSA_TENANT, PUBLIC_APP,
    SPECIAL_TENANTS, SERVICE_PERMS, DEFAULT_SEED_SCOPE, DEFAULT_CONFIG,
    APP_DEFAULTS, AUDIENCES, TOKEN_ALPHABET, B64URL_ALPHABET,
    USER_CODE_ALPHABET, default_apps, rand_chars, b64url, split_scopes,
    is_oidc, resource_of, perm_of, scope_key, expand_default, order_scopes,
    user_domain, pkce_ok)


class State:
    """All mock state.  One lock; all methods are thread-safe."""

    def __init__(self, base_apps=None):
        self.lock = threading.RLock()
        self.base_apps = [dict(a) for a in (base_apps or [])]
        self.secrets = []          # ever issued/configured, never forgotten
        self._secret_set = set()
        self.port = 0
        self.reset()

    # -- bookkeeping -----------------------------------------------------

    def reset(self):
        with self.lock:
            self.config = dict(DEFAULT_CONFIG)
            self.apps = {}
            for a in default_apps() + self.base_apps:
                self._put_app(a)
            self.codes = {}        # code -> record
            self.refresh = {}      # refresh token -> record
            self.used_jtis = {}    # client assertion jti -> exp
            self.access = {}       # access token -> record
            self.devices = {}      # device_code -> record
            self.user_codes = {}   # user_code -> device_code
            self.faults = {}       # endpoint -> [fault, ...]
            self.consents = []     # admin consents given
            self.stats = {
                "token": {"refresh_token": 0, "authorization_code": 0,
                          "device_code": 0, "client_credentials": 0,
                          "other": 0, "total": 0},
                "devicecode": 0, "authorize": 0, "introspect": 0,
                "adminconsent": 0, "requests": 0,
                "last_token_request": None,
            }

    def remember_secret(self, s):
        if s and s not in self._secret_set:
            self._secret_set.add(s)
            self.secrets.append(s)

    def count(self, name):
        with self.lock:
            self.stats[name] += 1

    def snapshot_stats(self):
        with self.lock:
            return copy.deepcopy(self.stats)

    def get_secrets(self):
        with self.lock:
            return list(self.secrets)

    def get_refresh_tokens(self):
        with self.lock:
            return list(self.refresh)

    # -- configuration ---------------------------------------------------

    def set_config(self, obj):
        if not isinstance(obj, dict):
            raise ValueError("config must be a JSON object")
        with self.lock:
            for k in obj:
                if k not in DEFAULT_CONFIG:
                    raise ValueError("unknown config key %r" % k)
            for k, v in obj.items():
                if k == "grant_scopes" and isinstance(v, list):
                    v = " ".join(v)
                self.config[k] = v
            return dict(self.config)

    def get_config(self):
        with self.lock:
            return dict(self.config)

    def _put_app(self, a):
        if not isinstance(a, dict) or not a.get("client_id"):
            raise ValueError("an app needs a client_id")
        unknown = set(a) - set(APP_DEFAULTS) - {"client_id"}
        if unknown:
            raise ValueError("unknown app keys: %s" % ", ".join(sorted(unknown)))
        app = copy.deepcopy(APP_DEFAULTS)
        app.update(copy.deepcopy(a))
        if app["audience"] not in AUDIENCES:
            raise ValueError("audience must be one of %s" % ", ".join(AUDIENCES))
        if isinstance(app["redirect_uris"], str):
            app["redirect_uris"] = [app["redirect_uris"]]
        self.apps[app["client_id"]] = app
        self.remember_secret(app.get("secret"))
        return app

    def put_apps(self, obj):
        items = obj if isinstance(obj, list) else [obj]
        with self.lock:
            return [dict(self._put_app(a)) for a in items]

    def list_apps(self):
        with self.lock:
            return [dict(a) for a in self.apps.values()]

    # -- faults ----------------------------------------------------------

    FAULT_ENDPOINTS = ("token", "devicecode", "authorize", "introspect",
                       "adminconsent")

    def add_faults(self, obj):
        items = obj if isinstance(obj, list) else [obj]
        with self.lock:
            for f in items:
                if not isinstance(f, dict):
                    raise ValueError("a fault must be a JSON object")
                ep = f.get("endpoint")
                if ep not in self.FAULT_ENDPOINTS:
                    raise ValueError("fault endpoint must be one of %s"
                                     % ", ".join(self.FAULT_ENDPOINTS))
                n = int(f.get("count", 1))
                q = self.faults.setdefault(ep, [])
                for _ in range(max(n, 0)):
                    q.append(dict(f))
            return {k: len(v) for k, v in self.faults.items()}

    def take_fault(self, endpoint):
        with self.lock:
            q = self.faults.get(endpoint)
            return q.pop(0) if q else None

    def pending_faults(self):
        with self.lock:
            return {k: list(v) for k, v in self.faults.items() if v}

    # -- apps, tenants, clients ------------------------------------------

    def app_for(self, client_id, tenant):
        """Look the app up and apply the audience x tenant-path matrix of
        doc/protocol.md, "Tenants and the app's audience"."""
        app = self.apps.get(client_id)
        if app is None:
            raise aad(700016, client_id=client_id, tenant=tenant)
        aud_ = app["audience"]
        t = tenant.lower()
        if aud_ == "AzureADMyOrg":
            if t == "common":
                raise aad(50194, client_id=client_id)
            if t == "consumers":
                raise aad(9002332, client_id=client_id)
            if t != "organizations" and t not in (
                    app["tenant"].lower(), app["tenant_domain"].lower()):
                raise aad(700016, client_id=client_id, tenant=tenant)
        elif aud_ == "AzureADMultipleOrgs":
            if t == "consumers":
                raise aad(9002332, client_id=client_id)
        return app

    def check_client_auth(self, app, secret, grant, form=None, token_url=None):
        """Client authentication rules of sections 1.4, 1.6 and 3.2; a
        client assertion (certificate credential) is checked by
        idp_assert.check()."""
        assertion = (form or {}).get("client_assertion")
        if app["public"]:
            if secret is not None or assertion is not None:
                raise aad(700025)
            if grant == "client_credentials":
                raise aad(7000218)
            if grant == "device_code" and not app["allow_public_client_flows"]:
                raise aad(7000218)
            return
        if assertion is not None and secret is None:
            idp_assert.check(app, form, token_url, self.used_jtis)
            return
        if secret is None:
            if grant == "device_code" and app["allow_public_client_flows"]:
                return
            raise aad(7000218)
        if not app.get("secret") or not secrets.compare_digest(
                secret.encode(), app["secret"].encode()):
            raise aad(7000215, client_id=app["client_id"])
        if app.get("secret_expired"):
            raise aad(7000222, client_id=app["client_id"])

    def signin_user(self, app, login_hint=None):
        return (app.get("signin_user") or self.config.get("signin_user")
                or login_hint or DEFAULT_USER)

    def user_tenant(self, app, user):
        dom = user_domain(user)
        if dom == app["tenant_domain"].lower():
            return app["tenant"]
        if dom == DEFAULT_DOMAIN:
            return DEFAULT_TENANT
        if dom in ("outlook.com", "hotmail.com", "live.com"):
            return MSA_TENANT
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, dom or "unknown"))

    def granted(self, requested):
        """Scopes the user ends up consenting to: the request, or with
        `grant_scopes` configured, those resource scopes plus the requested
        OIDC scopes."""
        requested = expand_default(requested)
        override = self.config.get("grant_scopes")
        if override is None:
            return order_scopes(requested)
        res = expand_default(split_scopes(override))
        return order_scopes(res + [s for s in requested if is_oidc(s)])

    # -- token minting ---------------------------------------------------

    def _new_access(self, rec):
        size = max(int(self.config.get("token_size") or 1500), 16)
        tok = "EwB" + rand_chars(TOKEN_ALPHABET, size - 3)
        self.access[tok] = rec
        self.remember_secret(tok)
        return tok

    def _new_refresh(self, rec):
        tok = "0.A" + rand_chars(B64URL_ALPHABET, 1120)
        self.refresh[tok] = rec
        self.remember_secret(tok)
        return tok

    def _id_token(self, app, user, tid, nonce, lifetime):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": "mock-key-1"}
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, "oid:" + user.lower()))
        sub = b64url(hashlib.sha256(
            ("%s|%s" % (user.lower(), app["client_id"])).encode()).digest())
        local = user.split("@", 1)[0]
        payload = {
            "aud": app["client_id"],
            "iss": "https://login.microsoftonline.com/%s/v2.0" % tid,
            "iat": now, "nbf": now, "exp": now + lifetime,
            "name": local.replace(".", " ").title() or user,
            "oid": oid,
            "preferred_username": user,
            "email": user,
            "sub": sub,
            "tid": tid,
            "uti": b64url(os.urandom(16)),
            "ver": "2.0",
        }
        if nonce:
            payload["nonce"] = nonce
        tok = ".".join([
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(json.dumps(payload, separators=(",", ":")).encode()),
            b64url(os.urandom(256)),
        ])
        self.remember_secret(tok)
        return tok

    def _issue(self, app, user, tid, grant_scopes, effective, family=None,
               nonce=None, want_refresh=None):
        """Mint tokens for a delegated grant and build the success reply.

        grant_scopes: everything the user consented to (kept in the refresh
                      token, for later subset checks)
        effective:    scopes of this access token (one resource + OIDC)
        """
        lifetime = int(self.config.get("expires_in") or 3599)
        family = family or str(uuid.uuid4())
        eff = order_scopes(effective)
        low = {s.lower() for s in eff}
        if want_refresh is None:
            want_refresh = "offline_access" in {
                s.lower() for s in grant_scopes}
        at_rec = {"user": user, "client_id": app["client_id"], "tid": tid,
                  "scopes": [s for s in eff if not is_oidc(s)],
                  "exp": time.time() + lifetime, "family": family,
                  "app_only": False, "revoked": False}
        reply = {"token_type": "Bearer",
                 "scope": " ".join(eff),
                 "expires_in": lifetime,
                 "ext_expires_in": lifetime,
                 "access_token": self._new_access(at_rec)}
        if want_refresh:
            reply["refresh_token"] = self._new_refresh({
                "user": user, "client_id": app["client_id"], "tid": tid,
                "granted": list(grant_scopes), "family": family,
                "revoked": None, "superseded": False,
                "issued": time.time()})
        if "openid" in low:
            reply["id_token"] = self._id_token(app, user, tid, nonce,
                                               lifetime)
        return reply

    @staticmethod
    def _effective(granted, requested=None, strict_single=False,
                   client_id=""):
        """Scopes for one access token.  With `requested`, every resource
        scope must be among the granted ones (else 65001 consent_required);
        the token is for one resource: the first resource requested (refresh
        rule) or, with strict_single, more than one resource is AADSTS28000
        (code redemption rule)."""
        gkeys = {scope_key(s) for s in granted if not is_oidc(s)}
        src = granted if requested is None else expand_default(requested)
        res = [s for s in src if not is_oidc(s)]
        if requested is not None:
            for s in res:
                if scope_key(s) not in gkeys:
                    raise aad(65001, suberror="consent_required",
                              client_id=client_id)
        resources = []
        for s in res:
            r = resource_of(s)
            if r not in resources:
                resources.append(r)
        if len(resources) > 1 and strict_single and requested is not None:
            raise aad(28000, scope=" ".join(requested))
        first = resources[0] if resources else None
        res = [s for s in res if resource_of(s) == first]
        oidc = [s for s in granted if is_oidc(s)]
        if requested is not None:
            req_low = {s.lower() for s in requested}
            oidc = [s for s in oidc if s.lower() in req_low
                    or s.lower() == "offline_access"]
        return res + oidc

    # -- /authorize ------------------------------------------------------

    def new_code(self, app, user, tid, redirect_uri, scopes, challenge,
                 method, nonce):
        with self.lock:
            code = "1.A" + rand_chars(B64URL_ALPHABET, 760)
            self.codes[code] = {
                "client_id": app["client_id"], "user": user, "tid": tid,
                "redirect_uri": redirect_uri, "scopes": scopes,
                "challenge": challenge, "method": method, "nonce": nonce,
                "exp": time.time() + int(self.config["code_lifetime"]),
                "used": False}
            self.remember_secret(code)
            return code

    def admin_consent(self, app, tenant, scope):
        with self.lock:
            self.consents.append({"client_id": app["client_id"],
                                  "tenant": tenant, "scope": scope})

    # -- /token ----------------------------------------------------------

    def note_token_request(self, grant, form, had_secret):
        with self.lock:
            t = self.stats["token"]
            key = {"authorization_code": "authorization_code",
                   "refresh_token": "refresh_token",
                   "client_credentials": "client_credentials",
                   "urn:ietf:params:oauth:grant-type:device_code":
                   "device_code"}.get(grant, "other")
            t[key] += 1
            t["total"] += 1
            self.stats["last_token_request"] = {
                "grant_type": grant,
                "client_id": form.get("client_id"),
                "had_client_secret": had_secret,
                "scope": form.get("scope"),
                "redirect_uri": form.get("redirect_uri"),
                "code_verifier_present": "code_verifier" in form,
                "client_assertion_type": form.get("client_assertion_type"),
                "assertion": idp_assert.describe(form.get("client_assertion")),
            }
            self.remember_secret(form.get("client_assertion"))
            self.remember_secret(form.get("code_verifier"))

    def redeem_code(self, app, form):
        code = form.get("code")
        if not code:
            raise aad(900144, param="code")
        with self.lock:
            rec = self.codes.get(code)
            if rec is None or rec["client_id"] != app["client_id"]:
                raise aad(9002313)
            if rec["used"]:
                raise aad(54005)
            if time.time() > rec["exp"]:
                raise aad(70008)
            if form.get("redirect_uri") != rec["redirect_uri"]:
                raise aad(500112, redirect_uri=form.get("redirect_uri") or "")
            if rec["challenge"] is not None:
                verifier = form.get("code_verifier")
                if not verifier or not pkce_ok(rec["method"], rec["challenge"],
                                               verifier):
                    raise aad(501481)
            requested = split_scopes(form["scope"]) if form.get("scope") \
                else None
            eff = self._effective(rec["scopes"], requested,
                                  strict_single=True,
                                  client_id=app["client_id"])
            rec["used"] = True
            return self._issue(app, rec["user"], rec["tid"], rec["scopes"],
                               eff, nonce=rec["nonce"])

    def redeem_refresh(self, app, form):
        rt = form.get("refresh_token")
        if not rt:
            raise aad(900144, param="refresh_token")
        with self.lock:
            rec = self.refresh.get(rt)
            if rec is None or rec["client_id"] != app["client_id"]:
                raise aad(9002313)
            if rec["revoked"]:
                raise aad(int(rec["revoked"]))
            if rec["superseded"] and not self.config.get("old_rt_valid", True):
                raise aad(70008)
            requested = split_scopes(form["scope"]) if form.get("scope") \
                else None
            eff = self._effective(rec["granted"], requested,
                                  client_id=app["client_id"])
            reply = self._issue(app, rec["user"], rec["tid"], rec["granted"],
                                eff, family=rec["family"], want_refresh=True)
            rec["superseded"] = True
            return reply

    def client_credentials(self, app, tenant, form):
        if tenant.lower() in SPECIAL_TENANTS:
            raise aad(9001023)
        scope = form.get("scope")
        if not scope:
            raise aad(900144, param="scope")
        scopes = split_scopes(scope)
        if len(scopes) != 1 or perm_of(scopes[0]) != ".default":
            raise aad(1002012, scope=scope)
        res = resource_of(scopes[0])
        if res == "exchange":
            roles = list(app.get("roles") or [])
        elif res == "https://graph.microsoft.com":
            roles = []
        else:
            raise aad(500011, scope=scopes[0], tenant=tenant)
        with self.lock:
            lifetime = int(self.config.get("expires_in") or 3599)
            mailbox = (app.get("app_mailbox") or self.config.get("app_mailbox")
                       or self.signin_user(app))
            tok = self._new_access({
                "user": mailbox, "client_id": app["client_id"],
                "tid": app["tenant"], "scopes": [], "roles": roles,
                "resource": res, "exp": time.time() + lifetime,
                "family": None, "app_only": True, "revoked": False})
            return {"token_type": "Bearer", "expires_in": lifetime,
                    "ext_expires_in": lifetime, "access_token": tok}

    # -- device flow -----------------------------------------------------

    def new_device(self, app, tid, scopes):
        with self.lock:
            dc = "DAQABIQEAAAD" + rand_chars(B64URL_ALPHABET, 300)
            while True:
                uc = rand_chars(USER_CODE_ALPHABET, 9)
                if uc not in self.user_codes:
                    break
            interval = int(self.config["device_interval"])
            expires = int(self.config["device_expires_in"])
            self.devices[dc] = {
                "client_id": app["client_id"], "tid": tid,
                "scopes": scopes, "user_code": uc,
                "created": time.time(), "exp": time.time() + expires,
                "interval": interval, "status": "pending", "user": None,
                "polls": 0, "last_poll": None}
            self.user_codes[uc] = dc
            self.remember_secret(dc)
            uri = "https://127.0.0.1:%d/devicelogin" % self.port
            return {
                "user_code": uc,
                "device_code": dc,
                "verification_uri": uri,
                "expires_in": expires,
                "interval": interval,
                "message": "To sign in, use a web browser to open the page %s"
                           " and enter the code %s to authenticate." % (uri, uc),
            }

    def poll_device(self, app, form):
        dc = form.get("device_code")
        if not dc:
            raise aad(900144, param="device_code")
        with self.lock:
            rec = self.devices.get(dc)
            if rec is None or rec["client_id"] != app["client_id"]:
                raise named("bad_verification_code")
            now = time.time()
            rec["polls"] += 1
            last, rec["last_poll"] = rec["last_poll"], now
            if rec["status"] == "redeemed":
                raise named("device_redeemed")
            if rec["status"] == "expired" or now > rec["exp"]:
                rec["status"] = "expired"
                raise aad(70019)
            if (int(self.config.get("slow_down_from") or 1) <= rec["polls"]
                    <= int(self.config.get("slow_down_polls") or 0)):
                raise named("slow_down")
            if (self.config.get("enforce_interval") and last is not None
                    and now - last < rec["interval"] - 0.05):
                rec["interval"] += 5
                raise named("slow_down")
            if rec["status"] == "denied":
                raise named("authorization_declined")
            if rec["status"] == "pending":
                raise aad(70016)
            # approved
            rec["status"] = "redeemed"
            granted = self.granted(rec["scopes"])
            eff = self._effective(granted)
            return self._issue(app, rec["user"], rec["tid"], granted, eff)

    def device_action(self, obj):
        with self.lock:
            uc = obj.get("user_code")
            if not uc:
                pend = [d for d in self.devices.values()
                        if d["status"] == "pending"]
                if not pend:
                    raise KeyError("no pending device code")
                uc = max(pend, key=lambda d: d["created"])["user_code"]
            dc = self.user_codes.get(uc)
            if dc is None:
                raise KeyError("unknown user_code %s" % uc)
            rec = self.devices[dc]
            action = obj.get("action", "approve")
            if action == "approve":
                app = self.apps.get(rec["client_id"], APP_DEFAULTS)
                rec["status"] = "approved"
                rec["user"] = obj.get("user") or self.signin_user(app)
                if rec["tid"] is None:
                    rec["tid"] = self.user_tenant(app, rec["user"])
            elif action == "deny":
                rec["status"] = "denied"
            elif action == "expire":
                rec["status"] = "expired"
            else:
                raise ValueError("action must be approve, deny or expire")
            return {"user_code": uc, "status": rec["status"],
                    "user": rec["user"]}

    def list_devices(self):
        with self.lock:
            now = time.time()
            return [{"user_code": d["user_code"], "client_id": d["client_id"],
                     "scope": " ".join(d["scopes"]), "status": d["status"],
                     "polls": d["polls"],
                     "expires_in": max(int(d["exp"] - now), 0)}
                    for d in self.devices.values()
                    if d["status"] == "pending" and now <= d["exp"]]

    # -- test hooks --------------------------------------------------------

    def seed(self, obj):
        user = obj.get("user") or DEFAULT_USER
        client_id = obj.get("client_id") or PUBLIC_APP
        with self.lock:
            app = self.apps.get(client_id)
            if app is None:
                raise KeyError("unknown client_id %s" % client_id)
            scopes = order_scopes(expand_default(
                split_scopes(obj.get("scope") or DEFAULT_SEED_SCOPE)
                + ["offline_access"]))
            tid = self.user_tenant(app, user)
            reply = self._issue(app, user, tid, scopes,
                                self._effective(scopes), want_refresh=True)
            return reply

    def revoke(self, obj):
        code = int(obj.get("code", 70008))
        access = bool(obj.get("access", False))
        refresh = bool(obj.get("refresh", True))
        n = 0
        with self.lock:
            families = set()
            if not refresh:
                # Access tokens only, revoked early (the grant stays good):
                # what a mail server sees after "revoke sessions" before the
                # refresh token is touched, or with a copied token store.
                if not obj.get("user"):
                    raise ValueError("refresh: false needs user")
                u = obj["user"].lower()
                na = 0
                for rec in self.access.values():
                    if rec["user"].lower() == u and not rec["app_only"] \
                            and not rec["revoked"]:
                        rec["revoked"] = True
                        na += 1
                return {"revoked_refresh_tokens": 0,
                        "revoked_access_tokens": na}
            if obj.get("refresh_token"):
                rec = self.refresh.get(obj["refresh_token"])
                if rec is None:
                    raise KeyError("unknown refresh_token")
                rec["revoked"] = code
                families.add(rec["family"])
                n = 1
            elif obj.get("user"):
                u = obj["user"].lower()
                for rec in self.refresh.values():
                    if rec["user"].lower() == u and not rec["revoked"]:
                        rec["revoked"] = code
                        families.add(rec["family"])
                        n += 1
            else:
                raise ValueError("revoke needs user or refresh_token")
            na = 0
            if access:
                u = (obj.get("user") or "").lower()
                for rec in self.access.values():
                    if (rec["family"] in families or (
                            u and rec["user"].lower() == u
                            and not rec["app_only"])) and not rec["revoked"]:
                        rec["revoked"] = True
                        na += 1
            return {"revoked_refresh_tokens": n, "revoked_access_tokens": na}

    # -- introspection ---------------------------------------------------

    def introspect(self, token, service):
        """RFC 7662-style answer for Dovecot: active + email, or inactive."""
        with self.lock:
            rec = self.access.get(token) if token else None
            if rec is None and token and " " in token:
                # A '+' that arrived unescaped in the form became a space.
                rec = self.access.get(token.replace(" ", "+"))
            if rec is None or rec["revoked"] or time.time() > rec["exp"]:
                return {"active": False}
            perms = SERVICE_PERMS.get((service or "").lower())
            if rec["app_only"]:
                granted = [r.lower() for r in rec.get("roles", [])] \
                    if rec.get("resource") == "exchange" else []
                if perms and perms[1] not in granted:
                    return {"active": False}
                scope = " ".join(rec.get("roles", []))
            else:
                granted = [perm_of(s) for s in rec["scopes"]
                           if resource_of(s) == "exchange"]
                if perms and perms[0] not in granted:
                    return {"active": False}
                scope = " ".join(rec["scopes"])
            return {"active": True, "email": rec["user"].lower(),
                    "scope": scope, "client_id": rec["client_id"],
                    "exp": int(rec["exp"])}
