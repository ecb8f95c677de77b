"""English and Spanish: the catalogue covers what applicants and supplier contacts read, and
their pages and emails come in the language they chose (or their browser asks for)."""
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from app.extensions import db
from app.models import Company, HumanTask, OutboxEmail, User
from app.services.jobs import notifications, reminders
from app.services.membership.catalogue import SAMPLE_CATALOGUE, import_catalogue, read_rows
from app.services.repository import deployments
from app.services.runtime import cases
from app.web.bpmn_messages import extract_bpmn
from tests.helpers import bpmn

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
#: what applicants and supplier contacts read: these must be all in Spanish
APPLICANT_TEMPLATES = [
    "base.html", "auth/login.html", "auth/password.html", "error.html", "partials/error.html",
    "partials/message.html", "inbox/index.html", "inbox/_results.html", "tasks/task.html",
    "tasks/_fields.html", "tasks/_readonly.html", "cases/show.html", "cases/company.html",
    "cases/_timeline.html", "mail/_task.txt", "mail/task_assigned.txt",
    "mail/deadline_reminder.txt", "mail/deadline_escalated.txt",
    # the client's supplier portfolio and the corrective-action deadlines (issue 12)
    "portfolio/index.html", "portfolio/_labels.html", "mail/corrective_action_reminder.txt",
    "mail/corrective_action_overdue.txt"]
WEB_CODE = ["auth.py", "cases.py", "tasks.py", "inbox.py", "formdata.py", "filters.py",
            "labels.py", "messages.py", "__init__.py"]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}


def _po():
    with PO.open("rb") as handle:
        return read_po(handle, locale="es")


def _used_messages() -> dict[str, str]:
    """msgid -> where it is used, for every message the applicant pages, emails, web views
    and diagrams (task titles, stages) use."""
    found: dict[str, str] = {}
    sources = [("jinja2", ROOT / "app" / "templates" / name) for name in APPLICANT_TEMPLATES]
    sources += [("python", ROOT / "app" / "web" / name) for name in WEB_CODE]
    for method, path in sources:
        for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "bpmn").glob("*.bpmn")):
        with path.open("rb") as handle:
            for _line, _func, message, _comments in extract_bpmn(handle, None, None, None):
                found.setdefault(message, str(path.relative_to(ROOT)))
    return found


def test_every_message_applicants_read_has_a_spanish_translation():
    catalog = _po()
    used = _used_messages()
    assert len(used) > 300  # the extraction itself works
    missing = []
    for msgid, where in sorted(used.items()):
        entry = catalog.get(msgid)
        strings = [] if entry is None else (
            list(entry.string) if isinstance(entry.string, tuple | list) else [entry.string])
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{msgid!r} ({where})")
    assert missing == [], "untranslated in messages.po (run `make translations`):\n" + \
        "\n".join(missing)


def test_the_compiled_catalogue_matches_its_po():
    po = _po()
    mo = read_mo(BytesIO(MO.read_bytes()))
    def strings(catalog, skip_fuzzy):
        return {m.id if isinstance(m.id, str) else m.id[0]:
                m.string if isinstance(m.string, str) else tuple(m.string)
                for m in catalog if m.id and not (skip_fuzzy and m.fuzzy)}

    want, have = strings(po, True), strings(mo, False)
    assert have == want, "messages.mo is stale: run `make translations` (or pybabel compile)"


# -- pages ---------------------------------------------------------------------------------
@pytest.fixture
def spanish(make_user):
    """An importer with a Spanish-speaking applicant (and an English one), the sample
    catalogue, and a case waiting at the company profile form."""
    import_catalogue(None, read_rows(SAMPLE_CATALOGUE))
    acme = Company(legal_name="Importadora del Norte SA de CV", entity_type="importer",
                   country="MX")
    db.session.add(acme)
    db.session.commit()
    ana = make_user("ana", "applicant", acme.id)
    bob = make_user("bob", "applicant", acme.id)
    cw = make_user("cw", "case_worker")
    ana.language = "es"
    db.session.commit()
    deployments.deploy(None, {"spanish_applicant.bpmn": bpmn("spanish_applicant.bpmn")})
    case = cases.start_case(cw, company_id=acme.id, process_id="spanish_applicant")
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    return {"ana": ana, "bob": bob, "cw": cw, "case": case, "task": task, "company": acme}


