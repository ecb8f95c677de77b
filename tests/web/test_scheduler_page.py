"""The admin page that shows the scheduler's state."""
import time
from datetime import UTC, datetime

from app.services.repository import deployments
from app.services.runtime import cases
from app.services.runtime.timers import fire_due_timers
from tests.helpers import bpmn


def test_admin_sees_waiting_and_fired_timers(world, client, sign_in):
    deployments.deploy(None, {"timer_wait.bpmn": bpmn("timer_wait.bpmn")})
    soon = cases.start_case(world["users"]["cw"], company_id=world["acme"].id,
                            process_id="timer_wait", data={"wait": "PT0.2S"})
    later = cases.start_case(world["users"]["cw"], company_id=world["acme"].id,
                             process_id="timer_wait", data={"wait": "P30D"})
    sign_in("admin")
    page = client.get("/admin/scheduler")
    assert page.status_code == 200
    timers = page.text.split('id="timers"')[1].split("</section>")[0]
    assert "<dt>Waiting</dt><dd>2</dd>" in timers
    assert f">{soon.id}</a>" in timers  # the next timer to fire
    assert "Nothing has fired yet." in page.text

    time.sleep(0.3)
    assert fire_due_timers(datetime.now(UTC)) == 1
    page = client.get("/admin/scheduler").text
    recent = page.split('id="recent"')[1].split("</section>")[0]
    assert "Timer fired" in recent and f">{soon.id}</a>" in recent
    assert "cooling_off" in recent
    assert f">{later.id}</a>" in page.split('id="timers"')[1].split("</section>")[0]


def test_only_admins_see_the_scheduler_page(world, client, sign_in):
    sign_in("cw")
    assert client.get("/admin/scheduler").status_code == 403
    assert "/admin/scheduler" not in client.get("/inbox").text
    client.post("/logout")
    sign_in("admin")
    assert "/admin/scheduler" in client.get("/dashboard").text
