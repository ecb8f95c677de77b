"""Diagrams deployed without a drawing get one: every flow node a shape, every flow an edge,
the process definition as it came; drawn diagrams and undrawable ones are left alone."""
import re
from pathlib import Path

import pytest
from lxml import etree

from app.engine import compile_diagrams
from app.engine import layout as layout_module
from app.engine.layout import BPMNDI_NS, with_layout
from app.engine.xmlsafe import parse_xml
from app.models.user import TASK_ROLES

pytestmark = pytest.mark.database_agnostic

DATA = Path(__file__).resolve().parents[1] / "data" / "bpmn"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "exclusiveGateway",
         "parallelGateway", "intermediateCatchEvent", "boundaryEvent", "callActivity")


def _drawn(name: str) -> tuple[str, str]:
    text = (DATA / name).read_text()
    return text, with_layout(text, parse_xml(text, 2**21))


def test_a_diagram_without_di_gets_a_shape_per_node_and_an_edge_per_flow():
    sent, drawn = _drawn("six_tasks.bpmn")
    assert "BPMNShape" not in sent
    root = etree.fromstring(drawn.encode())
    nodes = {e.get("id") for kind in NODES for e in root.iter(f"{{{BPMN_NS}}}{kind}")}
    flows = {e.get("id") for e in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    shapes = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")}
    assert nodes and nodes <= shapes
    assert flows and flows == edges
    xs = [float(b.get("x")) for b in root.iter("{http://www.omg.org/spec/DD/20100524/DC}Bounds")]
    assert len(set(xs)) > 3  # laid out left to right, not piled up
    # the process is what was sent, byte for byte: the drawing is only appended
    assert drawn.startswith(sent[:sent.rindex("</bpmn:definitions>")])


def test_a_drawn_diagram_is_left_as_it_is():
    sent, drawn = _drawn("web_review.bpmn")
    assert drawn is sent


def test_a_diagram_the_layouter_cannot_draw_still_deploys(monkeypatch):
    import bpmn_io

    def broken(_text):
        raise RuntimeError("cannot lay this out")

    monkeypatch.setattr(bpmn_io, "layout_process", broken)
    sent, drawn = _drawn("two_lanes.bpmn")
    assert drawn == sent
    assert layout_module.has_layout(parse_xml(drawn, 2**21)) is False


def test_the_engine_runs_the_drawn_file():
    """The stored file is the drawn one, and it compiles to the process that was sent."""
    text = (DATA / "loop.bpmn").read_text()
    [package] = compile_diagrams({"loop.bpmn": text}, roles=TASK_ROLES, check_form=lambda k: None)
    assert re.search(r"<bpmndi:BPMNShape", package.files["loop.bpmn"])
    [again] = compile_diagrams({"loop.bpmn": package.files["loop.bpmn"]}, roles=TASK_ROLES,
                               check_form=lambda k: None)
    assert again.content_hash({}) == package.content_hash({})
