"""Loading a JSON payload safely: a size limit, UTF-8, a depth limit, and errors that say what to do."""

from __future__ import annotations

import json

from guestgraph.ingest.readers._errors import ReaderError

MAX_DEPTH = 256


def load_json(data: bytes, *, source: str, max_bytes: int, kind: str, paging_fix: str) -> object:
    """The parsed document; `kind` names what was expected ("an OHIP", "a vendor") in the errors."""
    if len(data) > max_bytes:
        raise ReaderError(
            f"the payload is {len(data):,} bytes, over the {max_bytes:,}-byte limit",
            source=source,
            fix=paging_fix,
        )
    try:
        document: object = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ReaderError(
            f"byte {e.start} is not valid UTF-8", source=source, fix="Send the JSON encoded as UTF-8."
        ) from e
    except json.JSONDecodeError as e:
        raise ReaderError(
            f"the JSON is malformed or truncated ({e.msg})",
            source=source,
            location=f"line {e.lineno}, column {e.colno}",
            fix="Check that the payload was received completely and is valid JSON.",
        ) from e
    except (ValueError, RecursionError) as e:  # over-long integer literals, absurd nesting
        raise ReaderError(
            f"the JSON cannot be read ({type(e).__name__}: {e})",
            source=source,
            fix=f"This is not {kind} payload; check what the sender transmits.",
        ) from e
    check_depth(document, source=source, kind=kind)
    return document


def check_depth(document: object, *, source: str, kind: str) -> None:
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ReaderError(
                f"the JSON nests more than {MAX_DEPTH} levels deep",
                source=source,
                fix=f"This is not {kind} payload; check what the sender transmits.",
            )
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children)
