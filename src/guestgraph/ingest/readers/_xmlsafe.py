"""Safe XML parsing (no DTDs, no entities, no external references) and namespace-agnostic lookups.

Vendors send the same OTA elements with the OTA namespace, another namespace or none, inside or
outside a SOAP envelope, sometimes in another letter case; every lookup here therefore goes by
*local* name, compared case-insensitively.
"""

from __future__ import annotations

import codecs
import copy
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError, tostring

import defusedxml
from defusedxml.ElementTree import fromstring

from guestgraph.ingest.readers._errors import ReaderError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 256
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
_DECLARED_ENCODING_TEXT = re.compile(
    r"^(\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"'])[A-Za-z0-9._:-]{1,40}([\"'])"
)
_EXPAT_NATIVE = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "iso8859-1", "latin-1", "ascii"})
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def parse_xml(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Element:
    """Parse `data` refusing DTDs, entity declarations and external references; ReaderError otherwise."""
    if len(data) > max_bytes:
        raise ReaderError(
            f"the message is {len(data):,} bytes, over the {max_bytes:,}-byte limit",
            source=source,
            fix="Split the batch into smaller messages or raise the reader's max_bytes for this connection.",
        )
    data = _transcode(data, source=source)
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as e:
        raise ReaderError(
            f"the XML declares a DTD or entities ({type(e).__name__}); DTDs, entity expansion and "
            "external entities are refused",
            source=source,
            fix="Send plain XML without a <!DOCTYPE> or <!ENTITY> declaration.",
        ) from e
    except ParseError as e:
        line, column = e.position
        raise ReaderError(
            f"the XML is malformed or truncated ({e})",
            source=source,
            location=f"line {line}, column {column}",
            fix="Check that the message was sent completely and is well-formed XML.",
        ) from e
    except (ValueError, LookupError) as e:  # encoding the parser cannot handle
        raise ReaderError(
            f"the XML cannot be decoded ({e})",
            source=source,
            fix="Send the message as UTF-8, or declare its real encoding in the XML declaration.",
        ) from e
    _check_depth(root, source=source)
    return root


def _transcode(data: bytes, *, source: str) -> bytes:
    """Re-encode to UTF-8 when the declared encoding is one expat cannot read (GB18030, Shift_JIS…)."""
    if data.startswith(_BOMS):
        return data
    match = _DECLARED_ENCODING.match(data)
    if match is None:
        return data
    declared = match.group(1).decode("ascii")
    try:
        name = codecs.lookup(declared).name
    except LookupError as e:
        raise ReaderError(
            f"the XML declares the unknown encoding {declared!r}",
            source=source,
            location="XML declaration",
            fix="Declare a standard encoding (UTF-8 preferred).",
        ) from e
    if name in _EXPAT_NATIVE:
        return data
    try:
        text = data.decode(name)
    except (UnicodeError, LookupError, ValueError) as e:  # invalid bytes, or a non-text codec (rot13, zlib)
        raise ReaderError(
            f"the message cannot be decoded as {declared} ({e})",
            source=source,
            location="XML declaration",
            fix="Send the message in the text encoding its XML declaration names (UTF-8 preferred).",
        ) from e
    return _DECLARED_ENCODING_TEXT.sub(r"\1UTF-8\2", text, count=1).encode("utf-8")


def _check_depth(root: Element, *, source: str) -> None:
    stack: list[tuple[Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ReaderError(
                f"elements are nested more than {MAX_DEPTH} levels deep",
                source=source,
                location=local_name(element.tag),
                fix="This is not a reservation message; check what the sender transmits.",
            )
        stack.extend((child, depth + 1) for child in element)


def local_name(tag: object) -> str:
    """`{ns}Name` or `prefix:Name` → `Name`; comments and processing instructions → ""."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def is_named(element: Element, name: str) -> bool:
    return local_name(element.tag).lower() == name.lower()


def children(element: Element | None, name: str) -> list[Element]:
    """Direct children with local name `name` (any namespace, any letter case)."""
    if element is None:
        return []
    return [c for c in element if is_named(c, name)]


def child(element: Element | None, name: str) -> Element | None:
    found = children(element, name)
    return found[0] if found else None


def find_all(element: Element | None, path: str) -> list[Element]:
    """All elements at `path` ("A/B/C", local names) below `element`, in document order."""
    current = [element] if element is not None else []
    for step in path.split("/"):
        current = [c for parent in current for c in children(parent, step)]
    return current


def find(element: Element | None, path: str) -> Element | None:
    found = find_all(element, path)
    return found[0] if found else None


def descendants(element: Element | None, name: str) -> Iterator[Element]:
    if element is None:
        return
    for node in element.iter():
        if node is not element and is_named(node, name):
            yield node


def attr(element: Element | None, name: str) -> str | None:
    """An attribute by local name (case-insensitive); None when absent or blank."""
    if element is None:
        return None
    value = element.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in element.attrib.items() if local_name(k).lower() == lowered), None)
    return value if value is not None and value.strip() else None


def text(element: Element | None) -> str | None:
    """All text inside `element`, each line stripped, blank lines dropped; None when empty."""
    if element is None:
        return None
    lines = "".join(element.itertext()).splitlines()
    joined = "\n".join(line.strip() for line in lines if line.strip())
    return joined or None


def serialise(element: Element) -> str:
    """The element as standalone XML text; its own namespace becomes the default one (no ns0:)."""
    clean = copy.deepcopy(element)
    clean.tail = None
    ns = namespace(clean.tag)
    if ns:
        prefix = "{" + ns + "}"
        for node in clean.iter():
            if isinstance(node.tag, str) and node.tag.startswith(prefix):
                node.tag = node.tag[len(prefix) :]
        clean.set("xmlns", ns)
    return tostring(clean, encoding="unicode")
