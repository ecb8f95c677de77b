"""Hardened XML parsing for uploaded diagrams: no DTDs, no entities, no network, a size limit."""
import re

from lxml import etree

_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class UnsafeXmlError(ValueError):
    """The document was refused before or while parsing; the message says why."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes | str, max_bytes: int) -> etree._ElementTree:
    """Parse one XML document, refusing DTDs (XXE, entity expansion) and oversized input.

    Raises UnsafeXmlError with a message that names the line of a syntax error.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXmlError(
            f"file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes"
        )
    match = _DOCTYPE.search(raw)
    if match:
        line = raw.count(b"\n", 0, match.start()) + 1
        raise UnsafeXmlError(
            f"line {line}: DOCTYPE and ENTITY declarations are not allowed in diagrams"
        )
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as err:
        line = err.lineno or (err.position[0] if err.position else "?")
        raise UnsafeXmlError(f"line {line}: XML syntax error: {err.msg}") from None
    return root.getroottree()
