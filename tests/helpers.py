"""Test helpers: reading test diagrams and deploying them through the API."""
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def bpmn(name: str) -> bytes:
    """The bytes of tests/data/bpmn/<name>."""
    return (DATA / "bpmn" / name).read_bytes()


def drawn_bpmn(name: str) -> str:
    """tests/data/bpmn/<name> as a deployment stores it: drawn when it came without a layout."""
    from app.engine.layout import with_layout
    from app.engine.xmlsafe import parse_xml

    text = bpmn(name).decode()
    return with_layout(text, parse_xml(text, 2**21))


def deploy(api, *names: str):
    """Deploy test diagrams through POST /api/v1/process-models; returns the response."""
    from io import BytesIO

    files = [(BytesIO(bpmn(n)), n) for n in names]
    return api.post("/api/v1/process-models", data={"files": files},
                    content_type="multipart/form-data")


def start(api, company_id: int, process_id: str, data: dict | None = None):
    """Start a case through the API and return its JSON (asserting 201)."""
    response = api.post("/api/v1/cases", json={"company_id": company_id,
                                                "process_id": process_id, "data": data})
    assert response.status_code == 201, response.get_json()
    return response.get_json()
