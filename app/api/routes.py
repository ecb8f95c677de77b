"""JSON API views: parse input, call one service, return what the schema dumps."""
from flask import current_app, request

from app.api import schemas as s
from app.api.core import current_user, endpoint
from app.services.errors import Invalid
from app.services.identity import signin, users
from app.services.membership import companies
from app.services.repository import deployments
from app.services.runtime import cases, messages
from app.services.tasks import actions as tasks
from app.services.tasks import inbox

XML_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")


@endpoint("/auth/token", "POST", body=s.TokenRequest(), response=s.TokenResponse(),
          auth=False, tag="auth")
def create_token(body):
    """Exchange a username and password for a bearer token (429 with Retry-After when signing
    in too often from one address or under one username)."""
    user = signin.sign_in(body["username"], body["password"])
    return {"token": users.issue_token(user),
            "expires_in": current_app.config["API_TOKEN_MAX_AGE"]}


@endpoint("/users", "POST", body=s.UserCreate(), response=s.UserOut(), status=201,
          roles=("admin",), tag="users")
def create_user(body):
    """Create a user (admins)."""
    return users.create_user(current_user(), **body)


@endpoint("/companies", "POST", body=s.CompanyCreate(), response=s.CompanyOut(), status=201,
          roles=("case_worker",), tag="companies")
def create_company(body):
    """Register a member company."""
    return companies.create_company(current_user(), **body)


@endpoint("/companies/<int:company_id>", response=s.CompanyOut(), tag="companies")
def get_company(company_id):
    """One company."""
    return companies.get_company(current_user(), company_id)


@endpoint("/process-models", response=s.ProcessModelList(),
          roles=("designer", "case_worker", "specialist"), tag="process models")
def list_process_models():
    """Deployed process models with their versions and case counts."""
    return {"items": deployments.list_process_models(current_user())}


@endpoint("/process-models", "POST", query=s.UploadQuery(), upload=s.BPMN_UPLOAD,
          response=s.DeploymentOut(), status=201, roles=("designer",), tag="process models")
def deploy(query):
    """Deploy BPMN: an XML body (?filename=) or multipart files; 422 lists every problem."""
    return {"processes": deployments.deploy(current_user(), uploaded_diagrams(query))}


def uploaded_diagrams(query: dict) -> dict[str, bytes]:
    """The BPMN files of a request: multipart `files`, or one XML body named by ?filename=."""
    if request.files:
        parts = request.files.getlist("files") or list(request.files.values())
        files = {f.filename or f"upload-{i}.bpmn": f.read() for i, f in enumerate(parts)}
        if len(files) < len(parts):  # one would silently replace the other
            names = [f.filename for f in parts]
            twice = sorted({n for n in names if n and names.count(n) > 1})
            raise Invalid("two files of a deployment have the same name",
                          {"files": [f"'{name}' was sent {names.count(name)} times: give each "
                                     "file its own name" for name in twice]})
        problems = [f"file name {problem}" for name in files if (problem := s.value_problem(name))]
        if problems:
            raise Invalid("a file name cannot be stored", {"files": problems})
        return files
    if request.mimetype in XML_TYPES:
        return {query["filename"]: request.get_data()}
    raise Invalid("send BPMN as an XML body or as multipart files",
                  [{"message": f"unsupported content type {request.mimetype!r}"}])


@endpoint("/cases", "POST", body=s.CaseCreate(), response=s.CaseDetailOut(), status=201,
          roles=("case_worker", "applicant"), tag="cases")
def start_case(body):
    """Start a case for a company (the membership lifecycle by default)."""
    case = cases.start_case(current_user(), **body)
    return cases.case_detail(current_user(), case.id)


@endpoint("/cases", query=s.CaseQuery(), response=s.CaseList(),
          roles=("case_worker", "specialist", "applicant", "supplier", "auditor", "reviewer"),
          tag="cases")
def list_cases(query):
    """Cases, newest first, filtered by status and company."""
    items, total = cases.list_cases(current_user(), **query)
    return {"items": items, "total": total}


@endpoint("/cases/<int:case_id>", response=s.CaseDetailOut(), tag="cases")
def get_case(case_id):
    """A case with its status, current stage and open tasks."""
    return cases.case_detail(current_user(), case_id)


@endpoint("/cases/<int:case_id>/events", response=s.EventList(), tag="cases")
def case_events(case_id):
    """The case's audit trail, oldest first."""
    return {"items": cases.case_events(current_user(), case_id)}


@endpoint("/cases/<int:case_id>/messages/<name>", "POST", body=s.MessageRequest(),
          response=s.CaseOut(), roles=("case_worker", "specialist"), tag="cases")
def send_message(case_id, name, body):
    """Deliver a message to a case that waits for it."""
    return messages.send_message(current_user(), case_id, name, body["payload"])


@endpoint("/messages/<name>", "POST", body=s.CorrelateRequest(), response=s.CorrelateOut(),
          roles=("case_worker", "specialist"), tag="cases")
def correlate_message(name, body):
    """Deliver a message to every case waiting for it with the given correlation values."""
    ids = messages.correlate_message(current_user(), name, body["correlation"], body["payload"])
    return {"case_ids": ids}


@endpoint("/cases/<int:case_id>/retry", "POST", body=s.RetryRequest(), response=s.CaseOut(),
          roles=("admin",), tag="cases")
def retry_case(case_id, body):
    """Run a case in error again (admins), optionally with corrected data."""
    return cases.retry_case(current_user(), case_id, body["data"])


@endpoint("/tasks", query=s.TaskQuery(), response=s.TaskList(), tag="tasks")
def list_tasks(query):
    """An inbox: my tasks, a role's queue, or all (admins); soonest due first."""
    items, total = inbox.inbox(current_user(), **query)
    return {"items": items, "total": total, "page": query["page"],
            "per_page": query["per_page"]}


@endpoint("/tasks/<int:task_id>", query=s.TaskDetailQuery(), response=s.TaskDetailOut(),
          tag="tasks")
def get_task(task_id, query):
    """A task with its form as JSON Schema 2020-12 (resolved for its data) and its data;
    a completed task with what was submitted, by whom and when."""
    language = request.accept_languages.best_match(("en", "es")) or "en"  # English unless asked
    return tasks.task_detail(current_user(), task_id, resolved=query["resolved"],
                             language=language)


@endpoint("/tasks/<int:task_id>/claim", "POST", response=s.TaskOut(), tag="tasks")
def claim_task(task_id):
    """Claim a task of one's role."""
    return tasks.claim(current_user(), task_id)


@endpoint("/tasks/<int:task_id>/unclaim", "POST", response=s.TaskOut(), tag="tasks")
def unclaim_task(task_id):
    """Release a claimed task back to its queue."""
    return tasks.unclaim(current_user(), task_id)


@endpoint("/tasks/<int:task_id>/assign", "POST", body=s.AssignRequest(), response=s.TaskOut(),
          roles=("case_worker",), tag="tasks")
def assign_task(task_id, body):
    """Assign a task to a colleague holding its role (case workers, admins)."""
    return tasks.assign(current_user(), task_id, body["username"])


@endpoint("/tasks/<int:task_id>/complete", "POST", body=s.CompleteRequest(),
          response=s.TaskOut(), tag="tasks")
def complete_task(task_id, body):
    """Complete a task with its form data (422 field errors, 409 if done meanwhile)."""
    return tasks.complete(current_user(), task_id, body["data"])
