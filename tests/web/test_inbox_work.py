"""The inbox against Camunda Tasklist: header sorts, one search box, assignment and due-week
filters, bulk actions with their refusals, follow-up dates, shared views, the next task,
the notification bell."""
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import HumanTask, Notification, User
from app.models.types import utcnow
from app.services.identity import zones
from app.services.runtime import cases
from app.services.tasks import actions
from app.services.tasks import inbox as worklist
from app.web.inbox import BELL_PANEL_ITEMS
from tests.web.test_inbox import HTMX, task_ids

PARTIAL = {**HTMX, "HX-Target": "inbox-results"}


def _set(task_id: int, **values) -> None:
    db.session.execute(update(HumanTask).where(HumanTask.id == task_id).values(**values))
    db.session.commit()


def test_header_sorts_both_ways_with_aria_sort(world, client, sign_in):
    _set(1, title="Zeta check", priority=10, created_at=utcnow() - timedelta(days=3))
    _set(2, title="Alpha check", priority=90, created_at=utcnow() - timedelta(days=1))
    sign_in("cw")
    page = client.get("/inbox?view=case_worker&sort=title")
    assert task_ids(page.text) == [2, 1]
    assert 'aria-sort="ascending" data-sort="title"' in page.text
    assert 'aria-sort="none" data-sort="due"' in page.text
    assert "sort=title&amp;order=desc" in page.text  # the header flips the direction
    down = client.get("/inbox?view=case_worker&sort=title&order=desc")
    assert task_ids(down.text) == [1, 2] and 'aria-sort="descending" data-sort="title"' in down.text
    # Acme Imports (task 1) before Globex Freight (task 2), and back
    assert task_ids(client.get("/inbox?view=case_worker&sort=company").text) == [1, 2]
    assert task_ids(client.get("/inbox?view=case_worker&sort=company&order=desc").text) == [2, 1]
    assert task_ids(client.get("/inbox?view=case_worker&sort=priority").text) == [2, 1]
    assert task_ids(client.get("/inbox?view=case_worker&sort=priority&order=asc").text) == [1, 2]
    assert task_ids(client.get("/inbox?view=case_worker&sort=created").text) == [2, 1]
    assert task_ids(client.get("/inbox?view=case_worker&sort=created&order=asc").text) == [1, 2]
    assert task_ids(client.get("/inbox?view=case_worker&sort=bogus").text) == [1, 2]


def test_one_search_box_for_task_case_company_and_person(world, client, sign_in):
    _set(2, title="Vetting of the carrier")
    cw2 = world["users"]["cw2"]
    db.session.execute(update(User).where(User.id == cw2.id).values(full_name="Rosa Pérez"))
    db.session.commit()
    actions.claim(db.session.get(User, cw2.id), 1)
    sign_in("cw")
    assert task_ids(client.get("/inbox?view=case_worker&q=vetting").text) == [2]
    assert task_ids(client.get(f"/inbox?view=case_worker&q=%23{world['other'].id}").text) == [2]
    assert task_ids(client.get(f"/inbox?view=case_worker&q={world['case'].id}").text) == [1]
    assert task_ids(client.get("/inbox?view=case_worker&q=globex").text) == [2]
    assert task_ids(client.get("/inbox?view=case_worker&q=cw2").text) == [1]
    assert task_ids(client.get("/inbox?view=case_worker&q=rosa").text) == [1]
    assert task_ids(client.get("/inbox?view=case_worker&q=100%25").text) == []  # % is literal


def test_assignment_and_due_filters(world, client, sign_in):
    cw, cw2 = world["users"]["cw"], world["users"]["cw2"]
    third = cases.start_case(cw, company_id=world["acme"].id, process_id="two_lanes")
    third_task = db.session.scalar(select(HumanTask.id).where(HumanTask.case_id == third.id))
    actions.claim(cw, 1)
    actions.claim(cw2, 2)
    start, end = zones.week_of(world["users"]["cw"])
    _set(1, due_at=utcnow() - timedelta(days=8))  # overdue, and from an earlier week
    _set(2, due_at=start + timedelta(hours=1))  # this week (may be overdue already)
    _set(third_task, due_at=end + timedelta(days=1))  # next week
    sign_in("cw")
    base = "/inbox?view=case_worker"
    assert task_ids(client.get(base + "&assigned=unassigned").text) == [third_task]
    assert task_ids(client.get(base + "&assigned=me").text) == [1]
    assert task_ids(client.get(base + "&assigned=others").text) == [2]
    assert task_ids(client.get(base + "&overdue=1").text)[0] == 1
    assert task_ids(client.get(base + "&due_week=1").text) == [2]
    assert task_ids(client.get(base + "&assigned=nobody").text) == [1, 2, third_task]


