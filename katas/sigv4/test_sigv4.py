"""Tests for the AWS Signature Version 4 kata.

Truth sources:

- AWS General Reference, "Signature Version 4 signing process" (the version
  published until 2023): the signing-key derivation example (secret
  wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam ->
  f4780e2d...) and the IAM ListUsers walk-through (20150830T123600Z ->
  Signature=5d672d79...).
- Amazon S3 API Reference, "Signature Calculations for the Authorization
  Header: Transferring Payload in a Single Chunk": GET Object (f0e8bdb8...),
  PUT Object (98ad7217...), GET Bucket Lifecycle (fea454ca...) and GET Bucket
  List Objects (34b48302...), all with AKIAIOSFODNN7EXAMPLE at 20130524T000000Z.
- Amazon S3 API Reference, "Authenticating Requests: Using Query Parameters":
  the presigned GET of test.txt (aeeed9bb...).
- Requests the documentation does not cover (double encoding outside S3,
  UNSIGNED-PAYLOAD, ports, bodies, duplicate query names, presigning with
  query parameters and for a non-S3 service) were signed with botocore 1.43.11
  (``SigV4Auth``, ``S3SigV4Auth``, ``SigV4QueryAuth``, ``S3SigV4QueryAuth``)
  at 2024-03-01T08:30:15Z with access key AKIDEXAMPLE; its signatures are
  recorded below. The query-order and "+" cases were signed with botocore 1.44.8
  (``SigV4Auth``), same key and time.

Where a documented request is varied in a way the spec says cannot change the
canonical request (header name case, spaces, query order), the expected
signature is the documented one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

import pytest

from sigv4 import presign_url, sign_request, signing_key

UTC = timezone.utc
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

IAM = {
    "access_key": "AKIDEXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "region": "us-east-1",
    "service": "iam",
    "timestamp": datetime(2015, 8, 30, 12, 36, 0, tzinfo=UTC),
}
IAM_URL = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"
IAM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
IAM_SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
IAM_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
    f"SignedHeaders=content-type;host;x-amz-date, Signature={IAM_SIGNATURE}"
)

S3 = {
    "access_key": "AKIAIOSFODNN7EXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "region": "us-east-1",
    "service": "s3",
    "timestamp": datetime(2013, 5, 24, tzinfo=UTC),
}
S3_BUCKET = "https://examplebucket.s3.amazonaws.com"

BOTO_TIME = datetime(2024, 3, 1, 8, 30, 15, tzinfo=UTC)
BOTO = {
    "access_key": "AKIDEXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "timestamp": BOTO_TIME,
}


def signature_of(headers: dict[str, str]) -> str:
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential="), authorization
    return authorization.rsplit("Signature=", 1)[1]


def signed_headers_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0]


def sign_iam(url: str = IAM_URL, headers: dict[str, str] | None = None, **overrides) -> dict:
    if headers is None:
        headers = {"Content-Type": IAM_CONTENT_TYPE}
    return sign_request("GET", url, headers, b"", **{**IAM, **overrides})


# --- Signing ---------------------------------------------------------------------


@pytest.mark.spec("Signing")
def test_signing_key_aws_example() -> None:
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert isinstance(key, bytes) and len(key) == 32
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", (
        "k_date = HMAC('AWS4' + secret, date), then region, then service, then 'aws4_request'"
    )


@pytest.mark.spec("Signing")
@pytest.mark.weight(2)
def test_iam_list_users_example() -> None:
    headers = sign_iam()
    assert headers["Authorization"] == IAM_AUTHORIZATION
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert headers["Host"] == "iam.amazonaws.com"


@pytest.mark.spec("Signing")
def test_timestamp_in_another_zone_is_converted_to_utc() -> None:
    cest = timezone(timedelta(hours=2))
    headers = sign_iam(timestamp=datetime(2015, 8, 30, 14, 36, 0, tzinfo=cest))
    assert headers["X-Amz-Date"] == "20150830T123600Z"
    assert signature_of(headers) == IAM_SIGNATURE


@pytest.mark.spec("Signing")
def test_naive_timestamp_is_rejected() -> None:
    naive = datetime(2015, 8, 30, 12, 36, 0)
    with pytest.raises(ValueError):
        sign_iam(timestamp=naive)
    with pytest.raises(ValueError):
        presign_url("GET", f"{S3_BUCKET}/test.txt", expires=60, **{**S3, "timestamp": naive})


@pytest.mark.spec("Signing")
@pytest.mark.weight(2)
@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "signed", "signature"),
    [
        (
            "GET",
            "/test.txt",
            {"Range": "bytes=0-9"},
            b"",
            "host;range;x-amz-content-sha256;x-amz-date",
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
        (
            "PUT",
            "/test$file.text",
            {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
            b"Welcome to Amazon S3.",
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
        ),
        (
            "GET",
            "/?lifecycle",
            {},
            b"",
            "host;x-amz-content-sha256;x-amz-date",
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
        ),
        (
            "GET",
            "/?max-keys=2&prefix=J",
            {},
            b"",
            "host;x-amz-content-sha256;x-amz-date",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
        ),
    ],
    ids=["get-object", "put-object", "get-bucket-lifecycle", "list-objects"],
)
def test_s3_documentation_examples(method, path, headers, body, signed, signature) -> None:
    result = sign_request(method, S3_BUCKET + path, headers, body, **S3)
    assert signed_headers_of(result) == signed
    assert signature_of(result) == signature


# --- Payload -------------------------------------------------------------------


@pytest.mark.spec("Payload")
def test_s3_put_sends_the_body_hash() -> None:
    result = sign_request(
        "PUT",
        f"{S3_BUCKET}/test$file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        b"Welcome to Amazon S3.",
        **S3,
    )
    # S3 documentation: the SHA-256 of "Welcome to Amazon S3."
    assert result["x-amz-content-sha256"] == (
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    )


@pytest.mark.spec("Payload")
def test_s3_get_sends_the_empty_body_hash() -> None:
    result = sign_request("GET", f"{S3_BUCKET}/test.txt", {"Range": "bytes=0-9"}, b"", **S3)
    assert result["x-amz-content-sha256"] == EMPTY_SHA256


@pytest.mark.spec("Payload")
def test_non_s3_body_is_hashed_into_the_signature() -> None:
    # botocore SigV4Auth: DynamoDB ListTables with a JSON body.
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
    }
    result = sign_request(
        "POST",
        "https://dynamodb.us-west-2.amazonaws.com/",
        headers,
        b'{"Limit": 10}',
        region="us-west-2",
        service="dynamodb",
        **BOTO,
    )
    assert signed_headers_of(result) == "content-type;host;x-amz-date;x-amz-target"
    assert signature_of(result) == (
        "43fdf2aae9bcf5769f4e7d5937b81becc94918b075399e0403c4ad8ae6e0534f"
    ), "the hashed payload is the SHA-256 of the body"
    assert not any(k.lower() == "x-amz-content-sha256" for k in result), "S3 only"


@pytest.mark.spec("Payload")
def test_caller_supplied_unsigned_payload() -> None:
    # botocore S3SigV4Auth with payload signing disabled.
    result = sign_request(
        "PUT",
        "https://examplebucket.s3.eu-west-1.amazonaws.com/big.bin",
        {"Content-Type": "application/octet-stream", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
        b"x" * 10,
        region="eu-west-1",
        service="s3",
        **BOTO,
    )
    assert result["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert signature_of(result) == (
        "4f6843962956fd61f42bed6dc55f7ed576ec1fbf257a968b788bf68afc275348"
    ), "a caller's x-amz-content-sha256 is the hashed payload"


# --- Canonical request ---------------------------------------------------------


@pytest.mark.spec("Canonical request")
def test_query_parameters_are_sorted() -> None:
    reordered = sign_iam("https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers")
    assert signature_of(reordered) == IAM_SIGNATURE, "sort the query parameters by name"
    listing = sign_request("GET", f"{S3_BUCKET}/?prefix=J&max-keys=2", {}, b"", **S3)
    assert signature_of(listing) == (
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    )


@pytest.mark.spec("Canonical request")
def test_query_encoding_and_duplicate_names() -> None:
    # botocore SigV4Auth: unsorted names, an encoded space and slash, and a
    # trimmed header value.
    result = sign_request(
        "GET",
        "https://example.amazonaws.com/?Param2=value2&Param1=value1&Param3=a%20b%2Fc~d",
        {"My-Header1": "  value1  with   spaces  "},
        b"",
        region="us-east-1",
        service="service",
        **BOTO,
    )
    assert signature_of(result) == (
        "01d644468bcfb98752a1cb0e5d9ccca89123b5c1b5314de605be4c105ca977db"
    )


# botocore 1.44.8 SigV4Auth, service "service" in us-east-1, at BOTO_TIME: each query
# below (already in canonical form, which botocore signs as given) and its signature.
ENCODED_ORDER = {
    "encoded-name": (
        "%5B=1&A=2",
        "bf389758324d94506ecbd15380d67a5612e52c58fb56321e7090487673a5abe9",
    ),
    "encoded-value": (
        "a=~&a=%C3%A9",
        "b2a1536339ccf2166f136dcc39dbdc85907eafe70931ca0081f82c853fb2966c",
    ),
    "pair-not-text": (
        "a-b=1&a=2",
        "90ac22df83ab2c23eeaff9c6ed96d9475c0ac7b1065e52296cdb6fa220a10518",
    ),
}


@pytest.mark.spec("Canonical request")
@pytest.mark.parametrize("case", ENCODED_ORDER)
@pytest.mark.parametrize("given", ["as-signed", "reversed"])
def test_query_is_sorted_by_encoded_name_then_value(case: str, given: str) -> None:
    """botocore sorts (encoded name, encoded value) pairs: "%5B" (for "[") before "A",
    "%C3%A9" (for "é") before "~", and ("a", "2") before ("a-b", "1") though "a-b=1" < "a=2"."""
    query, signature = ENCODED_ORDER[case]
    if given == "reversed":
        query = "&".join(reversed(query.split("&")))
    result = sign_request(
        "GET",
        f"https://example.amazonaws.com/?{query}",
        {},
        b"",
        region="us-east-1",
        service="service",
        **BOTO,
    )
    assert signature_of(result) == signature, (
        "sort the pairs by encoded name, then encoded value, compared as pairs"
    )


@pytest.mark.spec("Canonical request")
def test_query_is_decoded_and_encoded_again() -> None:
    """Percent-decode, then URI-encode: "%7e" becomes "~" and "%c3%a9" becomes "%C3%A9",
    so this query signs like its canonical spelling "a=~&a=%C3%A9" (botocore 1.44.8 on that
    spelling: b2a15363...; botocore signs a query as given, so it is fed the canonical one)."""
    result = sign_request(
        "GET",
        "https://example.amazonaws.com/?a=%c3%a9&a=%7e",
        {},
        b"",
        region="us-east-1",
        service="service",
        **BOTO,
    )
    assert signature_of(result) == ENCODED_ORDER["encoded-value"][1], (
        "decode each name and value, then URI-encode it again (unreserved characters plain, "
        "upper-case hex for the rest)"
    )


@pytest.mark.spec("Canonical request")
def test_plus_in_query_is_a_literal_plus() -> None:
    """RFC 3986 §2.2: "+" is a sub-delimiter, not a space (that is HTML form encoding), so it
    is signed as %2B. Truth: botocore 1.44.8 signing the same query spelled "q=a%2Bb" (given
    "q=a+b" itself, botocore signs the raw text: c942e046..., which this spec does not follow;
    a space, "q=a%20b", gives d44b95f2...)."""
    result = sign_request(
        "GET",
        "https://example.amazonaws.com/?q=a+b",
        {},
        b"",
        region="us-east-1",
        service="service",
        **BOTO,
    )
    assert signature_of(result) == (
        "bc084dd4632cd0a632295be5f4611826efe9e827bf8d53c5090cd5ef921effe9"
    ), "a literal + in the query is a plus sign: URI-encode it as %2B, not as a space (%20)"


@pytest.mark.spec("Canonical request")
def test_non_s3_path_is_encoded_twice() -> None:
    # botocore SigV4Auth: "/prod/items/my%20item" is signed as
    # "/prod/items/my%2520item"; "a" repeats, so values are sorted too.
    result = sign_request(
        "GET",
        "https://abc123.execute-api.us-east-1.amazonaws.com/prod/items/my%20item?b=2&a=1&a=0",
        {},
        b"",
        region="us-east-1",
        service="execute-api",
        **BOTO,
    )
    assert signed_headers_of(result) == "host;x-amz-date"
    assert signature_of(result) == (
        "182bb82612288acc28be5e805a178f1f795adc3b6773d05bc5e9e9da5ae60f43"
    ), "outside S3 the canonical URI is URI-encoded twice"


@pytest.mark.spec("Canonical request")
def test_s3_path_is_encoded_once() -> None:
    # botocore S3SigV4Auth: a key with spaces and a non-ASCII character.
    result = sign_request(
        "GET",
        "https://examplebucket.s3.amazonaws.com/photos/my%20cat%20%E2%9C%93.jpg",
        {},
        b"",
        region="us-east-1",
        service="s3",
        **BOTO,
    )
    assert signature_of(result) == (
        "3ab18f9ddd7c7bbe7b367c92e6fc0596f9bb351e0044129459c86bfdbecddcc3"
    ), "S3 paths are URI-encoded once, not twice"


@pytest.mark.spec("Canonical request")
def test_reserved_characters_in_the_s3_path_are_encoded() -> None:
    # The S3 PUT Object example signs "/test%24file.text" whether the URL
    # carries "$" or "%24".
    headers = {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"}
    result = sign_request(
        "PUT", f"{S3_BUCKET}/test%24file.text", headers, b"Welcome to Amazon S3.", **S3
    )
    assert signature_of(result) == (
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


# --- Headers ---------------------------------------------------------------------


@pytest.mark.spec("Headers")
@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": IAM_CONTENT_TYPE},
        {"CONTENT-TYPE": IAM_CONTENT_TYPE},
        {"Content-Type": "  application/x-www-form-urlencoded;    charset=utf-8  "},
    ],
    ids=["lower-case-name", "upper-case-name", "extra-spaces"],
)
def test_header_names_and_spaces_are_normalised(headers: dict[str, str]) -> None:
    result = sign_iam(headers=headers)
    assert signature_of(result) == IAM_SIGNATURE, (
        "canonical headers use lower-case names and trimmed, space-collapsed values"
    )
    assert result[next(iter(headers))] == next(iter(headers.values())), (
        "the caller's header goes out as given"
    )


@pytest.mark.spec("Headers")
def test_returned_headers_and_input_left_alone() -> None:
    given = {"Content-Type": IAM_CONTENT_TYPE}
    result = sign_iam(headers=given)
    assert given == {"Content-Type": IAM_CONTENT_TYPE}, "do not modify the argument"
    assert set(result) == {"Content-Type", "Host", "X-Amz-Date", "Authorization"}
    assert result["Content-Type"] == IAM_CONTENT_TYPE


@pytest.mark.spec("Headers")
def test_caller_host_header_is_used() -> None:
    result = sign_iam(headers={"Content-Type": IAM_CONTENT_TYPE, "host": "iam.amazonaws.com"})
    assert signature_of(result) == IAM_SIGNATURE
    assert [k for k in result if k.lower() == "host"] == ["host"], "no second Host header"


@pytest.mark.spec("Headers")
def test_stale_authorization_and_date_are_replaced() -> None:
    stale = {
        "Content-Type": IAM_CONTENT_TYPE,
        "Authorization": "AWS4-HMAC-SHA256 Credential=old",
        "x-amz-date": "19990101T000000Z",
    }
    result = sign_iam(headers=stale)
    assert result["Authorization"] == IAM_AUTHORIZATION
    assert [k for k in result if k.lower() == "x-amz-date"] == ["X-Amz-Date"]


@pytest.mark.spec("Headers")
@pytest.mark.parametrize("origin", ["https://iam.amazonaws.com:443", "http://iam.amazonaws.com:80"])
def test_default_port_is_left_out_of_host(origin: str) -> None:
    """443 for https and 80 for http are left out, so the host is the documented one."""
    result = sign_iam(f"{origin}/?Action=ListUsers&Version=2010-05-08")
    assert result["Host"] == "iam.amazonaws.com"
    assert signature_of(result) == IAM_SIGNATURE


@pytest.mark.spec("Headers")
def test_other_port_is_part_of_host() -> None:
    # botocore S3SigV4Auth against a local S3-compatible server.
    result = sign_request(
        "GET",
        "http://localhost:9000/bucket/key.txt",
        {},
        b"",
        region="us-east-1",
        service="s3",
        **BOTO,
    )
    assert result["Host"] == "localhost:9000"
    assert signature_of(result) == (
        "872189caa470aa12f00a0473bcf1be7d526970678cfb31c302cd188ed2c239de"
    )


@pytest.mark.spec("Headers")
def test_port_that_is_another_schemes_default_is_part_of_host() -> None:
    """80 is the default for http only: https on port 80 keeps ":80" (a port below the
    scheme's default counts as much as one above). Truth: botocore 1.44.8 S3SigV4Auth."""
    result = sign_request(
        "GET",
        "https://minio.internal:80/bucket/key.txt",
        {},
        b"",
        region="us-east-1",
        service="s3",
        **BOTO,
    )
    assert result["Host"] == "minio.internal:80", "80 is not the default port of https"
    assert signature_of(result) == (
        "a065b5c89f2ec0628d5c9407040ce5574f714e67fc866ae1ca079cbdbc989a50"
    )


# --- Presigned URLs --------------------------------------------------------------


@pytest.mark.spec("Presigned URLs")
@pytest.mark.weight(2)
def test_s3_presigned_url_example() -> None:
    url = presign_url("GET", f"{S3_BUCKET}/test.txt", expires=86400, **S3)
    assert url == (
        "https://examplebucket.s3.amazonaws.com/test.txt"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z"
        "&X-Amz-Expires=86400"
        "&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )


@pytest.mark.spec("Presigned URLs")
def test_presign_keeps_and_sorts_the_urls_own_parameters() -> None:
    # botocore S3SigV4QueryAuth gives the same signature.
    url = presign_url(
        "GET",
        f"{S3_BUCKET}/reports/2024%20Q1.pdf?versionId=3HL4kqtJlcpXroDTDmJ"
        "&response-content-disposition=attachment%3B%20filename%3Dq1.pdf",
        region="us-east-1",
        service="s3",
        expires=3600,
        **BOTO,
    )
    assert url == (
        "https://examplebucket.s3.amazonaws.com/reports/2024%20Q1.pdf"
        "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240301%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20240301T083015Z"
        "&X-Amz-Expires=3600"
        "&X-Amz-SignedHeaders=host"
        "&response-content-disposition=attachment%3B%20filename%3Dq1.pdf"
        "&versionId=3HL4kqtJlcpXroDTDmJ"
        "&X-Amz-Signature=2314cdab60169bfaffd8899a7b426d95e2baa8e51d77b04f0a05bc870c3686f4"
    )


@pytest.mark.spec("Presigned URLs")
def test_presign_for_another_service_signs_the_empty_payload() -> None:
    # botocore SigV4QueryAuth: an RDS IAM authentication token.
    url = presign_url(
        "GET",
        "https://prod-instance.abcdefg.us-east-1.rds.amazonaws.com:5432/"
        "?Action=connect&DBUser=jane_doe",
        region="us-east-1",
        service="rds-db",
        expires=900,
        **BOTO,
    )
    assert url == (
        "https://prod-instance.abcdefg.us-east-1.rds.amazonaws.com:5432/"
        "?Action=connect&DBUser=jane_doe"
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240301%2Fus-east-1%2Frds-db%2Faws4_request"
        "&X-Amz-Date=20240301T083015Z"
        "&X-Amz-Expires=900"
        "&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=3768cc1a8ef86ede2e7cd0346ea21f22085a864f8c521c4b291316582774868f"
    )


@pytest.mark.spec("Presigned URLs")
@pytest.mark.parametrize("expires", [0, -1, 604801])
def test_presign_expiry_out_of_range_is_rejected(expires: int) -> None:
    with pytest.raises(ValueError):
        presign_url("GET", f"{S3_BUCKET}/test.txt", expires=expires, **S3)


@pytest.mark.spec("Presigned URLs")
def test_presign_seven_days_is_the_maximum() -> None:
    url = presign_url("GET", f"{S3_BUCKET}/test.txt", expires=604800, **S3)
    assert "&X-Amz-Expires=604800&" in url


@pytest.mark.spec("Presigned URLs")
def test_presign_one_second_is_the_minimum() -> None:
    url = presign_url("GET", f"{S3_BUCKET}/test.txt", expires=1, **S3)
    assert "&X-Amz-Expires=1&" in url


@pytest.mark.spec("Presigned URLs")
def test_service_is_compared_by_value() -> None:
    """A service name built at run time is not the interned literal "s3": compare with ==."""
    url = presign_url(
        "GET", f"{S3_BUCKET}/test.txt", expires=86400, **{**S3, "service": "".join(["s", "3"])}
    )
    assert url.endswith("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    result = sign_iam(service="".join(["ia", "m"]))
    assert signature_of(result) == IAM_SIGNATURE
    # The S3 documentation's PUT Object: "$" is encoded once, and x-amz-content-sha256 sent.
    result = sign_request(
        "PUT",
        f"{S3_BUCKET}/test$file.text",
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        b"Welcome to Amazon S3.",
        **{**S3, "service": "".join(["s", "3"])},
    )
    assert signature_of(result) == (
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


@pytest.mark.spec("API")
def test_signing_options_are_keyword_only() -> None:
    """The API puts a bare * before access_key: the options cannot be passed by position."""
    assert sign_iam()["Authorization"] == IAM_AUTHORIZATION
    assert presign_url("GET", f"{S3_BUCKET}/test.txt", expires=86400, **S3).endswith(
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
    with pytest.raises(TypeError):
        sign_request("GET", IAM_URL, {}, b"", *IAM.values())  # type: ignore[misc]
    with pytest.raises(TypeError):
        presign_url("GET", f"{S3_BUCKET}/test.txt", *S3.values(), 86400)  # type: ignore[misc]


@pytest.mark.spec("Canonical request")
def test_path_of_a_service_named_after_s3_is_encoded_twice() -> None:
    """Only "s3" itself is encoded once: "service" sorts after "s3" and is still encoded
    twice ("/my%20item" signed as "/my%2520item"). Truth: botocore 1.44.8 SigV4Auth."""
    result = sign_request(
        "GET",
        "https://example.amazonaws.com/my%20item",
        {},
        b"",
        region="us-east-1",
        service="service",
        **BOTO,
    )
    assert signature_of(result) == (
        "2b4496fa9d672dd9452bbfc33db826fa9c0cdf9f18e95e6241598315e7ce7dc2"
    ), "every service but s3 URI-encodes the canonical URI twice"


@pytest.mark.spec("Headers")
def test_no_content_hash_header_for_a_service_named_after_s3() -> None:
    """x-amz-content-sha256 is added for "s3" only, not for "sqs" (which sorts after it).
    Truth: botocore 1.44.8 SigV4Auth, an SQS ListQueues form body."""
    result = sign_request(
        "POST",
        "https://sqs.us-east-1.amazonaws.com/",
        {},
        b"Action=ListQueues",
        region="us-east-1",
        service="sqs",
        **BOTO,
    )
    assert signed_headers_of(result) == "host;x-amz-date"
    assert signature_of(result) == (
        "b718c1571e31267cc141182dca2645180770acba4e90db262c79e4bfcdbbf8fc"
    )


@pytest.mark.spec("Presigned URLs")
def test_presign_for_a_service_named_after_s3_signs_the_empty_payload() -> None:
    """UNSIGNED-PAYLOAD is for "s3" only: a presigned STS GetCallerIdentity (as EKS and Vault
    use) signs the SHA-256 of the empty string. Truth: botocore 1.44.8 SigV4QueryAuth."""
    url = presign_url(
        "GET",
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        region="us-east-1",
        service="sts",
        expires=60,
        **BOTO,
    )
    assert url == (
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15"
        "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIDEXAMPLE%2F20240301%2Fus-east-1%2Fsts%2Faws4_request"
        "&X-Amz-Date=20240301T083015Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
        "&X-Amz-Signature=1d9d380e5c4177af6fa63c9012e2f2c8fe85246dfbb6329a6ad24893b9606fe5"
    )


@pytest.mark.spec("Canonical request")
def test_empty_query_pieces_are_ignored_everywhere() -> None:
    """Empty pieces are skipped wherever they are, not the end of the query."""
    url = "https://iam.amazonaws.com/?&Action=ListUsers&&Version=2010-05-08&"
    assert signature_of(sign_iam(url)) == IAM_SIGNATURE


class _NoOffset(tzinfo):
    """A tzinfo that knows no offset: the datetime is naive in all but name."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.spec("Signing")
def test_timestamp_whose_zone_has_no_offset_is_rejected() -> None:
    """Python's definition: a datetime is aware only if utcoffset() does not return None."""
    with pytest.raises(ValueError):
        sign_iam(timestamp=datetime(2015, 8, 30, 12, 36, 0, tzinfo=_NoOffset()))
