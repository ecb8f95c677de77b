"""Fixtures for the scheduler tests: a real local SMTP server (aiosmtpd) and small helpers."""
import socket
import threading
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from app.extensions import db
from app.models import Company


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts; it can answer 4xx/5xx instead."""

    def __init__(self):
        self.messages = []
        self.refuse_with: str | None = None  # e.g. "451 4.3.0 try again later"
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse_with:
                self.refused += 1
                return self.refuse_with
            message = message_from_bytes(envelope.content)
            self.messages.append({"to": list(envelope.rcpt_tos), "from": envelope.mail_from,
                                  "subject": message["Subject"],
                                  "message_id": message["Message-ID"],
                                  "body": message.get_payload(decode=True).decode()
                                  .replace("\r\n", "\n")})
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """A local SMTP server on a free port that a test can stop and start."""

    def __init__(self, port: int):
        self.port, self.mailbox, self.controller = port, Mailbox(), None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app, monkeypatch):
    """A local SMTP server the app is configured to use, NOT started (call .start())."""
    server = SmtpServer(free_port())
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    yield server
    server.stop()


@pytest.fixture
def lead_times(app, monkeypatch):
    """Set SAFEPORT_REMINDER_LEAD_TIMES for one test."""

    def set_leads(value: str) -> None:
        monkeypatch.setitem(app.config, "PERIODS",
                            {**app.config["PERIODS"], "SAFEPORT_REMINDER_LEAD_TIMES": value})

    return set_leads


@pytest.fixture
def company() -> int:
    row = Company(legal_name="Acme Imports", entity_type="importer")
    db.session.add(row)
    db.session.commit()
    return row.id
