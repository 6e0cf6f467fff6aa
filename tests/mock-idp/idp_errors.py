# SPDX-License-Identifier: MIT
"""Microsoft identity platform error replies, as the mock sends them.

Shape (doc/protocol.md, "Error replies"):

    HTTP/1.1 400 Bad Request
    { "error": "invalid_grant",
      "error_description": "AADSTS70008: text\\r\\nTrace ID: ...\\r\\n"
                           "Correlation ID: ...\\r\\nTimestamp: 2016-01-09 02:02:12Z",
      "error_codes": [70008],
      "timestamp": "2016-01-09 02:02:12Z",
      "trace_id": "...", "correlation_id": "...",
      "error_uri": "https://login.microsoftonline.com/error?code=70008",
      "suberror": "..."   (only on some interaction-type failures) }

The texts follow Microsoft's published AADSTS messages where they are known;
codes whose pairing with an `error` value is not confirmed are marked "mock
choice" in README.md.
"""

import time
import uuid

# AADSTS code -> default (error, HTTP status, message template).  Templates
# may use {client_id}, {tenant}, {redirect_uri}, {param}, {scope}, {grant}.
AADSTS = {
    28000: ("invalid_scope", 400,
            "Provided value for the input parameter scope is not valid because"
            " it contains more than one resource. Scope {scope} is not valid."),
    50011: ("invalid_request", 400,
            "The redirect URI '{redirect_uri}' specified in the request does not"
            " match the redirect URIs configured for the application"
            " '{client_id}'. Make sure the redirect URI sent in the request"
            " matches one added to your application in the Azure portal."
            " Navigate to https://aka.ms/redirectUriMismatchError to learn more"
            " about how to fix this."),
    50076: ("invalid_grant", 400,
            "Due to a configuration change made by your administrator, or"
            " because you moved to a new location, you must use multi-factor"
            " authentication to access '00000002-0000-0ff1-ce00-000000000000'."),
    50173: ("invalid_grant", 400,
            "The provided grant has expired due to it being revoked, a fresh"
            " auth token is needed. The user might have changed or reset their"
            " password."),
    50194: ("invalid_request", 400,
            "Application '{client_id}' is not configured as a multi-tenant"
            " application. Usage of the /common endpoint is not supported for"
            " such applications created after '10/15/2018'. Use a"
            " tenant-specific endpoint or configure the application to be"
            " multi-tenant."),
    53003: ("interaction_required", 400,
            "Access has been blocked by Conditional Access policies. The access"
            " policy does not allow token issuance."),
    54005: ("invalid_grant", 400,
            "OAuth2 Authorization code was already redeemed, please retry with"
            " a new valid code or use an existing refresh token."),
    65004: ("access_denied", 400,
            "User declined to consent to access the app."),
    65001: ("invalid_grant", 400,
            "The user or administrator has not consented to use the application"
            " with ID '{client_id}'. Send an interactive authorization request"
            " for this user and resource."),
    70000: ("invalid_grant", 400,
            "The request was denied because one or more scopes requested are"
            " unauthorized or expired. The user must first sign in and grant"
            " the client application access to the requested scope."),
    70003: ("unsupported_grant_type", 400,
            "The app requested an unsupported grant type '{grant}'."),
    70008: ("invalid_grant", 400,
            "The provided authorization code or refresh token has expired due"
            " to inactivity. Send a new interactive authorization request for"
            " this user and resource."),
    70011: ("invalid_scope", 400,
            "The provided request must include a 'scope' input parameter. The"
            " provided value for the input parameter 'scope' is not valid."),
    70016: ("authorization_pending", 400,
            "OAuth 2.0 device flow error. Authorization is pending. Continue"
            " polling."),
    70019: ("expired_token", 400,
            "This device code has expired."),
    90033: ("temporarily_unavailable", 503,
            "A transient error has occurred. Please try again."),
    90055: ("temporarily_unavailable", 429,
            "The request is throttled temporarily. Too many requests."),
    500011: ("invalid_resource", 400,
             "The resource principal named {scope} was not found in the tenant"
             " named {tenant}."),
    500112: ("invalid_grant", 400,
             "The reply address '{redirect_uri}' does not match the reply"
             " address provided when requesting Authorization code."),
    501481: ("invalid_grant", 400,
             "The Code_Verifier does not match the code_challenge supplied in"
             " the authorization request."),
    501491: ("invalid_request", 400,
             "Invalid size of Code_Challenge parameter."),
    700016: ("unauthorized_client", 400,
             "Application with identifier '{client_id}' was not found in the"
             " directory '{tenant}'. This can happen if the application has not"
             " been installed by the administrator of the tenant or consented to"
             " by any user in the tenant. You may have sent your authentication"
             " request to the wrong tenant."),
    700021: ("invalid_client", 401,
             "Client assertion application identifier doesn't match"
             " 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials ."),
    700023: ("invalid_client", 401,
             "Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials ."),
    700024: ("invalid_client", 401,
             "Client assertion is not within its valid time range. Current"
             " time: {now}, assertion valid from {nbf}, expiry time of"
             " assertion {exp}. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials ."),
    700027: ("invalid_client", 401, "{message} [Reason - {reason}]"),
    700025: ("invalid_client", 401,
             "Client is public so neither 'client_assertion' nor"
             " 'client_secret' should be presented."),
    700082: ("invalid_grant", 400,
             "The refresh token has expired due to inactivity. The token was"
             " issued on 2024-01-01T00:00:00.0000000Z and was inactive for"
             " 90.00:00:00."),
    900144: ("invalid_request", 400,
             "The request body must contain the following parameter:"
             " '{param}'."),
    1002012: ("invalid_scope", 400,
              "The provided value for scope {scope} is not valid. Client"
              " credential flows must have a scope value with /.default"
              " suffixed to the resource identifier (application ID URI)."),
    7000215: ("invalid_client", 401,
              "Invalid client secret provided. Ensure the secret being sent in"
              " the request is the client secret value, not the client secret"
              " ID, for a secret added to app '{client_id}'."),
    # Refusal of a client assertion whose jti was already used (the mock
    # refuses replays; the text is the mock's own).
    7000274: ("invalid_client", 401,
              "The client assertion with jti '{jti}' was already presented;"
              " sign a new assertion for every request."),
    7000218: ("invalid_client", 401,
              "The request body must contain the following parameter:"
              " 'client_assertion' or 'client_secret'."),
    7000222: ("invalid_client", 401,
              "The provided client secret keys for app '{client_id}' are"
              " expired. Visit the Azure portal to create new keys for your app:"
              " https://aka.ms/NewClientSecret, or consider using certificate"
              " credentials for added security: https://aka.ms/certCreds."),
    9001023: ("invalid_request", 400,
              "The grant type is not supported over the /common or /consumers"
              " endpoints. Please use the /organizations or tenant-specific"
              " endpoint."),
    9002313: ("invalid_grant", 400,
              "Invalid request. Request is malformed or invalid."),
    9002332: ("invalid_request", 400,
              "Application '{client_id}' is configured for use by Azure Active"
              " Directory users only. Please do not use the /consumers endpoint"
              " to serve this request."),
}

