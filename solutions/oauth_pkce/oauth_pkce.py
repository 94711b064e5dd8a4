"""OAuth 2.0 authorization code flow with PKCE, server side — reference solution.

The authorization endpoint validates the client and its redirect URI before
anything else (an error about them is shown, never redirected), then answers
by redirecting to that URI with a code or an error. The token endpoint
authenticates the client, then exchanges a single-use, short-lived code for
an access token once the PKCE verifier matches the challenge.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode

_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_TOKEN_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


@dataclass(frozen=True)
class Client:
    """A registered client: confidential when it has a secret, public otherwise."""

    client_id: str
    redirect_uris: tuple[str, ...]
    secret: str | None = None


@dataclass(frozen=True)
class Response:
    """An HTTP response: status, headers, and a JSON body (or ``None``)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None


def is_valid_verifier(verifier: str) -> bool:
    """RFC 7636 §4.1: 43 to 128 characters of ``[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"``."""
    return _VERIFIER.fullmatch(verifier) is not None


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))), without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Code:
    client_id: str
    redirect_uri: str | None  # as sent in the authorization request, None when omitted
    challenge: str
    method: str
    user: str
    expires_at: float
    used: bool = False
    tokens: list[str] = field(default_factory=list)


@dataclass
class _Token:
    client_id: str
    user: str
    expires_at: float
    revoked: bool = False


