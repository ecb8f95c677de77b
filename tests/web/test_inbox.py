"""Inboxes: queues with counts, filters in the URL, claim/release/assign, saved views."""
from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import Company, HumanTask
from app.models.types import utcnow
from app.services.runtime import cases

HTMX = {"HX-Request": "true"}


def task_ids(html: str) -> list[int]:
    return [int(part.split('"')[0]) for part in html.split('data-task-id="')[1:]]


def test_queue_lists_open_tasks_with_counts(world, client, sign_in):
    sign_in("cw")
    page = client.get("/inbox?view=case_worker")
    assert page.status_code == 200
    assert task_ids(page.text) == [1, 2]
    assert 'data-count="case_worker">2<' in page.text and 'data-count="mine">0<' in page.text
    assert "Acme Imports" in page.text and "Globex Freight" in page.text


def test_claim_with_htmx_then_release(world, client, sign_in):
    sign_in("cw")
    claimed = client.post("/tasks/1/claim", headers=HTMX, data={"back": "/inbox"})
    assert claimed.status_code == 200 and claimed.headers["HX-Trigger"] == "inbox-changed"
    assert "You hold" in claimed.text
    mine = client.get("/inbox", headers={**HTMX, "HX-Target": "inbox-results"})
    assert mine.text.lstrip().startswith('<section id="inbox-results"')  # only the partial
    assert task_ids(mine.text) == [1] and "Release" in mine.text
    released = client.post("/tasks/1/release", headers=HTMX)
    assert released.status_code == 200 and "back in the case worker queue" in released.text
    assert task_ids(client.get("/inbox").text) == []