def test_bulk_claim_reports_what_was_refused_and_why(world, app, client, sign_in):
    actions.claim(world["users"]["cw2"], 2)
    sign_in("cw")
    done = client.post("/inbox/bulk", headers=HTMX,
                       data={"action": "claim", "task_ids": ["1", "2", "999"]})
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "inbox-changed"
    assert 'data-bulk-done="1" data-bulk-refused="2"' in done.text
    assert "Claimed 1 task." in done.text
    assert "Task 2 refused: task 2 is already claimed by someone else." in done.text
    assert "Task 999 refused: task 999 not found." in done.text
    assert db.session.get(HumanTask, 1).assignee_id == world["users"]["cw"].id
    flashed = client.post("/inbox/bulk", data={"action": "release", "task_ids": ["1", "2"],
                                               "back": "/inbox?view=case_worker"})
    assert flashed.status_code == 302 and flashed.headers["Location"] == "/inbox?view=case_worker"
    page = client.get("/inbox?view=case_worker").text
    assert "Released 1 task." in page and "Task 2 refused: only the person holding" in page


def test_bulk_assign_to_a_colleague_and_refusals(world, client, sign_in):
    sign_in("cw")
    done = client.post("/inbox/bulk", headers=HTMX,
                       data={"action": "assign", "task_ids": ["1", "2"], "username": "cw2"})
    assert "Assigned 2 tasks." in done.text
    cw2 = world["users"]["cw2"].id
    assert {db.session.get(HumanTask, i).assignee_id for i in (1, 2)} == {cw2}
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == cw2))
    wrong = client.post("/inbox/bulk", headers=HTMX,
                        data={"action": "assign", "task_ids": ["1"], "username": "spec"})
    assert "Assigned 0 tasks." in wrong.text and "spec does not hold the case_worker" in wrong.text
    nobody = client.post("/inbox/bulk", headers=HTMX, data={"action": "assign",
                                                            "task_ids": ["1"]})
    assert nobody.status_code == 422
    assert client.post("/inbox/bulk", headers=HTMX, data={"action": "claim"}).status_code == 422
    assert client.post("/inbox/bulk", headers=HTMX,
                       data={"action": "explode", "task_ids": ["1"]}).status_code == 422
    client.post("/logout")
    sign_in("spec")
    refused = client.post("/inbox/bulk", headers=HTMX,
                          data={"action": "assign", "task_ids": ["1"], "username": "cw"})
    assert "Assigned 0 tasks." in refused.text and "Task 1 refused" in refused.text


def test_bulk_form_and_checkboxes_are_on_the_page(world, client, sign_in):
    sign_in("cw")
    page = client.get("/inbox?view=case_worker").text
    assert 'id="select-all"' in page and 'name="task_ids" value="1" form="bulk"' in page
    assert 'aria-label="Assign selected tasks to"' in page
    assert 'hx-trigger="inbox-changed from:body, every 30s"' in page