# Device-flow and other errors whose `error` differs from the table's default
# for the same code (the table is keyed by code, these by name).
NAMED = {
    "slow_down": (70016, 400,
                  "OAuth 2.0 device flow error. Polling too frequently, slow"
                  " down: wait at least the interval between polls."),
    "authorization_declined": (70000, 400,
                               "The user has declined the authorization"
                               " request."),
    "bad_verification_code": (70000, 400,
                              "Provided grant is invalid or malformed. The"
                              " device_code was not recognized."),
    "device_redeemed": (54005, 400,
                        "OAuth2 device code was already redeemed, please retry"
                        " with a new device code or use an existing refresh"
                        " token."),
}


def ms_timestamp(t=None):
    """Microsoft's error timestamp format: '2016-01-09 02:02:12Z'."""
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(t))


class IdpError(Exception):
    """An OAuth error reply with Microsoft's JSON shape.

    error:   RFC 6749 error code ("invalid_grant", ...)
    code:    AADSTS number
    text:    message after "AADSTSnnnn: "
    status:  HTTP status
    suberror: optional Microsoft sub-error
    headers: extra HTTP headers (e.g. Retry-After)
    """

    def __init__(self, error, code, text, status=400, suberror=None,
                 headers=None):
        super().__init__("%s AADSTS%d" % (error, code))
        self.error = error
        self.code = code
        self.text = text
        self.status = status
        self.suberror = suberror
        self.headers = dict(headers or {})

    def body(self):
        """The JSON object Microsoft sends for this error."""
        trace = str(uuid.uuid4())
        corr = str(uuid.uuid4())
        ts = ms_timestamp()
        desc = ("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\n"
                "Timestamp: %s" % (self.code, self.text, trace, corr, ts))
        obj = {
            "error": self.error,
            "error_description": desc,
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": "https://login.microsoftonline.com/error?code=%d"
                         % self.code,
        }
        if self.suberror:
            obj["suberror"] = self.suberror
        return obj

    def short(self):
        """'AADSTSnnnn: text' (the form used in redirects and HTML pages)."""
        return "AADSTS%d: %s" % (self.code, self.text)


class _Blank(dict):
    """format_map helper: unknown placeholders stay visible."""

    def __missing__(self, key):
        return "{" + key + "}"


def aad(code, error=None, status=None, suberror=None, **fmt):
    """Build the IdpError for AADSTS `code` from the table.

    `error`/`status` override the table's defaults; keyword arguments fill the
    message template.  Unknown codes get a generic text.
    """
    default_error, default_status, template = AADSTS.get(
        code, ("invalid_request", 400, "Error AADSTS%d (injected by the mock)."
               % code))
    text = template.format_map(_Blank(fmt))
    return IdpError(error or default_error, code, text,
                    status or default_status, suberror)


def named(name, **fmt):
    """Build a device-flow style error whose `error` is `name`."""
    code, status, template = NAMED[name]
    error = "invalid_grant" if name == "device_redeemed" else name
    return IdpError(error, code, template.format_map(_Blank(fmt)), status)