class AuthorizationServer:
    """The authorization and token endpoints of one authorization server."""

    def __init__(
        self,
        clients: Iterable[Client],
        *,
        clock: Callable[[], float] = time.time,
        code_lifetime: float = 60.0,
        token_lifetime: int = 3600,
        allow_plain: bool = False,
    ) -> None:
        self._clients = {client.client_id: client for client in clients}
        self._clock = clock
        self._code_lifetime = code_lifetime
        self._token_lifetime = token_lifetime
        self._allow_plain = allow_plain
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, _Token] = {}

    # -- authorization endpoint (RFC 6749 §4.1.1, RFC 7636 §4.3) ---------------

    def authorize(self, params: Mapping[str, str], user: str) -> Response:
        """Answer an authorization request that ``user`` has approved."""
        params = _sent(params)
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            return _error_page("invalid_client", "unknown client")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None:
            if len(client.redirect_uris) != 1:
                return _error_page("invalid_request", "redirect_uri is required")
            target = client.redirect_uris[0]
        elif redirect_uri in client.redirect_uris:  # exact string match, RFC 9700 §4.1.3
            target = redirect_uri
        else:
            return _error_page("invalid_request", "redirect_uri is not registered")

        state = params.get("state")
        response_type = params.get("response_type")
        if response_type is None:
            return _redirect(target, state, error="invalid_request")
        if response_type != "code":
            return _redirect(target, state, error="unsupported_response_type")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain")
        if challenge is None:
            return _redirect(target, state, error="invalid_request")
        if method == "S256":
            if not _S256_CHALLENGE.fullmatch(challenge):
                return _redirect(target, state, error="invalid_request")
        elif method == "plain" and self._allow_plain:
            if not is_valid_verifier(challenge):
                return _redirect(target, state, error="invalid_request")
        else:
            return _redirect(target, state, error="invalid_request")

        code = secrets.token_urlsafe(32)
        self._codes[code] = _Code(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            challenge=challenge,
            method=method,
            user=user,
            expires_at=self._clock() + self._code_lifetime,
        )
        return _redirect(target, state, code=code)

    # -- token endpoint (RFC 6749 §4.1.3, §5; RFC 7636 §4.5, §4.6) --------------

    def token(self, form: Mapping[str, str], authorization: str | None = None) -> Response:
        """Answer a token request: ``form`` is the decoded body, ``authorization`` the
        value of the Authorization header, if any."""
        form = _sent(form)
        if authorization is not None and "client_secret" in form:
            return _token_error("invalid_request")  # one authentication method (§2.3)
        client = self._authenticate(form, authorization)
        if client is None:
            return _token_error("invalid_client")

        grant_type = form.get("grant_type")
        if grant_type is None:
            return _token_error("invalid_request")
        if grant_type != "authorization_code":
            return _token_error("unsupported_grant_type")
        code_value = form.get("code")
        verifier = form.get("code_verifier")
        if code_value is None or verifier is None or not is_valid_verifier(verifier):
            return _token_error("invalid_request")

        code = self._codes.get(code_value)
        if code is None or code.client_id != client.client_id:
            return _token_error("invalid_grant")
        if code.used:  # RFC 6749 §4.1.2: deny, and revoke what the code gave
            for token in code.tokens:
                self._tokens[token].revoked = True
            return _token_error("invalid_grant")
        now = self._clock()
        if now >= code.expires_at:
            return _token_error("invalid_grant")
        sent_uri = form.get("redirect_uri")
        if code.redirect_uri is not None and sent_uri is None:
            return _token_error("invalid_request")
        expected_uri = code.redirect_uri or client.redirect_uris[0]
        if sent_uri is not None and sent_uri != expected_uri:
            return _token_error("invalid_grant")
        if code.method == "S256":
            matches = hmac.compare_digest(s256_challenge(verifier), code.challenge)
        else:
            matches = hmac.compare_digest(verifier, code.challenge)
        if not matches:
            return _token_error("invalid_grant")

        code.used = True
        access_token = secrets.token_urlsafe(32)
        self._tokens[access_token] = _Token(client.client_id, code.user, now + self._token_lifetime)
        code.tokens.append(access_token)
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self._token_lifetime,
        }
        return Response(200, dict(_TOKEN_HEADERS), body)

    def _authenticate(self, form: Mapping[str, str], authorization: str | None) -> Client | None:
        """The client the request authenticates as, or ``None`` (RFC 6749 §2.3.1)."""
        if authorization is not None:
            credentials = _basic_credentials(authorization)
            if credentials is None:
                return None
            client_id, secret = credentials
            if form.get("client_id", client_id) != client_id:
                return None
        else:
            client_id = form.get("client_id", "")
            secret = form.get("client_secret")
        client = self._clients.get(client_id)
        if client is None:
            return None
        if client.secret is None:
            return client if secret is None else None
        if secret is None:
            return None
        if not hmac.compare_digest(secret.encode("utf-8"), client.secret.encode("utf-8")):
            return None
        return client

    # -- token introspection (RFC 7662 §2.2) -------------------------------------

    def introspect(self, access_token: str) -> dict[str, Any]:
        """``{"active": False}``, or the active token's client, user and expiry."""
        token = self._tokens.get(access_token)
        if token is None or token.revoked or self._clock() >= token.expires_at:
            return {"active": False}
        return {
            "active": True,
            "client_id": token.client_id,
            "sub": token.user,
            "exp": token.expires_at,
            "token_type": "Bearer",
        }


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, secret)`` from ``Basic base64(urlencode(id) ":" urlencode(secret))``."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _sent(values: Mapping[str, str]) -> dict[str, str]:
    """RFC 6749 §3.1, §3.2: a parameter sent without a value is treated as omitted."""
    return {name: value for name, value in values.items() if value}


def _error_page(error: str, description: str) -> Response:
    """An error shown to the user: never a redirect (RFC 6749 §4.1.2.1)."""
    body = {"error": error, "error_description": description}
    return Response(400, {"Content-Type": "application/json"}, body)


def _redirect(target: str, state: str | None, **params: str) -> Response:
    """302 to the validated redirect URI, its own query kept (RFC 6749 §3.1.2)."""
    if state is not None:
        params["state"] = state
    separator = "&" if "?" in target else "?"
    return Response(302, {"Location": target + separator + urlencode(params)})


def _token_error(error: str) -> Response:
    """RFC 6749 §5.2: a JSON error; invalid_client is a 401 with a challenge."""
    headers = dict(_TOKEN_HEADERS)
    if error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="oauth"'
        return Response(401, headers, {"error": error})
    return Response(400, headers, {"error": error})
