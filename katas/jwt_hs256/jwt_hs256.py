"""JWT with HS256 — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- jwt_hs256
"""

from __future__ import annotations

import base64  # noqa: F401
import hashlib  # noqa: F401
import hmac  # noqa: F401
import json  # noqa: F401
import time  # noqa: F401
from typing import Any


class InvalidTokenError(Exception):
    """Base class of every error ``decode`` raises."""


class DecodeError(InvalidTokenError):
    """The token is malformed: wrong shape, bad base64url, JSON that is not an object."""


class InvalidSignatureError(InvalidTokenError):
    """The HMAC-SHA256 signature does not match the header and payload."""


class InvalidAlgorithmError(InvalidTokenError):
    """The header's ``alg`` is not exactly ``"HS256"`` (``"none"`` included)."""


class ExpiredSignatureError(InvalidTokenError):
    """``time.time() >= exp + leeway``."""


class ImmatureSignatureError(InvalidTokenError):
    """``time.time() < nbf - leeway``."""


class InvalidAudienceError(InvalidTokenError):
    """``aud`` does not match the expected audience (or one side lacks it)."""


def encode(payload: dict[str, Any], key: bytes) -> str:
    """Sign ``payload`` as a compact JWS with HS256.

    The header is ``{"alg":"HS256","typ":"JWT"}``; header and payload are
    serialised with ``json.dumps(obj, separators=(",", ":"))`` and
    base64url-encoded without padding; the signature is
    HMAC-SHA256(key, header_segment + "." + payload_segment).
    """
    raise NotImplementedError


def decode(
    token: str,
    key: bytes,
    *,
    leeway: float = 0,
    audience: str | None = None,
) -> dict[str, Any]:
    """Verify ``token`` and return its claims.

    Accepts only ``"alg": "HS256"``; verifies the signature over the received
    segments with a constant-time comparison; then checks ``exp``, ``nbf``
    (with ``leeway`` seconds of slack, clock from ``time.time()``) and ``aud``.

    Raises:
        DecodeError, InvalidAlgorithmError, InvalidSignatureError,
        ExpiredSignatureError, ImmatureSignatureError, InvalidAudienceError:
        see README.md, section "Errors", for which and in what order.
    """
    raise NotImplementedError
