# SPDX-License-Identifier: MIT
"""Certificate credentials for the mock identity platform: checks a client
assertion (RFC 7523 section 2.2, as Microsoft's identity platform takes it)
against the certificates uploaded to the app registration.

An app's "certificates" is a list of PEM certificates.  The assertion's
JOSE header names its certificate by "x5t#S256" (base64url SHA-256 of the
DER certificate; "x5t", the SHA-1 form, is accepted too); the signature is
RS256 or PS256; aud must be this token endpoint, iss and sub the client ID;
nbf <= now < exp (five minutes of clock skew); each jti is accepted once.
Uses python3-cryptography.
"""

import base64
import hashlib
import json
import time

from idp_errors import aad

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    HAVE_CRYPTOGRAPHY = True
except ImportError:  # the mock still runs; assertions are then refused
    HAVE_CRYPTOGRAPHY = False

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SKEW = 300
BAD_SIG = "Client assertion failed signature validation."
UNREGISTERED = ("The certificate with identifier used to sign the client"
                " assertion is not registered on application.")


def _b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def thumbprints(pem):
    """(x5t#S256, x5t, not_after) of a PEM certificate."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    der = cert.public_bytes(serialization.Encoding.DER)
    return (_b64url(hashlib.sha256(der).digest()),
            _b64url(hashlib.sha1(der).digest()), cert)


def check(app, form, token_url, used_jtis):
    """Raises the AADSTS error Microsoft gives for a bad assertion; returns
    the certificate's x5t#S256 when it is good."""
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise aad(900144, param="client_assertion_type")
    jwt = form.get("client_assertion") or ""
    parts = jwt.split(".")
    if len(parts) != 3 or not HAVE_CRYPTOGRAPHY:
        raise aad(700027, message=BAD_SIG, reason="The assertion is not a signed JWT.")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        sig = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise aad(700027, message=BAD_SIG, reason="The assertion is not a signed JWT.")
    want_s256, want_s1 = header.get("x5t#S256"), header.get("x5t")
    cert = None
    for pem in app.get("certificates") or []:
        s256, s1, c = thumbprints(pem)
        if (want_s256 and want_s256 == s256) or (want_s1 and want_s1 == s1):
            cert = c
            break
    if cert is None:
        raise aad(700027, message=UNREGISTERED,
                  reason="The key was not found., Thumbprint of key used by"
                  " client: '%s'" % (want_s256 or want_s1 or ""))
    signed = (parts[0] + "." + parts[1]).encode()
    alg = header.get("alg")
    pad = {"RS256": padding.PKCS1v15(),
           "PS256": padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                salt_length=32)}.get(alg)
    if pad is None:
        raise aad(700027, message=BAD_SIG,
                  reason="Unsupported signing algorithm '%s'." % alg)
    try:
        cert.public_key().verify(sig, signed, pad, hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        raise aad(700027, message=BAD_SIG,
                  reason="The key was found, but use of the key to"
                  " verify the signature failed.")
    now = int(time.time())
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if (not isinstance(exp, int) or not isinstance(nbf, int)
            or now >= exp + SKEW or now + SKEW < nbf
            or cert.not_valid_after.timestamp() <= now):
        raise aad(700024, now=now, nbf=nbf, exp=exp)
    if claims.get("aud") != token_url:
        raise aad(700023)
    if claims.get("iss") != app["client_id"] or claims.get("sub") != app["client_id"]:
        raise aad(700021)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or jti in used_jtis:
        raise aad(7000274, jti=jti)
    used_jtis[jti] = exp
    for old in [j for j, e in used_jtis.items() if e + SKEW < now]:
        del used_jtis[old]
    return want_s256 or want_s1


def describe(jwt):
    """Header and claims of an assertion, for /mock/stats (None if none)."""
    if not jwt:
        return None
    try:
        h, c = jwt.split(".")[:2]
        return {"header": json.loads(_b64url_decode(h)),
                "claims": json.loads(_b64url_decode(c))}
    except (ValueError, UnicodeDecodeError):
        return {"malformed": True}
