"""Babel extraction of the words a diagram shows people: the names of processes, stages (call
activities), tasks and the events a case can wait at, which become task titles and stage
names on the pages (`babel.cfg` maps `bpmn/*.bpmn` here; `make translations`)."""
from collections.abc import Iterator
from typing import IO, Any

from lxml import etree

#: the elements whose names reach the pages (a task's title, a case's stage)
NAMED = {"process", "userTask", "manualTask", "callActivity", "subProcess",
         "intermediateCatchEvent", "boundaryEvent", "receiveTask"}


def extract_bpmn(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                 options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, funcname, message, comments) for each named element (the extractor API)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(fileobj, parser).getroot()
    seen: set[str] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = etree.QName(element).localname
        name = " ".join((element.get("name") or "").split())
        if kind in NAMED and name and name not in seen:
            seen.add(name)
            yield element.sourceline or 0, "_", name, [f"BPMN {kind} {element.get('id')}"]
