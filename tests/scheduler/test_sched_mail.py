"""The email outbox: real SMTP, retry with back-off, sent exactly once."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEmail
from app.models.types import utcnow
from app.services.jobs import mail


def _queue(n: int) -> list[int]:
    rows = [mail.enqueue(f"person{i}@example.test", f"Subject {i}", f"Body {i}\n")
            for i in range(n)]
    db.session.commit()
    return [row.id for row in rows]


def _rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_server_down_then_up_every_email_arrives_exactly_once(smtp, app):
    ids = _queue(3)
    now = utcnow()

    down = mail.send_due(now=now)  # nothing listens on the port yet
    assert (down.sent, down.retried, down.failed) == (0, 3, 0)
    for row in _rows():
        assert row.status == "pending" and row.attempts == 1
        assert "cannot reach 127.0.0.1" in row.last_error
        assert row.next_attempt_at == now + mail.backoff(1)
    assert mail.next_attempt_at() == now + mail.backoff(1)
    assert mail.send_due(now=now).retried == 0  # backing off: not tried again yet

    second = mail.send_due(now=now + mail.backoff(1))  # still down: the delay doubles
    assert second.retried == 3
    assert {row.next_attempt_at for row in _rows()} == {now + mail.backoff(1) + mail.backoff(2)}
    assert mail.backoff(2) == 2 * mail.backoff(1)

    smtp.start()
    later = now + timedelta(hours=2)
    assert mail.send_due(now=later).sent == 3
    assert mail.send_due(now=later + timedelta(hours=2)).sent == 0
    assert mail.next_attempt_at() is None

    received = smtp.mailbox.messages
    assert len(received) == 3
    assert sorted(m["to"][0] for m in received) == [f"person{i}@example.test" for i in range(3)]
    assert {m["message_id"] for m in received} == {f"<outbox-{i}@safeport>" for i in ids}
    assert all(m["from"] == "safeport@localhost" for m in received)
    assert {m["body"] for m in received} == {f"Body {i}\n" for i in range(3)}
    for row in _rows():
        assert row.status == "sent" and row.sent_at is not None and row.attempts == 3
        assert row.last_error is None


def test_temporary_refusal_is_retried_and_permanent_refusal_fails_then_requeues(smtp, app,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_PERMANENT_FAILURES", 2)
    smtp.start()
    _queue(1)
    now = utcnow()
    smtp.mailbox.refuse_with = "451 4.3.0 Try again later"
    assert mail.send_due(now=now).retried == 1
    assert "451" in _rows()[0].last_error

    smtp.mailbox.refuse_with = "550 5.1.1 No such user"
    now += timedelta(hours=2)
    assert mail.send_due(now=now).failed == 1  # second attempt, permanent: given up
    row = _rows()[0]
    assert row.status == "failed" and "550" in row.last_error
    assert mail.send_due(now=now + timedelta(days=1)).sent == 0
    assert smtp.mailbox.messages == [] and smtp.mailbox.refused == 2

    smtp.mailbox.refuse_with = None
    assert mail.requeue_failed() == 1
    assert mail.send_due(now=now + timedelta(days=1)).sent == 1
    assert len(smtp.mailbox.messages) == 1 and _rows()[0].status == "sent"


def test_an_address_less_recipient_queues_nothing():
    assert mail.enqueue(None, "s", "b") is None and mail.enqueue("", "s", "b") is None
    db.session.commit()
    assert _rows() == []


def test_two_senders_at_once_send_each_email_once(smtp, app, is_postgres):
    if not is_postgres:
        pytest.skip("several senders at once need PostgreSQL row locks (SQLite: one scheduler)")
    smtp.start()
    _queue(60)
    reports, errors = [], []

    def sender():
        with app.app_context():
            try:
                reports.append(mail.send_due())
            except Exception as err:  # surfaced below
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == 60
    ids = [m["message_id"] for m in smtp.mailbox.messages]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert all(row.status == "sent" for row in _rows())


def test_an_email_that_cannot_be_built_fails_without_blocking_the_queue(smtp):
    smtp.start()
    bad = mail.enqueue("broken\naddress@example.test", "Bad", "b")
    mail.enqueue("fine@example.test", "Two\nlines", "b")
    db.session.commit()
    report = mail.send_due()
    assert (report.sent, report.failed) == (1, 1)
    assert db.session.get(OutboxEmail, bad.id).status == "failed"
    assert [m["subject"] for m in smtp.mailbox.messages] == ["Two lines"]
