"""OAuth 2.0 authorization code flow with PKCE — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- oauth_pkce
"""

from __future__ import annotations

import base64  # noqa: F401
import binascii  # noqa: F401
import hashlib  # noqa: F401
import hmac  # noqa: F401
import re  # noqa: F401
import secrets  # noqa: F401
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode  # noqa: F401


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
    """RFC 7636 §4.1: 43 to 128 characters of ``A-Z a-z 0-9 - . _ ~`` (ASCII only)."""
    raise NotImplementedError


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: ``BASE64URL(SHA256(ASCII(verifier)))`` without ``=`` padding."""
    raise NotImplementedError


class AuthorizationServer:
    """The authorization and token endpoints of one authorization server.

    ``clock`` gives the current time in seconds; codes live ``code_lifetime``
    seconds and access tokens ``token_lifetime`` seconds. The ``plain``
    challenge method is refused unless ``allow_plain`` is true.
    """

    def __init__(
        self,
        clients: Iterable[Client],
        *,
        clock: Callable[[], float] = time.time,
        code_lifetime: float = 60.0,
        token_lifetime: int = 3600,
        allow_plain: bool = False,
    ) -> None:
        raise NotImplementedError

    def authorize(self, params: Mapping[str, str], user: str) -> Response:
        """Answer an authorization request (its decoded query ``params``) that ``user``
        has approved: a 302 to the client's redirect URI with ``code`` (or ``error``)
        and ``state``, or a 400 error page when the client or redirect URI is bad."""
        raise NotImplementedError

    def token(self, form: Mapping[str, str], authorization: str | None = None) -> Response:
        """Answer a token request: ``form`` is the decoded body, ``authorization`` the
        Authorization header's value, if any. 200 with an access token, or an
        RFC 6749 §5.2 error (400, or 401 for ``invalid_client``)."""
        raise NotImplementedError

    def introspect(self, access_token: str) -> dict[str, Any]:
        """RFC 7662: ``{"active": False}``, or the active token's ``client_id``, ``sub``,
        ``exp`` and ``token_type``."""
        raise NotImplementedError