def test_claim_without_javascript_redirects_back(world, client, sign_in):
    sign_in("cw")
    response = client.post("/tasks/2/claim", data={"back": "/inbox?view=case_worker&q=glo"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox?view=case_worker&q=glo"
    evil = client.post("/tasks/1/claim", data={"back": "https://evil.example/"})
    assert evil.headers["Location"] == "/inbox"


def test_claim_of_a_task_someone_holds_says_so(world, app, client, sign_in):
    sign_in("cw")
    assert client.post("/tasks/1/claim", headers=HTMX).status_code == 200
    other = app.test_client()
    other.post("/login", data={"username": "cw2", "password": "password-1"})
    taken = other.post("/tasks/1/claim", headers=HTMX)
    assert taken.status_code == 409 and "already claimed by someone else" in taken.text
    assert 'class="flash error"' in taken.text


def test_assign_to_a_colleague(world, client, sign_in):
    sign_in("cw")
    page = client.get("/inbox?view=case_worker")
    assert 'aria-label="Assign task 1 to"' in page.text
    response = client.post("/tasks/1/assign", data={"username": "cw2"}, headers=HTMX)
    assert response.status_code == 200 and "assigned to cw2" in response.text
    task = db.session.get(HumanTask, 1)
    db.session.refresh(task)
    assert task.assignee.username == "cw2"
    wrong = client.post("/tasks/2/assign", data={"username": "spec"}, headers=HTMX)
    assert wrong.status_code == 422


def test_specialists_cannot_assign_or_open_other_queues(world, client, sign_in):
    sign_in("spec")
    assert "Assign task" not in client.get("/inbox?view=specialist").text
    assert client.get("/inbox?view=case_worker").status_code == 403
    assert client.post("/tasks/1/claim").status_code == 403


def test_filters_search_sort_and_overdue(world, client, sign_in):
    db.session.execute(update(HumanTask).where(HumanTask.id == 2).values(
        due_at=utcnow() - timedelta(hours=1), priority=10))
    db.session.commit()
    sign_in("cw")
    assert task_ids(client.get("/inbox?view=case_worker&q=GLOBEX").text) == [2]
    assert task_ids(client.get("/inbox?view=case_worker&entity_type=importer").text) == [1]
    overdue = client.get("/inbox?view=case_worker&overdue=1").text
    assert task_ids(overdue) == [2] and 'class="overdue"' in overdue
    assert task_ids(client.get("/inbox?view=case_worker&sort=priority").text) == [1, 2]
    assert task_ids(client.get("/inbox?view=case_worker").text) == [2, 1]  # soonest due first
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert task_ids(client.get(f"/inbox?view=case_worker&due_before={tomorrow}").text) == [2]
    assert task_ids(client.get("/inbox?view=case_worker&stage=Nope").text) == []
    bad = client.get("/inbox?view=case_worker&due_before=soon")
    assert bad.status_code == 200 and "must be a date" in bad.text


def test_pagination_keeps_the_filters(world, client, sign_in):
    cw = world["users"]["cw"]
    for _ in range(26):
        cases.start_case(cw, company_id=world["acme"].id, process_id="two_lanes")
    sign_in("cw")
    first = client.get("/inbox?view=case_worker&q=acme")
    assert len(task_ids(first.text)) == 25 and "page 1 of 2" in first.text
    assert "/inbox?view=case_worker&amp;q=acme&amp;page=2" in first.text
    second = client.get("/inbox?view=case_worker&q=acme&page=2")
    assert len(task_ids(second.text)) == 2 and "page 2 of 2" in second.text
    assert set(task_ids(first.text)).isdisjoint(task_ids(second.text))


def test_saved_views(world, client, sign_in):
    sign_in("cw")
    saved = client.post("/inbox/views", data={"name": "Sea carriers",
                                              "query": "view=case_worker&entity_type=sea_carrier"})
    assert saved.headers["Location"] == "/inbox?view=case_worker&entity_type=sea_carrier"
    page = client.get("/inbox")
    assert "Sea carriers" in page.text
    view_id = int(page.text.split("/inbox/views/")[1].split("/")[0])
    client.post("/logout")
    sign_in("cw2")
    assert "Sea carriers" not in client.get("/inbox").text
    assert client.post(f"/inbox/views/{view_id}/delete").status_code == 404


def test_applicant_sees_only_own_company_tasks(world, client, sign_in):
    cw = world["users"]["cw"]
    for case in (world["case"], world["other"]):
        task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.case_id == case.id))
        from app.services.tasks import actions as tasks
        tasks.complete(cw, task_id, {"decision": "accept"})
    sign_in("acme")
    page = client.get("/inbox?view=applicant")
    assert page.status_code == 200
    ids = task_ids(page.text)
    assert len(ids) == 1 and "Acme Imports" in page.text and "Globex" not in page.text
    assert client.get("/inbox?view=case_worker").status_code == 403
    assert db.session.scalar(select(Company.id).where(Company.legal_name == "Acme Imports"))


def test_counts_stop_at_the_cap_and_paging_goes_on(world, client, sign_in, monkeypatch):
    from app.services.tasks.inbox import page as worklist

    monkeypatch.setattr(worklist, "COUNT_CAP", 3)
    monkeypatch.setattr(worklist, "PER_PAGE", 2)
    monkeypatch.setattr(worklist.inbox_page, "__defaults__", (2,))
    cw = world["users"]["cw"]
    for _ in range(4):
        cases.start_case(cw, company_id=world["acme"].id, process_id="two_lanes")
    sign_in("cw")
    first = client.get("/inbox?view=case_worker")
    assert 'data-count="case_worker">3+<' in first.text and "3+ open tasks" in first.text
    assert "More than 3: narrow the list" in first.text
    assert len(task_ids(first.text)) == 2 and "of " not in first.text.split("open tasks")[1][:30]
    third = client.get("/inbox?view=case_worker&page=3")
    assert len(task_ids(third.text)) == 2 and "page=4" in third.text  # beyond the count
    last = client.get("/inbox?view=case_worker&page=4")
    assert task_ids(last.text) == [] or "page=5" not in last.text
