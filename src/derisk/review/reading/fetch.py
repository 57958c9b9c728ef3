"""Reading an article from a URL: only when the user turns the network on.

derisk works offline. A URL is fetched only with --allow-network, over http(s) only,
with a size cap and a timeout, and the bytes go through the same reader as a file.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from derisk.errors import InputError

MAX_FETCH_BYTES = 20 * 1024 * 1024
TIMEOUT_S = 20.0


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def fetch(url: str, allow_network: bool) -> tuple[bytes, str]:
    """The response body and a file name that tells its type (.html, .pdf or .txt)."""
    if not allow_network:
        raise InputError(
            "network access is off: derisk fetches nothing unless asked",
            column="PATH",
            expected="a local file, '-' for stdin, or --allow-network to fetch a URL",
            found=url,
        )
    if not is_url(url):
        raise InputError("only http(s) URLs can be fetched", column="PATH", found=url)
    request = urllib.request.Request(url, headers={"User-Agent": "derisk-review"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            body = response.read(MAX_FETCH_BYTES + 1)
            kind = response.headers.get_content_type()
    except (urllib.error.URLError, TimeoutError, ValueError) as err:
        raise InputError(f"could not fetch the URL: {err}", column="PATH", found=url) from None
    if len(body) > MAX_FETCH_BYTES:
        raise InputError(
            "the page is too large", column="PATH", expected=f"<= {MAX_FETCH_BYTES} bytes"
        )
    suffix = ".pdf" if "pdf" in kind else ".html" if "html" in kind else ".txt"
    return body, "article" + suffix