def test_snooze_hides_a_task_from_its_user_until_the_date(world, app, client, sign_in):
    sign_in("cw")
    later = (utcnow() + timedelta(days=3)).date().isoformat()
    done = client.post("/tasks/1/snooze", headers=HTMX, data={"until": later})
    assert done.status_code == 200 and f"snoozed until {later}" in done.text
    assert task_ids(client.get("/inbox?view=case_worker").text) == [2]
    snoozed = client.get("/inbox?view=case_worker&snoozed=1").text
    assert task_ids(snoozed) == [1] and f"snoozed until {later}" in snoozed
    assert 'data-count="case_worker">1<' in snoozed
    other = app.test_client()
    other.post("/login", data={"username": "cw2", "password": "password-1"})
    assert task_ids(other.get("/inbox?view=case_worker").text) == [1, 2]  # only cw's
    past = client.post("/tasks/2/snooze", headers=HTMX, data={"until": "2020-01-01"})
    assert past.status_code == 422
    assert client.post("/tasks/2/snooze", headers=HTMX, data={"until": "soon"}).status_code == 422
    # the date comes: the task is back by itself
    from app.models.web import TaskFollowUp
    db.session.execute(update(TaskFollowUp).values(until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert task_ids(client.get("/inbox?view=case_worker").text) == [1, 2]
    client.post("/tasks/1/snooze", headers=HTMX, data={"until": later})
    back = client.post("/tasks/1/unsnooze", headers=HTMX)
    assert back.status_code == 200 and "back in your inbox" in back.text
    assert task_ids(client.get("/inbox?view=case_worker").text) == [1, 2]


def test_a_shared_view_is_seen_by_the_role_but_kept_by_its_owner(world, app, client, sign_in):
    sign_in("cw")
    client.post("/inbox/views", data={"name": "Team overdue", "shared": "1",
                                      "query": "view=case_worker&overdue=1&sort=company"})
    client.post("/inbox/views", data={"name": "Mine only", "query": "view=mine"})
    own = client.get("/inbox").text
    assert "Team overdue" in own and ">shared<" in own
    view_id = int(own.split("Team overdue")[1].split("/inbox/views/")[1].split("/")[0])
    colleague = app.test_client()
    colleague.post("/login", data={"username": "cw2", "password": "password-1"})
    seen = colleague.get("/inbox").text
    assert "Team overdue" in seen and "from cw" in seen and "Mine only" not in seen
    assert "view=case_worker&amp;overdue=1&amp;sort=company" in seen
    assert colleague.post(f"/inbox/views/{view_id}/delete").status_code == 404
    spec = app.test_client()
    spec.post("/login", data={"username": "spec", "password": "password-1"})
    assert "Team overdue" not in spec.get("/inbox").text


def test_the_save_form_follows_the_list_on_screen(world, client, sign_in):
    sign_in("cw")
    first = client.get("/inbox?view=case_worker&sort=priority&order=asc&overdue=1&page=2").text
    assert 'id="view-query" name="query" value="view=case_worker&amp;overdue=1&amp;sort=' \
           'priority&amp;order=asc"' in first
    assert '<input type="hidden" name="sort" value="priority"><input type="hidden" ' \
           'name="order" value="asc">' in first
    swapped = client.get("/inbox?view=case_worker&sort=company&q=acme", headers=PARTIAL).text
    assert 'id="view-query" name="query" value="view=case_worker&amp;q=acme&amp;sort=company"' \
           ' hx-swap-oob="true"' in swapped
    assert '<span id="filter-sort" hx-swap-oob="true"><input type="hidden" name="sort" ' \
           'value="company">' in swapped


def test_complete_and_next_takes_the_next_unassigned_task_of_the_queue(world, client, sign_in):
    sign_in("cw")
    done = client.post("/tasks/1", data={"decision": "accept", "action": "complete_next"})
    assert done.status_code == 302 and done.headers["Location"] == "/tasks/2"
    cw = world["users"]["cw"]
    third = cases.start_case(cw, company_id=world["acme"].id, process_id="two_lanes")
    mine = db.session.scalar(select(HumanTask.id).where(HumanTask.case_id == third.id))
    actions.claim(cw, mine)
    assert worklist.next_task_id(cw) == mine  # own tasks first
    actions.claim(world["users"]["cw2"], 2)
    last = client.post(f"/tasks/{mine}", data={"decision": "accept",
                                                "action": "complete_next"})
    assert last.headers["Location"] == "/inbox"  # 2 is cw2's: nothing left to take


def test_bell_counts_unread_notifications_and_marks_them_read(world, client, sign_in):
    sign_in("cw2")
    assert 'data-unread="0"' in client.get("/inbox").text
    actions.assign(world["users"]["cw"], 1, "cw2")
    bell = client.get("/notifications/bell", headers=HTMX).text
    assert 'data-unread="1"' in bell and "Notifications: 1 unread" in bell
    assert 'hx-trigger="every 30s"' in bell
    listing = client.get("/notifications").text
    assert "Open task 1" in listing and 'class="unread"' in listing
    note = db.session.scalar(select(Notification.id).where(
        Notification.user_id == world["users"]["cw2"].id))
    assert client.post("/notifications/read", data={"id": str(note)}).status_code == 302
    assert 'data-unread="0"' in client.get("/notifications/bell").text
    assert client.post("/notifications/read", data={"id": "9999"}).status_code == 404


def _notes(user, count: int) -> list[int]:
    """`count` notifications for `user`, oldest first, each about task 1."""
    rows = [Notification(user_id=user.id, kind="task_assigned", message=f"Note {n}", task_id=1,
                         case_id=1) for n in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def test_the_bells_dropdown_shows_the_newest_and_marks_them_all_read(world, client, sign_in):
    _notes(world["users"]["cw2"], BELL_PANEL_ITEMS + 2)
    _notes(world["users"]["cw"], 1)  # someone else's
    sign_in("cw2")
    panel = client.get("/notifications/panel", headers=HTMX)
    assert panel.status_code == 200
    shown = re.findall(r"<strong>(Note \d+)</strong>", panel.text)
    assert shown == [f"Note {n}" for n in range(BELL_PANEL_ITEMS + 1, 1, -1)]  # newest first
    assert 'href="/tasks/1"' in panel.text and 'href="/notifications"' in panel.text
    assert "Mark all read" in panel.text

    read = client.post("/notifications/read", data={"panel": "1"}, headers=HTMX)
    assert read.status_code == 200
    assert "<strong>" not in read.text and "Mark all read" not in read.text
    bell = re.search(r'<a id="bell"[^>]*>', read.text).group(0)  # the header's, out of band
    assert 'hx-swap-oob="true"' in bell and "Notifications: 0 unread" in bell
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.read_at.is_(None))) == 1  # only the other user's
    # without htmx (no script), the same form goes back to the list
    _notes(world["users"]["cw2"], 1)
    plain = client.post("/notifications/read", data={"panel": "1"})
    assert plain.status_code == 302 and plain.headers["Location"] == "/notifications"


def test_the_bells_dropdown_needs_a_signed_in_user(client):
    assert client.get("/notifications/panel").status_code in (302, 401)
