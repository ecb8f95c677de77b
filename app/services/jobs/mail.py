"""The email outbox and its SMTP sender.

Whoever decides to send an email adds an outbox row in their own transaction (`enqueue`), so
the email exists exactly when the change that caused it was committed. The scheduler's sender
(`send_due`) claims one due row at a time (FOR UPDATE SKIP LOCKED on PostgreSQL, so several
schedulers never take the same row), hands it to the SMTP server and marks it sent in that same
transaction. When the server is down or answers 4xx the row is retried with exponential back-off;
it is never dropped. The one window left is a crash between the server's "250 OK" and our commit:
the email is then sent again on the next run, with the same Message-ID, so a receiver can tell.
"""
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import OutboxEmail
from app.models.enums import EmailStatus
from app.models.types import utcnow
from app.services.jobs import wakeup
from app.services.runtime.unit_of_work import transaction

#: Failures that say nothing about the message: the server is down, slow or dropped us.
CONNECTION_ERRORS = (OSError, smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected,
                     smtplib.SMTPHeloError)


@dataclass
class SendReport:
    """What one `send_due` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def enqueue(to_addr: str | None, subject: str, body: str, *, case_id: int | None = None,
            task_id: int | None = None) -> OutboxEmail | None:
    """Add an email to the outbox in the current transaction (the caller commits).

    Returns None (and queues nothing) when there is no address to send to.
    """
    if not to_addr:
        return None
    subject = " ".join(subject.split())[:300]  # one line: a header cannot hold line breaks
    email = OutboxEmail(to_addr=to_addr, subject=subject, body=body, status=EmailStatus.PENDING,
                        attempts=0, next_attempt_at=utcnow(), case_id=case_id, task_id=task_id)
    db.session.add(email)
    wakeup.poke(email.next_attempt_at)
    return email


def next_attempt_at() -> datetime | None:
    """When the earliest pending email is due (now or later), or None."""
    return db.session.scalar(select(func.min(OutboxEmail.next_attempt_at))
                             .where(OutboxEmail.status == EmailStatus.PENDING))


def backoff(attempts: int) -> timedelta:
    """Delay before retry number `attempts` (1, 2, ...): base * 2**(attempts-1), capped."""
    config = current_app.config
    base, cap = config["MAIL_RETRY_BASE_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def _claim(now: datetime, seen: set[int]) -> OutboxEmail | None:
    query = select(OutboxEmail).where(OutboxEmail.status == EmailStatus.PENDING,
                                      OutboxEmail.next_attempt_at <= now)
    if seen:
        query = query.where(OutboxEmail.id.not_in(seen))
    return db.session.scalar(
        query.order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(1)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def _message(email: OutboxEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_addr
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message.set_content(email.body)
    return message


class _Connection:
    """One SMTP session, opened on first use and reused for the rest of a run."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None
        self.down: str | None = None  # set once the server could not be reached this run

    def send(self, message: EmailMessage) -> None:
        if self.down:
            raise ConnectionError(self.down)
        if self.smtp is None:
            config = current_app.config
            try:
                smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                                    timeout=config["MAIL_TIMEOUT"])
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            except CONNECTION_ERRORS as err:
                self.down = f"cannot reach {config['MAIL_SERVER']}:{config['MAIL_PORT']}: {err}"
                raise ConnectionError(self.down) from None
            self.smtp = smtp
        try:
            self.smtp.send_message(message)
        except BaseException:
            self.close()  # the session's state is unknown after an error: start afresh
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _is_permanent(err: Exception) -> bool:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in err.recipients.values())
    if isinstance(err, smtplib.SMTPResponseException):
        return err.smtp_code >= 500
    return False


def send_due(now: datetime | None = None, limit: int = 500) -> SendReport:
    """Send every outbox email due as of `now`, each in its own transaction."""
    now = now or utcnow()
    report, seen, connection = SendReport(), set(), _Connection()
    try:
        while len(seen) < limit:
            with transaction():
                email = _claim(now, seen)
                if email is None:
                    break
                seen.add(email.id)
                _send_one(email, connection, now, report)
    finally:
        connection.close()
    return report


def _send_one(email: OutboxEmail, connection: "_Connection", now: datetime,
              report: SendReport) -> None:
    """Hand one claimed email to the SMTP server and record the outcome on its row."""
    try:
        message = _message(email)
    except (ValueError, TypeError) as err:  # cannot be built: retrying will not help
        email.status, email.last_error = EmailStatus.FAILED, f"bad message: {err}"[:2000]
        report.failed += 1
        return
    try:
        connection.send(message)
    except (smtplib.SMTPException, OSError) as err:
        email.attempts += 1
        email.last_error = f"{type(err).__name__}: {err}"[:2000]
        permanent = _is_permanent(err)
        limit_hit = email.attempts >= current_app.config["MAIL_MAX_PERMANENT_FAILURES"]
        if permanent and limit_hit:
            email.status = EmailStatus.FAILED
            report.failed += 1
        else:
            email.next_attempt_at = now + backoff(email.attempts)
            report.retried += 1
    else:
        email.attempts += 1
        email.status, email.sent_at, email.last_error = EmailStatus.SENT, utcnow(), None
        report.sent += 1


def requeue_failed(ids: list[int] | None = None) -> int:
    """Put failed emails back in the queue (an admin fixed the address or the server)."""
    query = select(OutboxEmail).where(OutboxEmail.status == EmailStatus.FAILED)
    if ids:
        query = query.where(OutboxEmail.id.in_(ids))
    with transaction():
        emails = db.session.scalars(query).all()
        for email in emails:
            email.status, email.attempts, email.next_attempt_at = (EmailStatus.PENDING, 0,
                                                                   utcnow())
    return len(emails)


def counts() -> dict[str, int]:
    """Outbox rows by status."""
    rows = db.session.execute(select(OutboxEmail.status, func.count())
                              .group_by(OutboxEmail.status)).all()
    return {status: n for status, n in rows}
