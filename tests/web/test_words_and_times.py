"""Words and times for people: coded values as labels, times in the reader's zone with the
zone shown, the profile page that sets them, SafePort credited for what the engine did, 403
pages in plain words, the favicon, the scheduler's times."""
import re
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Company, HumanTask
from app.models.types import utcnow
from app.services.repository import deployments
from app.services.runtime import cases
from app.services.runtime.timers import fire_due_timers
from app.web import filters
from tests.helpers import bpmn

RAW = re.compile(r">[^<]*\b[a-z]+_[a-z]+(?:_[a-z]+)*\b[^<]*<")


def _visible(html: str) -> str:
    """The page's text between tags (scripts, attributes and hidden inputs left out)."""
    body = html.split("<main", 1)[1]
    return re.sub(r"<[^>]+>", "\n", body)


def test_entity_types_and_statuses_read_as_words_not_codes(world, client, sign_in):
    carrier = Company(legal_name="Transportes Norte", entity_type="highway_carrier_us_mexico")
    db.session.add(carrier)
    db.session.commit()
    started = cases.start_case(world["users"]["cw"], company_id=carrier.id,
                               process_id="two_lanes")
    sign_in("cw")
    for path in (f"/cases/{started.id}", "/inbox?view=case_worker", "/cases"):
        text = _visible(client.get(path).text)
        assert "highway_carrier" not in text and "case_worker" not in text, path
    page = client.get(f"/cases/{started.id}").text
    assert "Highway carrier (U.S.–Mexico)" in page
    assert "Running" in client.get("/cases").text.split("<tbody>")[1]
    inbox = client.get("/inbox?view=case_worker").text
    assert "highway carrier (U.S.–Mexico)" in inbox  # inside a sentence: lower case


def test_labels_in_spanish_and_in_sentences(app):
    from flask_babel import force_locale

    from app.web.labels import label, term, words

    assert words("highway_carrier_us_mexico") == "Highway carrier (U.S.–Mexico)"
    assert words("customs_broker") == "Customs broker"
    assert words("timer_fired") == "Timer fired"
    with app.test_request_context():
        assert term("case_worker") == "case worker"
        assert term("highway_carrier_us_mexico") == "highway carrier (U.S.–Mexico)"
        with force_locale("es"):
            assert label("highway_carrier_us_mexico") == "Autotransportista EE. UU.–México"
            assert label("minor") == "Menor"


def test_times_show_in_the_readers_zone_with_the_zone(world, client, sign_in):
    cw = world["users"]["cw"]
    case = world["case"]
    sign_in("cw")
    page = client.get(f"/cases/{case.id}").text
    started = case.started_at.astimezone(UTC)
    assert f"{started:%H:%M} UTC" in page
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", _visible(page))  # no bare ISO text
    cw.time_zone = "America/Mexico_City"  # UTC-6, no daylight saving since 2022
    db.session.commit()
    page = client.get(f"/cases/{case.id}").text
    local = case.started_at.astimezone(UTC).replace(tzinfo=None)
    from datetime import timedelta
    shifted = local - timedelta(hours=6)
    assert f"{shifted:%H:%M} CST" in page
    assert f"{started:%H:%M} UTC" not in page


def test_filters_format_moments_days_and_iso_text(app):
    moment = datetime(2026, 12, 2, 6, 3, 59, 123456, tzinfo=UTC)
    with app.test_request_context():
        assert filters.when(moment) == "2 Dec 2026, 06:03 UTC"
        assert filters.when(moment.isoformat()) == "2 Dec 2026, 06:03 UTC"
        assert filters.when(None) == ""
        assert filters.day(date(2027, 1, 1)) == "1 Jan 2027"
        assert filters.day("2027-01-01") == "1 Jan 2027"  # a calendar day stays that day
        assert filters.plain("this needs the role case_worker or admin") == \
            "This needs the role case worker or admin."


