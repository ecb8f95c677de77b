"""Evidence documents on cases: checked uploads stored outside the web root, checked downloads."""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Case, User
from app.models.enums import AuditKind
from app.models.web import Document
from app.services import audit
from app.services.errors import Forbidden, Invalid, NotFound
from app.services.identity.access import get_case
from app.services.runtime.unit_of_work import transaction

#: extension -> (content type, magic prefixes the file must start with; empty: any text)
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain", ()),
    "csv": ("text/csv", ()),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (b"PK\x03\x04",)),
}


#: session.info key: files written in the current transaction, removed if it rolls back
_UNSAVED = "safeport_unsaved_documents"


def upload_dir() -> Path:
    """Where documents are stored (created on first use)."""
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload(actor: User, case_id: int, filename: str, stream: BinaryIO,
           criterion: str | None = None) -> Document:
    """Store an uploaded file for a case after checking its size and type."""
    case = get_case(actor, case_id)
    if actor.role == "designer":
        raise Forbidden("designers do not upload case documents")
    name = _clean_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise Invalid("this type of file is not accepted", {"file": [
            f"allowed: {', '.join(sorted(ALLOWED))}"]})
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    content = stream.read(limit + 1)
    if not content:
        raise Invalid("the file is empty", {"file": ["choose a file with content"]})
    if len(content) > limit:
        raise Invalid("the file is too large", {"file": [f"at most {limit // 1024} KiB"]})
    content_type, magics = ALLOWED[extension]
    if magics and not content.startswith(magics):
        raise Invalid("the file's content does not match its type",
                      {"file": [f"this is not a {extension.upper()} file"]})
    if not magics and b"\x00" in content[:4096]:
        raise Invalid("the file's content does not match its type",
                      {"file": ["a text file must not contain binary data"]})
    with transaction():
        return _store(case.id, name, content, content_type, criterion, actor)


def store_generated(case_id: int, filename: str, data: bytes,
                    content_type: str = "application/pdf", *, criterion: str | None = None,
                    by: User | None = None) -> Document:
    """Store a document SafePort made (a rendered report or letter) on a case, in the
    caller's transaction (it commits): no upload checks; `by` None is the system."""
    if db.session.get(Case, case_id) is None:
        raise NotFound(f"case {case_id} not found")
    return _store(case_id, _clean_name(filename), data, content_type, criterion, by)


def _clean_name(filename: str) -> str:
    """The file's own name, without any directory part."""
    return os.path.basename((filename or "").replace("\\", "/")).strip()[:255]


def _store(case_id: int, name: str, content: bytes, content_type: str,
           criterion: str | None, by: User | None) -> Document:
    """Write the bytes under a random name and add their Document row and audit event to the
    current transaction; the file is removed again if that transaction rolls back."""
    stored = secrets.token_hex(16)
    path = upload_dir() / stored
    path.write_bytes(content)
    session = db.session()
    if not event.contains(session, "after_soft_rollback", _remove_unsaved_files):
        event.listen(session, "after_soft_rollback", _remove_unsaved_files)
        event.listen(session, "after_commit", _keep_saved_files)
    session.info.setdefault(_UNSAVED, []).append(path)
    document = Document(case_id=case_id, criterion=(criterion or None), original_name=name,
                        stored_name=stored, content_type=content_type, size=len(content),
                        uploaded_by_id=by.id if by else None)
    db.session.add(document)
    audit.record(AuditKind.DOCUMENT_UPLOADED, case_id=case_id, actor=by, name=name,
                 criterion=criterion or None)
    return document


def _remove_unsaved_files(session: Session, _previous_transaction) -> None:
    for path in session.info.pop(_UNSAVED, ()):
        path.unlink(missing_ok=True)


def _keep_saved_files(session: Session) -> None:
    session.info.pop(_UNSAVED, None)


def list_documents(actor: User, case_id: int) -> list[Document]:
    """The case's documents, newest first (the same access rule as the case)."""
    case = get_case(actor, case_id)
    return list(db.session.scalars(select(Document).where(Document.case_id == case.id)
                                   .order_by(Document.id.desc())))


@dataclass
class Download:
    """A document and the path of its bytes."""

    document: Document
    path: Path


def download(actor: User, document_id: int) -> Download:
    """A document the actor may see (the same rule as its case: 404 for another company's)."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise NotFound(f"document {document_id} not found")
    try:
        get_case(actor, document.case_id)
    except NotFound:
        raise NotFound(f"document {document_id} not found") from None
    path = upload_dir() / document.stored_name
    if not path.is_file():
        raise NotFound(f"the file of document {document_id} is missing")
    return Download(document, path)
