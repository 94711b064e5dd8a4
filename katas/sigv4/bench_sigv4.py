"""Timing workload for the AWS Signature Version 4 kata.

The grader calls ``workload(module, n)`` with the implementation's module and
times the callable it returns: n requests signed, each with its own path,
query and body, plus n presigned URLs. Each signature is a fixed amount of
hashing and string building, so the total grows linearly in n.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from types import ModuleType

CREDENTIALS = {
    "access_key": "AKIDEXAMPLE",
    "secret_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "region": "eu-central-1",
    "timestamp": datetime(2024, 3, 1, 8, 30, 15, tzinfo=timezone.utc),
}


def workload(module: ModuleType, n: int) -> Callable[[], None]:
    sign_request = module.sign_request
    presign_url = module.presign_url
    requests = [
        (
            f"https://bucket-{i % 7}.s3.eu-central-1.amazonaws.com/logs/2024/{i}/part%20{i}.gz"
            f"?partNumber={i % 100 + 1}&uploadId=up{i}",
            {"Content-Type": "application/gzip", "x-amz-meta-seq": f"  {i}  of   {n} "},
            bytes(i % 251 for _ in range(64)),
        )
        for i in range(n)
    ]

    def run() -> None:
        for url, headers, body in requests:
            sign_request("PUT", url, headers, body, service="s3", **CREDENTIALS)
            presign_url("GET", url, service="s3", expires=3600, **CREDENTIALS)

    return run
