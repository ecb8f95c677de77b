"""JSON API for case documents: list, upload (multipart) and download, with the pages' rules."""
from flask import send_file, url_for
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from app.api.core import MULTIPART, current_user, endpoint
from app.api.schemas import Schema
from app.services.tasks import documents


class FileField(fields.Field):
    """An uploaded file (a multipart part with a filename)."""

    default_error_messages = {"invalid": "Not a file: send it as a multipart file part."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


class DocumentUpload(Schema):
    file = FileField(required=True, metadata={"type": "string", "format": "binary"})
    criterion = fields.String(load_default=None, validate=validate.Length(max=200),
                              metadata={"description": "the criterion (or form field) the "
                                                       "document answers"})


class DocumentOut(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    criterion = fields.String(allow_none=True)
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = fields.Integer()
    uploaded_by = fields.Function(lambda d: d.uploaded_by.username if d.uploaded_by else None)
    uploaded_at = fields.DateTime()
    download_url = fields.Function(
        lambda d: url_for("api.download_document", document_id=d.id))


class DocumentList(Schema):
    items = fields.List(fields.Nested(DocumentOut))


@endpoint("/cases/<int:case_id>/documents", response=DocumentList(), tag="documents")
def list_documents(case_id):
    """The case's documents, newest first, each with its download URL."""
    return {"items": documents.list_documents(current_user(), case_id)}


@endpoint("/cases/<int:case_id>/documents", "POST", body=DocumentUpload(),
          body_type=MULTIPART, response=DocumentOut(), status=201, tag="documents")
def upload_document(case_id, body):
    """Upload a document to a case (multipart `file`, optional `criterion`)."""
    file = body["file"]
    return documents.upload(current_user(), case_id, file.filename or "", file.stream,
                            body["criterion"] or None)


@endpoint("/documents/<int:document_id>", tag="documents")
def download_document(document_id):
    """Download a document (404 for another company's)."""
    found = documents.download(current_user(), document_id)
    return send_file(found.path, mimetype=found.document.content_type, as_attachment=True,
                     download_name=found.document.original_name, max_age=0)