def test_the_profile_page_sets_language_and_time_zone(world, client, sign_in):
    cw = world["users"]["cw"]
    sign_in("cw")
    page = client.get("/account")
    assert page.status_code == 200
    assert '<option >America/Mexico_City</option>' in page.text
    bad = client.post("/account", data={"language": "en", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    done = client.post("/account", data={"language": "es", "time_zone": "Europe/Madrid"},
                       follow_redirects=True)
    assert done.status_code == 200
    db.session.refresh(cw)
    assert (cw.language, cw.time_zone) == ("es", "Europe/Madrid")
    assert "Sus ajustes están guardados." in done.text
    assert "<option selected>Europe/Madrid</option>" in done.text


def test_the_browsers_zone_is_taken_once_only_when_none_is_set(world, client, sign_in):
    cw = world["users"]["cw"]
    sign_in("cw")
    assert 'data-time-zone-from="/account/browser-time-zone"' in client.get("/inbox").text
    assert client.post("/account/browser-time-zone",
                       data={"time_zone": "Nowhere/Land"}).status_code == 422
    assert client.post("/account/browser-time-zone",
                       data={"time_zone": "America/Tijuana"}).status_code == 204
    assert client.post("/account/browser-time-zone",
                       data={"time_zone": "Asia/Tokyo"}).status_code == 204
    db.session.refresh(cw)
    assert cw.time_zone == "America/Tijuana"  # the first one stays
    assert "data-time-zone-from" not in client.get("/inbox").text


def test_the_header_names_the_person_and_role_once(world, client, sign_in):
    cw = world["users"]["cw"]
    cw.full_name = "Carla Weber"
    db.session.commit()
    sign_in("cw")
    header = client.get("/inbox").text.split("<header", 1)[1].split("</header>")[0]
    assert header.count("Carla Weber") == 1 and header.count("Case worker") == 1
    assert 'href="/account"' in header


def test_engine_timeline_entries_are_credited_to_safeport(world, client, sign_in):
    cw = world["users"]["cw"]
    deployments.deploy(None, {"timer_wait.bpmn": bpmn("timer_wait.bpmn")})
    case = cases.start_case(cw, company_id=world["acme"].id, process_id="timer_wait",
                            data={"wait": "PT0.1S"})
    time.sleep(0.2)
    assert fire_due_timers(datetime.now(UTC)) == 1
    sign_in("cw")
    timeline = client.get(f"/cases/{case.id}/timeline").text
    entries = {m.group(1): m.group(2) for m in re.finditer(
        r'<li class="event event-(\w+)">.*?<span class="muted">by ([^<]+)</span>', timeline,
        re.S)}
    assert entries["case_started"] == "cw"
    assert entries["timer_fired"] == "SafePort"
    # the two-lane case: cw started it, the engine opened its first task
    timeline = client.get(f"/cases/{world['case'].id}/timeline").text
    created = timeline.split('event-task_created">')[1].split("</li>")[0]
    assert "by SafePort" in created and "by cw" not in created


def test_forbidden_pages_say_so_in_plain_words(world, client, sign_in):
    sign_in("acme")
    page = client.get("/dashboard")
    assert page.status_code == 403
    assert "This page is not part of your work" in page.text
    assert "You are signed in as acme (applicant)" in page.text
    assert "case_worker" not in _visible(page.text)
    assert "This needs the role case worker or specialist." in page.text


def test_the_favicon_is_served_and_linked(client):
    icon = client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    icon.close()
    old = client.get("/favicon.ico")
    assert old.status_code == 301 and old.headers["Location"].endswith("/static/img/favicon.svg")
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in \
        client.get("/login").text


def test_scheduler_times_are_formatted(world, client, sign_in):
    from app.models import SchedulerHeartbeat

    now = datetime(2026, 12, 2, 6, 3, 59, 123456, tzinfo=UTC)
    db.session.add(SchedulerHeartbeat(id="vm:4242", started_at=now, last_run_at=now,
                                      next_wake_at=now, totals={}))
    db.session.commit()
    sign_in("admin")
    page = client.get("/admin/scheduler").text
    assert not re.search(r"\d\d:\d\d:\d\d", _visible(page))  # no seconds, no microseconds
    row = page.split("vm:4242")[1].split("</tr>")[0]
    assert row.count("2 Dec 2026, 06:03 UTC") == 3
    assert 'class="table-scroll"' in page


def test_the_inbox_says_how_far_a_due_date_is(world, client, sign_in):
    task = db.session.scalar(select(HumanTask).where(HumanTask.state == "ready")
                             .order_by(HumanTask.id).limit(1))
    task.due_at = utcnow() - timedelta(days=2, hours=1)
    db.session.commit()
    sign_in("cw")
    text = _visible(client.get("/inbox?view=case_worker").text)
    assert "overdue by 2 days" in text
