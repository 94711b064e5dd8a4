"""Correct: codes and tokens stored under their SHA-256 (a database leak reveals no usable
code), the verifier checked against a set of characters, base64 translated to base64url by
hand, the Location rebuilt with urlsplit/urlunsplit, and state kept in per-grant records."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_B64URL = frozenset(string.ascii_letters + string.digits + "-_")
_NO_STORE = (("Content-Type", "application/json"), ("Cache-Control", "no-store"))


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
    """RFC 7636 §4.1."""
    return 43 <= len(verifier) <= 128 and all(c in _UNRESERVED for c in verifier)


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    standard = base64.b64encode(digest).decode("ascii")
    return standard.translate(str.maketrans("+/", "-_")).replace("=", "")


def _key(secret_value: str) -> str:
    return hashlib.sha256(secret_value.encode("utf-8")).hexdigest()


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
        self.clients = {c.client_id: c for c in clients}
        self.clock = clock
        self.code_lifetime = code_lifetime
        self.token_lifetime = token_lifetime
        self.allow_plain = allow_plain
        self.grants: dict[str, dict[str, Any]] = {}  # sha256(code) -> grant
        self.tokens: dict[str, dict[str, Any]] = {}  # sha256(token) -> token record

    def authorize(self, params: Mapping[str, str], user: str) -> Response:
        """Answer an authorization request that ``user`` has approved."""
        params = {k: v for k, v in params.items() if v != ""}  # empty means omitted (§3.1)
        if "client_id" not in params or params["client_id"] not in self.clients:
            return Response(400, {"Content-Type": "application/json"}, {"error": "invalid_client"})
        client = self.clients[params["client_id"]]
        sent = params.get("redirect_uri")
        registered = list(client.redirect_uris)
        if sent is None and len(registered) == 1:
            target = registered[0]
        elif sent is not None and any(sent == uri for uri in registered):
            target = sent
        else:
            return Response(400, {"Content-Type": "application/json"}, {"error": "invalid_request"})

        def back(**values: str) -> Response:
            if "state" in params:
                values["state"] = params["state"]
            parts = urlsplit(target)
            query = "&".join(q for q in (parts.query, urlencode(values)) if q)
            location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
            return Response(302, {"Location": location})

        if "response_type" not in params:
            return back(error="invalid_request")
        if params["response_type"] != "code":
            return back(error="unsupported_response_type")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain")
        if challenge is None:
            return back(error="invalid_request")
        if method == "S256":
            ok = len(challenge) == 43 and set(challenge) <= _B64URL
        elif method == "plain":
            ok = self.allow_plain and is_valid_verifier(challenge)
        else:
            ok = False
        if not ok:
            return back(error="invalid_request")
        code = secrets.token_urlsafe(32)
        self.grants[_key(code)] = {
            "client": client.client_id,
            "redirect_uri": sent,
            "challenge": challenge,
            "method": method,
            "user": user,
            "expires": self.clock() + self.code_lifetime,
            "used": False,
            "tokens": [],
        }
        return back(code=code)

    def token(self, form: Mapping[str, str], authorization: str | None = None) -> Response:
        """Answer a token request."""
        form = {k: v for k, v in form.items() if v != ""}  # empty means omitted (§3.2)
        if authorization is not None and "client_secret" in form:
            return self._error("invalid_request")
        client_id, secret = self._credentials(form, authorization)
        client = self.clients.get(client_id) if client_id is not None else None
        if client is None or not self._secret_ok(client, secret):
            return self._error("invalid_client")
        if "grant_type" not in form:
            return self._error("invalid_request")
        if form["grant_type"] != "authorization_code":
            return self._error("unsupported_grant_type")
        code, verifier = form.get("code"), form.get("code_verifier")
        if code is None or verifier is None or not is_valid_verifier(verifier):
            return self._error("invalid_request")
        grant = self.grants.get(_key(code))
        if grant is None or grant["client"] != client.client_id:
            return self._error("invalid_grant")
        if grant["used"]:
            for token_key in grant["tokens"]:
                self.tokens.pop(token_key, None)
            return self._error("invalid_grant")
        now = self.clock()
        if not now < grant["expires"]:
            return self._error("invalid_grant")
        if grant["redirect_uri"] is not None:
            if "redirect_uri" not in form:
                return self._error("invalid_request")
            if form["redirect_uri"] != grant["redirect_uri"]:
                return self._error("invalid_grant")
        elif "redirect_uri" in form and form["redirect_uri"] != client.redirect_uris[0]:
            return self._error("invalid_grant")
        computed = s256_challenge(verifier) if grant["method"] == "S256" else verifier
        if not hmac.compare_digest(computed.encode(), grant["challenge"].encode()):
            return self._error("invalid_grant")
        grant["used"] = True
        access_token = secrets.token_urlsafe(32)
        self.tokens[_key(access_token)] = {
            "client_id": client.client_id,
            "sub": grant["user"],
            "exp": now + self.token_lifetime,
        }
        grant["tokens"].append(_key(access_token))
        headers = dict(_NO_STORE)
        headers["Pragma"] = "no-cache"
        body = {"access_token": access_token, "token_type": "Bearer"}
        body["expires_in"] = self.token_lifetime
        return Response(200, headers, body)

    @staticmethod
    def _credentials(
        form: Mapping[str, str], authorization: str | None
    ) -> tuple[str | None, str | None]:
        if authorization is None:
            return form.get("client_id"), form.get("client_secret")
        words = authorization.split()
        if len(words) != 2 or words[0].casefold() != "basic":
            return None, None
        try:
            raw = base64.b64decode(words[1], validate=True).decode()
        except (binascii.Error, ValueError):
            return None, None
        if ":" not in raw:
            return None, None
        encoded_id, encoded_secret = raw.split(":", 1)
        client_id = unquote_plus(encoded_id)
        if "client_id" in form and form["client_id"] != client_id:
            return None, None
        return client_id, unquote_plus(encoded_secret)

    @staticmethod
    def _secret_ok(client: Client, presented: str | None) -> bool:
        if client.secret is None or presented is None:
            return client.secret is None and presented is None
        return hmac.compare_digest(presented.encode(), client.secret.encode())

    @staticmethod
    def _error(error: str) -> Response:
        headers = dict(_NO_STORE)
        headers["Pragma"] = "no-cache"
        if error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="oauth"'
            return Response(401, headers, {"error": error})
        return Response(400, headers, {"error": error})

    def introspect(self, access_token: str) -> dict[str, Any]:
        """RFC 7662 §2.2."""
        record = self.tokens.get(_key(access_token))
        if record is None or self.clock() >= record["exp"]:
            return {"active": False}
        return {"active": True, **record, "token_type": "Bearer"}
