"""Drawing diagrams that come without a layout.

Many generated or exported BPMN files carry no BPMN DI (no shapes, no edges), so neither the
modeler nor the case page can show them. `with_layout` adds one, computed by bpmn-io's port of
bpmn.io's bpmn-auto-layout (the modeler's own algorithm: the main line left to right, branches
below). Only the generated `bpmndi:BPMNDiagram` is taken from it and appended to the file as it
came, so the process definition stays byte for byte what the designer wrote (a file with an
empty drawing is written anew). A file that has a
drawing, or that the layouter cannot draw, is returned unchanged: a missing picture never
stops a deployment.
"""
import copy
import logging

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
_log = logging.getLogger(__name__)


def has_layout(tree: etree._ElementTree) -> bool:
    """Whether the document draws anything (at least one shape)."""
    return tree.getroot().find(f".//{{{BPMNDI_NS}}}BPMNShape") is not None


def _linked(tree: etree._ElementTree) -> str:
    """The document for the layouter, each flow node naming its incoming and outgoing flows
    (the layouter follows those, and many generated files leave them out)."""
    root = copy.deepcopy(tree.getroot())
    by_id = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end, kind in (("sourceRef", "outgoing"), ("targetRef", "incoming")):
            node = by_id.get(flow.get(end))
            named = {child.text for child in node.iter(f"{{{BPMN_NS}}}{kind}")} \
                if node is not None else {flow.get("id")}
            if flow.get("id") not in named:
                etree.SubElement(node, f"{{{BPMN_NS}}}{kind}").text = flow.get("id")
    return etree.tostring(root, encoding="unicode")


def with_layout(text: str, tree: etree._ElementTree) -> str:
    """The diagram's text with a generated layout when it has none (`tree` is its parsed,
    already-checked form); otherwise `text` unchanged."""
    if has_layout(tree):
        return text
    from bpmn_io import layout_process  # imported on first use: most deployments are drawn

    try:
        drawn = etree.fromstring(layout_process(_linked(tree)).encode("utf-8"),
                                 parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except Exception:  # noqa: BLE001 - a pre-1.0 layouter: any failure only costs the drawing
        _log.warning("no layout could be generated for a diagram", exc_info=True)
        return text
    diagrams = drawn.findall(f"{{{BPMNDI_NS}}}BPMNDiagram")
    if not diagrams:
        return text
    root = tree.getroot()
    if root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is not None:  # an empty drawing: replace it
        for old in root.findall(f"{{{BPMNDI_NS}}}BPMNDiagram"):
            root.remove(old)
        root.extend(diagrams)
        return etree.tostring(root, encoding="unicode")
    end = text.rstrip().rfind("</")  # the root's closing tag: the drawing goes just before it
    drawing = "".join("  " + etree.tostring(d, encoding="unicode") + "\n" for d in diagrams)
    return text[:end] + drawing + text[end:]
