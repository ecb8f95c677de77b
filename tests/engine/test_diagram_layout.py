"""The shipped diagrams' layout (BPMN DI) reads cleanly: every flow node and flow is drawn, flows
start and end on their shapes' borders and pass through no other shape, no flow crosses a label,
labels overlap no shape and no other label, shapes sit inside their lane, lanes inside their
pool, and the main line reads left to right (the start event is the leftmost node)."""
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.database_agnostic

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI"}
#: flow nodes drawn as shapes a flow must go around
NODES = ("task", "userTask", "scriptTask", "serviceTask", "manualTask", "sendTask",
         "receiveTask", "businessRuleTask", "callActivity", "subProcess", "startEvent",
         "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
         "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")
#: nodes whose name bpmn-js draws outside the shape (below it unless the DI says otherwise)
EXTERNAL_LABEL = tuple(n for n in NODES if n.endswith(("Event", "Gateway")))
DEFAULT_LABEL = (90.0, 20.0)  # bpmn-js' default external label size
SLACK = 1.0  # a touch along a border is not a crossing


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def shrunk(self, by: float) -> "Box":
        return Box(self.x + by, self.y + by, self.w - 2 * by, self.h - 2 * by)

    def overlaps(self, other: "Box") -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def contains(self, other: "Box") -> bool:
        return (self.x - SLACK <= other.x and other.x + other.w <= self.x + self.w + SLACK
                and self.y - SLACK <= other.y and other.y + other.h <= self.y + self.h + SLACK)

    def cut_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a-b enters this box (Liang-Barsky clipping)."""
        (x0, y0), (x1, y1) = a, b
        dx, dy, low, high = x1 - x0, y1 - y0, 0.0, 1.0
        for p, q in ((-dx, x0 - self.x), (dx, self.x + self.w - x0),
                     (-dy, y0 - self.y), (dy, self.y + self.h - y0)):
            if p == 0:
                if q <= 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low >= high:
                return False
        return True


@dataclass
class Layout:
    """The semantic elements and the DI of one file."""

    name: str
    kinds: dict[str, str]  # id -> element tag (local name)
    names: dict[str, str]
    flows: dict[str, tuple[str, str]]  # flow id -> (source, target)
    attached: dict[str, str]  # boundary event -> host
    lanes: dict[str, list[str]]  # lane id -> its flow node refs
    pools: list[str]
    shapes: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]
    labels: dict[str, Box]  # element id -> the label's bounds (DI, or bpmn-js' default)


def _box(node: ET.Element) -> Box:
    return Box(*(float(node.get(k)) for k in ("x", "y", "width", "height")))


def _default_label(layout: Layout, element: str) -> Box | None:
    """Where bpmn-js puts a label that has no BPMNLabel bounds."""
    width, height = DEFAULT_LABEL
    if element in layout.flows:
        points = layout.edges[element]
        mid = len(points) // 2
        (x0, y0), (x1, y1) = points[mid - 1], points[mid]
        return Box((x0 + x1) / 2 - width / 2, (y0 + y1) / 2 - height / 2, width, height)
    shape = layout.shapes[element]
    return Box(shape.x + shape.w / 2 - width / 2, shape.y + shape.h, width, height)


def load(path: Path) -> Layout:
    root = ET.parse(path).getroot()
    layout = Layout(path.name, {}, {}, {}, {}, {}, [], {}, {}, {})
    for process in root.iter(f"{{{NS['bpmn']}}}process"):
        for child in process:
            kind = child.tag.rpartition("}")[2]
            if kind in NODES or kind == "sequenceFlow":
                layout.kinds[child.get("id")] = kind
                if child.get("name"):
                    layout.names[child.get("id")] = child.get("name")
            if kind == "sequenceFlow":
                layout.flows[child.get("id")] = (child.get("sourceRef"), child.get("targetRef"))
            if kind == "boundaryEvent":
                layout.attached[child.get("id")] = child.get("attachedToRef")
        for lane in process.iter(f"{{{NS['bpmn']}}}lane"):
            refs = lane.findall("bpmn:flowNodeRef", NS)
            layout.lanes[lane.get("id")] = [ref.text for ref in refs]
    layout.pools = [p.get("id") for p in root.iter(f"{{{NS['bpmn']}}}participant")]
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        element = shape.get("bpmnElement")
        layout.shapes[element] = _box(shape.find("dc:Bounds", NS))
        bounds = shape.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if bounds is not None:
            layout.labels[element] = _box(bounds)
    for edge in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"):
        element = edge.get("bpmnElement")
        layout.edges[element] = [(float(w.get("x")), float(w.get("y")))
                                 for w in edge.findall("di:waypoint", NS)]
        bounds = edge.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if bounds is not None:
            layout.labels[element] = _box(bounds)
    for element in layout.names:
        external = element in layout.flows or layout.kinds[element] in EXTERNAL_LABEL
        if external and element not in layout.labels and element in layout.shapes | layout.edges:
            layout.labels[element] = _default_label(layout, element)
    for element in list(layout.labels):
        if element not in layout.names:  # an empty label draws nothing
            del layout.labels[element]
    return layout


def segments(points: list[tuple[float, float]]):
    return list(zip(points, points[1:], strict=False))


def node_shapes(layout: Layout) -> dict[str, Box]:
    return {e: box for e, box in layout.shapes.items() if layout.kinds.get(e) in NODES}


def missing_di(layout: Layout) -> list[str]:
    return sorted(e for e, kind in layout.kinds.items()
                  if e not in (layout.edges if kind == "sequenceFlow" else layout.shapes)
                  or (kind == "sequenceFlow" and len(layout.edges[e]) < 2))


def flows_through_shapes(layout: Layout) -> list[str]:
    """A flow entering any node shape: another node's, or its own ends' beyond their border."""
    found = []
    for flow, points in layout.edges.items():
        for element, box in node_shapes(layout).items():
            inner = box.shrunk(SLACK if element not in layout.flows[flow] else 2.0)
            if any(inner.cut_by(a, b) for a, b in segments(points)):
                found.append(f"{flow} through {element}")
    return found


def flows_across_labels(layout: Layout) -> list[str]:
    return [f"{flow} across the label of {element}"
            for flow, points in layout.edges.items()
            for element, label in layout.labels.items()
            if element != flow and any(label.shrunk(SLACK).cut_by(a, b)
                                       for a, b in segments(points))]


def overlapping_labels(layout: Layout) -> list[str]:
    found = []
    items = sorted(layout.labels.items())
    for i, (element, label) in enumerate(items):
        for shape_id, box in node_shapes(layout).items():
            if label.shrunk(SLACK).overlaps(box):
                found.append(f"label of {element} on {shape_id}")
        for other, other_label in items[i + 1:]:
            if label.shrunk(SLACK).overlaps(other_label):
                found.append(f"label of {element} on label of {other}")
    return found


def outside_lanes(layout: Layout) -> list[str]:
    found = []
    pools = [layout.shapes[p] for p in layout.pools if p in layout.shapes]
    for lane, refs in layout.lanes.items():
        if not any(pool.contains(layout.shapes[lane]) for pool in pools):
            found.append(f"lane {lane} outside its pool")
        for ref in refs:
            if not layout.shapes[lane].contains(layout.shapes[ref]):
                found.append(f"{ref} outside lane {lane}")
    for element, label in layout.labels.items():
        if not any(pool.contains(label) for pool in pools):
            found.append(f"label of {element} outside the pool")
    return found


def starts_not_leftmost(layout: Layout) -> list[str]:
    nodes = node_shapes(layout)
    left = min(box.x for box in nodes.values())
    return [f"{e} is not the leftmost node" for e, box in nodes.items()
            if layout.kinds[e] == "startEvent" and box.x > left + SLACK]


FILES = sorted(BPMN_DIR.glob("*.bpmn"))
CHECKS = (missing_di, flows_through_shapes, flows_across_labels, overlapping_labels,
          outside_lanes, starts_not_leftmost)


def test_every_shipped_diagram_is_checked():
    assert len(FILES) >= 14


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__ for c in CHECKS])
def test_shipped_diagram_layout(path, check):
    assert check(load(path)) == []


def _layout(shapes, edges, labels=None, flows=None, kinds=None, lanes=None) -> Layout:
    kinds = kinds or {e: "userTask" for e in shapes} | {f: "sequenceFlow" for f in edges}
    return Layout("t", kinds, {e: e for e in labels or {}}, flows or {}, {}, lanes or {},
                  [], shapes, edges, labels or {})


def test_the_checks_see_a_flow_through_a_shape_and_a_label_on_a_shape():
    a, b, c = Box(0, 0, 100, 80), Box(200, 0, 100, 80), Box(400, 0, 100, 80)
    layout = _layout({"a": a, "b": b, "c": c}, {"f": [(100, 40), (400, 40)]},
                     flows={"f": ("a", "c")})
    assert flows_through_shapes(layout) == ["f through b"]
    layout.edges["f"] = [(100, 40), (150, 40), (150, 120), (450, 120), (450, 80)]
    assert flows_through_shapes(layout) == []
    layout.edges["f"] = [(50, 40), (450, 40)]  # centre to centre: through its own ends
    assert flows_through_shapes(layout) == ["f through a", "f through b", "f through c"]
    layout.labels, layout.names = {"g": Box(250, 60, 90, 20)}, {"g": "g"}
    assert overlapping_labels(layout) == ["label of g on b"]
    layout.edges["f"] = [(100, 40), (150, 40), (150, 120), (450, 120), (450, 80)]
    layout.labels["g"] = Box(300, 110, 90, 20)
    assert flows_across_labels(layout) == ["f across the label of g"]


def test_the_checks_see_a_shape_outside_its_lane():
    layout = _layout({"pool": Box(0, 0, 600, 200), "lane": Box(30, 0, 570, 100),
                      "a": Box(100, 90, 100, 80)}, {}, lanes={"lane": ["a"]},
                     kinds={"a": "userTask"})
    layout.pools = ["pool"]
    assert outside_lanes(layout) == ["a outside lane lane"]