def test_the_sign_in_page_follows_the_browser(client):
    spanish = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    page = spanish.get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Iniciar sesión" in page and "Usuario" in page and "Contraseña" in page
    assert "Sign in" not in page
    english = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign in" in english
    assert "Iniciar sesión" not in client.get("/login").get_data(as_text=True)  # default


def test_a_wrong_password_is_refused_in_spanish(client):
    refused = client.post("/login", data={"username": "nobody", "password": "x"},
                          headers={"Accept-Language": "es"})
    assert refused.status_code == 401
    assert "Usuario desconocido o contraseña incorrecta." in refused.get_data(as_text=True)


def test_a_spanish_applicant_reads_inbox_task_and_company_in_spanish(spanish, client,
                                                                     sign_in):
    sign_in("ana")
    inbox = client.get("/inbox?view=applicant").get_data(as_text=True)
    assert '<html lang="es">' in inbox
    for words in ("Mis tareas", "Cola: Solicitante", "Filtrar", "Buscar",
                  "Perfil de la empresa y acuerdo", "1 tarea abierta", "Cerrar sesión",
                  'data-label="Empresa"', "Tomar"):
        assert words in inbox, words
    assert ">Company profile and agreement<" not in inbox and "My tasks" not in inbox

    page = client.get(f"/tasks/{spanish['task'].id}").get_data(as_text=True)
    for words in ("Domicilio de la oficina principal", "Nombre comercial", "Tipo de sociedad",
                  "Sociedad anónima", "Contactos (al menos dos; uno de ellos es el funcionario",
                  "Acuerdo de participación voluntaria", "Guardar borrador",
                  "Completar y volver a la bandeja", "Tarea (Solicitante)", "Tipo de entidad",
                  "Importador", "El perfil de la empresa del portal CTPAT."):
        assert words in page, words
    for english in ("Headquarters address", "Trade name", "Save draft", "Ownership type"):
        assert english not in page, english

    company = client.get("/my-company").get_data(as_text=True)
    for words in ("Lo que se requiere ahora", "Sus expedientes", "Registro de la empresa",
                  "Perfil de seguridad", "aún no aceptado", "Historial", "Expediente iniciado"):
        assert words in company, words
    assert "Required next" not in company


