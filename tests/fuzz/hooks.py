"""Schemathesis hooks for `make fuzz-api` (SCHEMATHESIS_HOOKS=tests.fuzz.hooks).

One relation between two parts of a request that no JSON Schema can state: a PUT body's
optional ``id`` must be the id in the URL. A generated body that names another id is given the
URL's, so the run tests what the description promises instead of that one known 400.

And a faster way to the same ids: the published id pattern holds character classes of 40
ranges, from which Hypothesis draws a character in about 20 ms. Ids carry the format
``document-id`` beside the pattern; this strategy draws them by Unicode category instead, and
Schemathesis still checks each against the pattern.
"""

from __future__ import annotations

from urllib.parse import unquote

import schemathesis
from hypothesis import strategies as st

NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
]
ID_CHARACTERS = st.characters(
    exclude_categories=("Cc", "Cf", "Co", "Cs", "Zl", "Zp"),
    exclude_characters=["/", "\\", *NONCHARACTERS],
)
SEGMENT = (
    st.text(ID_CHARACTERS, min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda text: text not in ("", ".", ".."))
)
DOCUMENT_ID = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)
schemathesis.openapi.format("document-id", DOCUMENT_ID)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    body = case.body
    if case.method.upper() == "PUT" and isinstance(body, dict) and isinstance(body.get("id"), str):
        url_id = (case.path_parameters or {}).get("id")
        if isinstance(url_id, str):  # percent-encoded by then
            body["id"] = unquote(url_id)
