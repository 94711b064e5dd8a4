"""AWS Signature Version 4 — your implementation goes here.

Read README.md in this folder for the spec, then replace each
``raise NotImplementedError`` with working code. Grade it with::

    nox -s grade -- sigv4
"""

from __future__ import annotations

import hashlib  # noqa: F401
import hmac  # noqa: F401
from datetime import datetime
from urllib.parse import quote, unquote_to_bytes, urlsplit  # noqa: F401


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key for one day, region and service.

    ``HMAC(HMAC(HMAC(HMAC("AWS4" + secret_key, date), region), service), "aws4_request")``
    with HMAC-SHA256; ``date`` is ``"YYYYMMDD"``.
    """
    raise NotImplementedError


def sign_request(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    timestamp: datetime,
) -> dict[str, str]:
    """The headers to send with a SigV4-signed request.

    A new dict: ``headers`` (minus any Authorization / X-Amz-Date), plus
    ``Host`` when missing, ``X-Amz-Date``, ``x-amz-content-sha256`` for
    service ``"s3"`` when missing, and ``Authorization``. Every header but
    Authorization is signed.

    Args:
        method: the HTTP method, upper case.
        url: the URL as sent: path and query already percent-encoded.
        headers: the request's headers; not modified.
        body: the request body (``b""`` for none).
        timestamp: the signing time; must be timezone-aware.

    Raises:
        ValueError: ``timestamp`` is naive.
    """
    raise NotImplementedError


def presign_url(
    method: str,
    url: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    service: str,
    timestamp: datetime,
    expires: int,
) -> str:
    """``url`` with the X-Amz-* query parameters that authorise it for ``expires`` seconds.

    The query is returned in canonical (sorted, encoded) form, followed by
    ``&X-Amz-Signature=<signature>``. Only ``host`` is signed; the payload is
    ``UNSIGNED-PAYLOAD`` for S3 and the SHA-256 of ``b""`` otherwise.

    Raises:
        ValueError: ``expires`` outside 1..604800, or ``timestamp`` naive.
    """
    raise NotImplementedError
