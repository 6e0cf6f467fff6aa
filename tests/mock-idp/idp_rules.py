# SPDX-License-Identifier: MIT
"""Constants and pure rules of the mock identity platform: default apps and
config, scope handling, redirect-URI matching (Entra's rules), PKCE, random
token material.  No state, no HTTP."""

import base64
import hashlib
import secrets
import uuid
from urllib.parse import urlsplit

DEFAULT_TENANT = "11111111-2222-3333-4444-555555555555"
DEFAULT_DOMAIN = "contoso.example"
DEFAULT_USER = "user@contoso.example"
MSA_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"

PUBLIC_APP = "00000000-0000-0000-0000-00000000a001"
CONFIDENTIAL_APP = "00000000-0000-0000-0000-00000000c001"
CONFIDENTIAL_SECRET = "s3cr3t~Value.with-Chars_"

OIDC_SCOPES = ("offline_access", "openid", "profile", "email")
EXCHANGE_HOSTS = ("outlook.office.com", "outlook.office365.com",
                  "ps.outlook.com")
EXCHANGE_DELEGATED = ("POP.AccessAsUser.All", "IMAP.AccessAsUser.All",
                      "SMTP.Send")
APP_ROLES = ["POP.AccessAsApp", "IMAP.AccessAsApp", "SMTP.SendAsApp"]
SPECIAL_TENANTS = ("common", "organizations", "consumers")

# Per mail protocol: the delegated permission and the application role that
# Exchange requires (X-Dovecot-Auth-Service header value -> names).
SERVICE_PERMS = {
    "pop3": ("pop.accessasuser.all", "pop.accessasapp"),
    "imap": ("imap.accessasuser.all", "imap.accessasapp"),
    "submission": ("smtp.send", "smtp.sendasapp"),
    "smtp": ("smtp.send", "smtp.sendasapp"),
}

DEFAULT_SEED_SCOPE = ("https://outlook.office.com/POP.AccessAsUser.All"
                      " https://outlook.office.com/IMAP.AccessAsUser.All"
                      " https://outlook.office.com/SMTP.Send"
                      " offline_access openid profile email")

DEFAULT_CONFIG = {
    "expires_in": 3599,        # access-token lifetime (s) reported and enforced
    "token_size": 1500,        # access-token length in characters
    "old_rt_valid": True,      # a rotated-away refresh token still works
    "signin_user": None,       # who is signed in at /authorize and /devicelogin
    "slow_down_polls": 0,      # polls slow_down_from..N of each device code: slow_down
    "slow_down_from": 1,       # first poll that slow_down_polls counts from
    "device_interval": 5,      # `interval` in /devicecode replies
    "device_expires_in": 900,  # `expires_in` in /devicecode replies
    "enforce_interval": False,  # slow_down when polled faster than interval
    "grant_scopes": None,      # override granted resource scopes (string)
    "app_mailbox": None,       # mailbox that app-only tokens introspect as
    "code_lifetime": 600,      # authorization-code lifetime (s)
}

APP_DEFAULTS = {
    "name": "mailoauth test app",
    "public": True,
    "secret": None,
    "secret_expired": False,
    "certificates": [],     # PEM certificates (certificate credentials)
    "audience": "AzureADMultipleOrgs",
    "tenant": DEFAULT_TENANT,
    "tenant_domain": DEFAULT_DOMAIN,
    "redirect_uris": ["http://localhost"],
    "allow_public_client_flows": True,
    "signin_user": None,
    "roles": list(APP_ROLES),
    "app_mailbox": None,
}

AUDIENCES = ("AzureADMyOrg", "AzureADMultipleOrgs",
             "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount")

# Characters of opaque access tokens (base64url-like, within RFC 6750 §2.1
# b64token).
TOKEN_ALPHABET = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-._~+/")
B64URL_ALPHABET = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-_")
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def default_apps():
    """The two registrations every fresh mock knows."""
    return [
        {"client_id": PUBLIC_APP, "name": "mailoauth public test app"},
        {"client_id": CONFIDENTIAL_APP, "name": "mailoauth confidential app",
         "public": False, "secret": CONFIDENTIAL_SECRET,
         "allow_public_client_flows": False},
    ]


def rand_chars(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def split_scopes(s):
    return [x for x in (s or "").split(" ") if x]


def is_oidc(scope):
    return scope.lower() in OIDC_SCOPES


def resource_of(scope):
    """Resource a scope belongs to: 'https://host' (lowercase), or None for
    OIDC scopes.  A bare name ('IMAP.AccessAsUser.All') means Microsoft Graph,
    as Entra assumes."""
    if is_oidc(scope):
        return None
    if "://" in scope:
        p = urlsplit(scope)
        host = (p.hostname or "").lower()
        if host in EXCHANGE_HOSTS:
            return "exchange"
        return "%s://%s" % (p.scheme.lower(), host)
    return "https://graph.microsoft.com"


def perm_of(scope):
    """Permission part of a scope, lowercase ('imap.accessasuser.all')."""
    return scope.rsplit("/", 1)[-1].lower()


def scope_key(scope):
    """Comparable identity of a scope: (resource, permission)."""
    return (resource_of(scope), perm_of(scope))


def expand_default(scopes):
    """Delegated `.default` on Exchange = every consented mail permission."""
    out = []
    for s in scopes:
        if perm_of(s) == ".default" and resource_of(s) == "exchange":
            base = s.rsplit("/", 1)[0]
            out.extend("%s/%s" % (base, p) for p in EXCHANGE_DELEGATED)
        else:
            out.append(s)
    return out


def order_scopes(scopes):
    """Resource scopes in request order, then OIDC scopes in Microsoft's
    usual order; duplicates removed (case-insensitive)."""
    seen = set()
    res = []
    for s in scopes:
        if not is_oidc(s) and s.lower() not in seen:
            seen.add(s.lower())
            res.append(s)
    low = {s.lower() for s in scopes}
    res.extend(o for o in OIDC_SCOPES if o in low)
    return res


def user_domain(user):
    return user.rsplit("@", 1)[-1].lower() if "@" in user else ""


def is_guid(s):
    try:
        uuid.UUID(s)
        return True
    except ValueError:
        return False


def redirect_matches(registered, requested):
    """Entra's redirect-URI rule (doc/protocol.md, "Browser sign-in"): scheme,
    host, path (case-sensitive) and query must match exactly; the port is
    ignored for localhost/127.0.0.1; an empty path equals '/'; IPv6 loopback
    is refused."""
    try:
        r = urlsplit(registered)
        q = urlsplit(requested)
        rport, qport = r.port, q.port
    except ValueError:
        return False
    if q.fragment or q.username or q.password or "[" in q.netloc:
        return False
    if r.scheme.lower() != q.scheme.lower() or not q.hostname:
        return False
    if (r.hostname or "").lower() != q.hostname.lower():
        return False
    loopback = q.hostname.lower() in ("localhost", "127.0.0.1")
    if not loopback:
        default = {"http": 80, "https": 443}.get(q.scheme.lower())
        if (rport or default) != (qport or default):
            return False
    if (r.path or "/") != (q.path or "/"):
        return False
    return r.query == q.query


def redirect_base(requested):
    """The redirect URI as Entra sends it back: a missing path becomes '/'."""
    p = urlsplit(requested)
    if not p.path:
        return p._replace(path="/").geturl()
    return requested


def pkce_ok(method, challenge, verifier):
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        return secrets.compare_digest(b64url(digest), challenge)
    return secrets.compare_digest(verifier, challenge)
