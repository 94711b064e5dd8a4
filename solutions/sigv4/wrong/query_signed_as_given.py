"""Wrong: the query's names and values are signed as given, not decoded and encoded again.

Fine for a query already in canonical form (what botocore builds for itself), but
"%7e" stays "%7e" instead of "~", lower-case hex stays lower-case, and a raw "+"
stays "+": the server, which canonicalises what it decodes, computes another
signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timezone
from urllib.parse import quote, unquote_to_bytes, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_PRESIGN_EXPIRES = 7 * 24 * 60 * 60  # 604800 seconds
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACES = re.compile(" +")


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.digest(key, msg.encode("utf-8"), "sha256")


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _uri_encode(raw: bytes, safe: str = "") -> str:
    """RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ (and ``safe``)."""
    return quote(raw, safe=safe)


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")."""
    k_date = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    k_region = _hmac(k_date, region)
    k_service = _hmac(k_region, service)
    return _hmac(k_service, "aws4_request")


def _utc(timestamp: datetime) -> datetime:
    if timestamp.tzinfo is None or timestamp.utcoffset() is None:
        raise ValueError("timestamp must be timezone-aware")
    return timestamp.astimezone(timezone.utc)


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _canonical_uri(path: str, service: str) -> str:
    encoded = _uri_encode(unquote_to_bytes(path or "/"), safe="/")
    if service != "s3":
        encoded = _uri_encode(encoded.encode("ascii"), safe="/")  # every other service: twice
    return encoded


def _query_pairs(query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((name, value))
    return pairs


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _canonical_header_value(value: str) -> str:
    """Trimmed, with each run of inner spaces collapsed to one."""
    return _SPACES.sub(" ", value.strip())


def _signature(
    secret_key: str,
    scope_parts: tuple[str, str, str],
    amz_date: str,
    canonical_request: str,
) -> str:
    date, region, service = scope_parts
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, _sha256_hex(canonical_request.encode("utf-8"))]
    )
    key = signing_key(secret_key, date, region, service)
    return _hmac(key, string_to_sign).hex()


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
    """The headers to send: ``headers`` plus Host, X-Amz-Date, (S3) x-amz-content-sha256
    and Authorization."""
    when = _utc(timestamp)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = when.strftime("%Y%m%d")

    out = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date")}
    lower = {k.lower(): k for k in out}
    if "host" not in lower:
        out["Host"] = _host(url)
    out["X-Amz-Date"] = amz_date
    if "x-amz-content-sha256" in lower:
        payload_hash = out[lower["x-amz-content-sha256"]].strip()
    else:
        payload_hash = _sha256_hex(body)
        if service == "s3":
            out["x-amz-content-sha256"] = payload_hash

    canonical = sorted((k.lower(), _canonical_header_value(v)) for k, v in out.items())
    signed_headers = ";".join(name for name, _ in canonical)
    parts = urlsplit(url)
    canonical_request = "\n".join(
        [
            method,
            _canonical_uri(parts.path, service),
            _canonical_query(_query_pairs(parts.query)),
            "".join(f"{name}:{value}\n" for name, value in canonical),
            signed_headers,
            payload_hash,
        ]
    )
    signature = _signature(secret_key, (date, region, service), amz_date, canonical_request)
    out["Authorization"] = (
        f"{ALGORITHM} Credential={access_key}/{date}/{region}/{service}/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return out


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
    """``url`` with the X-Amz-* query parameters that authenticate it for ``expires`` seconds."""
    if not 1 <= expires <= MAX_PRESIGN_EXPIRES:
        raise ValueError(f"expires must be in 1..{MAX_PRESIGN_EXPIRES} seconds, got {expires}")
    when = _utc(timestamp)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    date = when.strftime("%Y%m%d")
    parts = urlsplit(url)
    host = _host(url)

    auth_params = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{date}/{region}/{service}/aws4_request",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host",
    }
    pairs = _query_pairs(parts.query)
    pairs += [(name, _uri_encode(value.encode("utf-8"))) for name, value in auth_params.items()]
    query = _canonical_query(pairs)
    payload_hash = UNSIGNED_PAYLOAD if service == "s3" else _sha256_hex(b"")
    canonical_request = "\n".join(
        [
            method,
            _canonical_uri(parts.path, service),
            query,
            f"host:{host}\n",
            "host",
            payload_hash,
        ]
    )
    signature = _signature(secret_key, (date, region, service), amz_date, canonical_request)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}?{query}&X-Amz-Signature={signature}"