def test_field_errors_are_in_spanish_and_the_rules_the_same(spanish, client, sign_in):
    sign_in("ana")
    refused = client.post(f"/tasks/{spanish['task'].id}", data={
        "action": "complete", "contacts.__count": "1", "contacts.0.name": "Ana",
        "contacts.0.email": "no-es-correo"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "problemas antes de poder enviar" in page
    assert "Este campo es obligatorio." in page
    assert "No es un correo electrónico válido." in page
    assert "Uno de los contactos debe ser el funcionario de la empresa." in page
    assert "Missing data for required field." not in page
    english = client.post("/language", data={"language": "en"})
    assert english.status_code == 302
    again = client.post(f"/tasks/{spanish['task'].id}", data={
        "action": "complete", "contacts.__count": "1", "contacts.0.name": "Ana"})
    assert "Missing data for required field." in again.get_data(as_text=True)


def test_the_language_switch_persists_on_the_user(spanish, client, sign_in):
    sign_in("bob")
    assert "My tasks" in client.get("/inbox").get_data(as_text=True)
    switched = client.post("/language", data={"language": "es", "next": "/inbox?view=mine"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith(
        "/inbox?view=mine")
    db.session.expire_all()
    assert db.session.get(User, spanish["bob"].id).language == "es"
    assert "Mis tareas" in client.get("/inbox").get_data(as_text=True)
    client.post("/logout")
    assert "Cerró su sesión." in client.get("/login").get_data(as_text=True)
    sign_in("bob")  # a new session: the choice is on the user
    assert "Mis tareas" in client.get("/inbox").get_data(as_text=True)
    client.post("/language", data={"language": "xx", "next": "//evil.example"})
    db.session.expire_all()
    assert db.session.get(User, spanish["bob"].id).language == "es"  # unknown: unchanged


def test_a_visitor_switches_the_sign_in_page_in_the_session(client):
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    switched = client.post("/language", data={"language": "es", "next": "/login?"})
    assert switched.status_code == 302 and urlsplit(switched.headers["Location"]).path == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Iniciar sesión" in page  # the choice wins over the browser


def test_set_preferences_checks_language_and_zone(spanish):
    from app.services.errors import Invalid
    from app.services.identity.users import set_preferences

    bob = spanish["bob"]
    set_preferences(bob, language="es", time_zone="America/Mexico_City")
    db.session.expire_all()
    stored = db.session.get(User, bob.id)
    assert (stored.language, stored.time_zone) == ("es", "America/Mexico_City")
    with pytest.raises(Invalid) as refused:
        set_preferences(stored, language="fr", time_zone="Mars/Olympus")
    assert set(refused.value.details) == {"language", "time_zone"}
    set_preferences(stored, language=None)
    db.session.expire_all()
    assert db.session.get(User, bob.id).language is None
    assert db.session.get(User, bob.id).time_zone == "America/Mexico_City"  # kept


# -- emails --------------------------------------------------------------------------------
def _mail_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == address)
                                   .order_by(OutboxEmail.id)))


def test_emails_come_in_each_recipients_language(spanish):
    task = spanish["task"]
    notifications.task_assigned(task, spanish["ana"], spanish["cw"])
    notifications.task_assigned(task, spanish["bob"], spanish["cw"])
    db.session.commit()
    (assigned,) = _mail_to("ana@example.test")
    assert assigned.subject == "[SafePort] Se le asignó una tarea: Perfil de la empresa y acuerdo"
    assert "Estimado/a ana:" in assigned.body and "cw le asignó una tarea." in assigned.body
    assert "Cola: Solicitante" in assigned.body and "Expediente: n.º" in assigned.body
    (english,) = _mail_to("bob@example.test")
    assert english.subject == "[SafePort] Task assigned to you: Company profile and agreement"
    assert "Hello bob," in english.body and "Queue: Applicant" in english.body

    reminders.run_due(now=task.due_at - timedelta(hours=12))
    reminder = _mail_to("ana@example.test")[-1]
    assert reminder.subject.startswith("[SafePort] Vence el ")
    assert "Esta tarea vence el" in reminder.body
    reminders.run_due(now=task.due_at + timedelta(days=2, hours=1))
    late = _mail_to("ana@example.test")[-1]
    assert late.subject.startswith("[SafePort] Vencida: Perfil de la empresa y acuerdo")
    assert "Esta tarea venció hace 2 días y sigue abierta." in late.body
    supervisor = _mail_to("cw@example.test")[-1]
    assert "This task missed its deadline (2 days ago) and is still open." in supervisor.body


def test_the_api_schema_is_english_unless_asked_for_spanish(spanish, login):
    api = login("ana")  # her own setting does not change the API
    url = f"/api/v1/tasks/{spanish['task'].id}"
    english = api.get(url).get_json()["form"]["schema"]
    asked = api.client.get(url, headers={**api._headers(), "Accept-Language": "es-MX"})
    spanish_schema = asked.get_json()["form"]["schema"]
    assert english["properties"]["address"]["title"] == "Headquarters address"
    assert spanish_schema["properties"]["address"]["title"] == "Domicilio de la oficina principal"
    assert spanish_schema["required"] == english["required"]
    assert spanish_schema["properties"]["contacts"]["minItems"] == \
        english["properties"]["contacts"]["minItems"]


def test_the_security_profile_says_once_that_the_criteria_stay_in_english(spanish, client,
                                                                          sign_in):
    deployments.deploy(None, {"spanish_security_profile.bpmn":
                              bpmn("spanish_security_profile.bpmn")})
    case = cases.start_case(spanish["cw"], company_id=spanish["company"].id,
                            process_id="spanish_security_profile")
    task = db.session.scalar(select(HumanTask).where(HumanTask.case_id == case.id))
    sign_in("ana")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert page.count("Los textos de los criterios se muestran en inglés") == 1
    for words in ("Criterios obligatorios (Must)", "Cómo lo cumple la empresa",
                  "¿Se cumple hoy?", "Socios comerciales", "Criterios Mínimos de Seguridad"):
        assert words in page, words
    assert "How the company meets it" not in page and "Met today?" not in page
    assert "(sample wording)" in page  # the criterion itself, as the catalogue words it
    client.post("/language", data={"language": "en"})
    english = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "How the company meets it" in english and "criterios" not in english
