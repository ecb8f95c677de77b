"""Elements a process can never reach or never leave: a task dropped on the canvas without
flows is drawn, and SpiffWorkflow would deploy it, but no case would ever do it."""
from collections.abc import Iterator

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_ACTIVITIES = ("task", "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
               "manualTask", "businessRuleTask", "callActivity", "subProcess", "transaction")
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
             "complexGateway")
_EVENTS = ("intermediateCatchEvent", "intermediateThrowEvent", "endEvent", "boundaryEvent",
           "startEvent")
_KINDS = {f"{BPMN}{name}": name for name in (*_ACTIVITIES, *_GATEWAYS, *_EVENTS)}


def disconnected(process: etree._Element) -> Iterator[tuple[str, str]]:
    """(element id, what is wrong) for every flow node of the process (and of its
    subprocesses) that no sequence flow reaches or that no sequence flow leaves."""
    containers = [process, *(e for e in process.iter(f"{BPMN}subProcess", f"{BPMN}transaction"))]
    for container in containers:
        nodes = [e for e in container if e.tag in _KINDS]
        flows = [e for e in container if e.tag == f"{BPMN}sequenceFlow"]
        sources = {f.get("sourceRef") for f in flows}
        targets = {f.get("targetRef") for f in flows}
        for node in nodes:
            kind, node_id = _KINDS[node.tag], node.get("id")
            if _exempt(node):
                continue
            needs_in = kind not in ("startEvent", "boundaryEvent")
            needs_out = kind != "endEvent"
            name = node.get("name") or node_id
            if needs_in and node_id not in targets:
                yield node_id, (f"'{name}' is not connected: no sequence flow leads to it, so "
                                "no case can reach it")
            elif needs_out and node_id not in sources:
                yield node_id, (f"'{name}' is not connected: no sequence flow leaves it, so a "
                                "case that reaches it can never go on (end the path with an "
                                "end event)")


def _exempt(node: etree._Element) -> bool:
    """Elements that legitimately stand alone: event subprocesses (their start event starts
    them), compensation handlers and compensation boundary events (joined by associations),
    and link events (they jump by name)."""
    if node.get("isForCompensation") == "true" or node.get("triggeredByEvent") == "true":
        return True
    definitions = {child.tag for child in node}
    return bool(definitions & {f"{BPMN}linkEventDefinition", f"{BPMN}compensateEventDefinition"})
