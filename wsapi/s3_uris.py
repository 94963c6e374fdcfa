"""Serverless's S3 artifact forms (`lib/plugins/aws/utils/parse-s3-uri.js`): a `package.artifact` given as
`s3://bucket/key` or an S3 URL is used where it is. Its own module, so that reading a service does not import
the packaging (and build) code."""

from __future__ import annotations

import re
from typing import Optional, Tuple

#: Serverless's S3 artifact forms (`lib/plugins/aws/utils/parse-s3-uri.js`)
S3_URIS = (
    re.compile(r"^s3://(?P<bucket>[^/]+)/(?P<key>.+)"),
    re.compile(r"(?P<bucket>[^/]+)\.s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<key>.+)"),
    re.compile(r"s3([.-][\w\d-]+)?\.amazonaws\.com/(?P<bucket>[^/]+)/(?P<key>.+)"),
)


def parse_s3_uri(value: str) -> Optional[Tuple[str, str]]:
    """(bucket, key) of an artifact given as `s3://bucket/key` or an S3 URL, as Serverless reads it; None for
    anything else (a local file)."""
    for pattern in S3_URIS:
        match = pattern.search(value)
        if match:
            return match.group("bucket"), match.group("key")
    return None
