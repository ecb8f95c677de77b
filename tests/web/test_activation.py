"""Activation links (also password resets): a signed, expiring link to choose a password,
good once; the contact of a public enquiry activates their account and signs in with it."""
import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEmail, User
from app.services.errors import Unauthorized
from app.services.identity import activation
from app.services.repository import deployments
from tests.helpers import bpmn
from tests.web.test_audit_enquiry import form

NEW_PASSWORD = "a-long-new-secret"


@pytest.fixture
def link(client) -> str:
    """The path of the activation link a public enquiry's contact is emailed."""
    deployments.deploy(None, {"partner_audit_min.bpmn": bpmn("partner_audit_min.bpmn")})
    assert client.post("/audits/enquiry", data=form()).status_code == 302
    body = db.session.scalar(select(OutboxEmail.body))
    return re.search(r"http://localhost(/activate/[\w.-]+)", body).group(1)


def choose(client, path, new=NEW_PASSWORD, repeat=None):
    return client.post(path, data={"new": new, "repeat": new if repeat is None else repeat})


def test_the_link_sets_the_password_signs_in_and_works_once(client, link):
    page = client.get(link)
    assert page.status_code == 200 and "Your username is ana." in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the token stays in this page
    done = choose(client, link)
    assert done.status_code == 302 and done.headers["Location"] == "/my-company"
    home = client.get("/my-company")
    assert home.status_code == 200 and "Your password is set." in home.text
    assert "Acme Imports LLC" in home.text
    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 400 and "already used" in again.text
    assert choose(client, link, "another-long-secret").status_code == 400
    signed = client.post("/login", data={"username": "ana", "password": NEW_PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"] == "/my-company"


def test_the_password_rules_of_a_change_apply(client, link):
    short = choose(client, link, "short")
    assert short.status_code == 422 and "must be at least 10 characters" in short.text
    mismatch = choose(client, link, NEW_PASSWORD, "something-else-entirely")
    assert mismatch.status_code == 422 and "does not match the new password" in mismatch.text
    assert client.get("/my-company").status_code == 302  # not signed in
    assert choose(client, link).status_code == 302  # the link still works


def test_tampered_and_expired_links_are_refused_with_a_plain_message(client, link,
                                                                      monkeypatch):
    token = link.rsplit("/", 1)[1]
    tampered = client.get(f"/activate/{token[:-2]}{'A' if token[-2] != 'A' else 'B'}x")
    assert tampered.status_code == 400 and "This link is not valid." in tampered.text
    assert "Traceback" not in tampered.text and "<form" not in tampered.text.split("<main")[1]
    eight_days = 8 * 24 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: int(time.time()) + eight_days)
    expired = client.get(link)
    assert expired.status_code == 400 and "This link has expired." in expired.text
    assert choose(client, link).status_code == 400
    monkeypatch.undo()
    assert client.get(link).status_code == 200  # within the 7 days it still works


def test_an_api_token_or_another_keys_link_is_no_activation_link(app, make_user):
    user = make_user("maria", "case_worker")
    for secret, salt in (("test-secret", "safeport-api-token"), ("another-key", "activate")):
        forged = URLSafeTimedSerializer(secret, salt=salt).dumps(
            {"uid": user.id, "pw": activation.fingerprint(user)})
        with pytest.raises(Unauthorized):
            activation.user_for_token(forged)
    assert activation.user_for_token(activation.activation_token(user)).id == user.id


def test_the_link_resets_a_password_and_any_password_change_ends_it(app, make_user, client):
    user = make_user("maria", "case_worker")
    token = activation.activation_token(user)
    assert choose(client, f"/activate/{token}").status_code == 302  # a reset
    client.post("/logout")
    assert client.post("/login", data={"username": "maria", "password": NEW_PASSWORD}
                       ).status_code == 302
    user = db.session.get(User, user.id)
    later = activation.activation_token(user)
    user.set_password("changed-elsewhere-1", app.config["PASSWORD_HASH_METHOD"])
    db.session.commit()
    with pytest.raises(Unauthorized):
        activation.user_for_token(later)
