"""Two simulated years of demo history: 39 more companies (three of every entity type) and 8
members at the later stages of their year (annual review, revalidation, appeal: `year`), each
with a membership case walked through the engine to a stage of the lifecycle, then backdated
so the cases started over the last two years and every task took a plausible number of days.

The walk is real (start_case, complete); only the timestamps are moved afterwards
(`backdate`): a case's start, each task's creation, completion and due date, the audit
trail, the membership record. Timers the engine keeps in its own state stay where the walk
put them (the scheduler fires them at their real time).
"""
import random
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Company, User
from app.models.types import utcnow
from app.models.user import ENTITY_TYPES
from app.services.demo.backdate import Clock
from app.services.demo.walk import AFTER_VALIDATION, STEP_IDS, Walk, walk_to
from app.services.demo.year import (
    YEAR_STEPS,
    YEAR_TARGETS,
    settle,
    until_window,
    walk_year,
    year_periods,
)
from app.services.runtime.cases import start_case
from app.services.runtime.unit_of_work import transaction

SEED = 2026
#: the first company's case started this long ago (just over two years)
HISTORY_DAYS = 735
#: what a company's name ends with, per entity type
SUFFIXES = {
    "importer": "Imports Inc", "exporter": "Exports LLC", "customs_broker": "Customs Brokers",
    "consolidator": "Consolidators Corp", "third_party_logistics": "Logistics LLC",
    "air_carrier": "Air Cargo", "sea_carrier": "Shipping Lines", "rail_carrier": "Railroad Co",
    "highway_carrier_us_canada": "Trucking Ltd", "highway_carrier_us_mexico": "Transportes SA",
    "mexican_long_haul_carrier": "Autotransportes SA de CV",
    "marine_port_terminal_operator": "Terminal Operators",
    "foreign_manufacturer": "Manufacturing Co",
}
PREFIXES = ("Bayside", "Cascade", "Desert Sun", "Eagle Pass", "Granite", "Harbor Point",
            "Ironwood", "Juniper", "Keystone", "Lakeshore", "Mesa Verde", "Northgate", "Oakridge",
            "Pacific Rim", "Quarry Hill", "Red River", "Silver Creek", "Tidewater", "Union Bay",
            "Valley Forge", "Westport", "Yellowstone", "Zephyr", "Atlas", "Blue Ridge", "Coastal",
            "Delta", "Evergreen", "Frontier", "Gulf Coast", "Highland", "Inland Empire", "Jade",
            "Kingsway", "Lone Star", "Midwest", "Nordic", "Orion", "Prairie")
#: where the 39 cases stop (a BPMN id of the open task, or how the case ended), most of them
#: validated members (one reported for an incident, one withdrawing), several more at the long
#: security profile
TARGETS = (("validated",) * 7 + AFTER_VALIDATION + ("security_profile",) * 4
           + ("specialist_review",) * 3 + ("vetting",) * 3 + ("site_visit",) * 2
           + ("eligibility_review", "ineligible", "ineligible", "risk_threats",
              "risk_action_plan", "risk_method", "company_profile", "company_profile",
              "information_request", "information_request", "rejected", "rejected",
              "validation_notice", "validation_notice", "prevalidation_documents",
              "prevalidation_documents", "validation_result", "validation_result"))
#: members at the later stages of their year (`year`), after the 39: name prefix, entity type,
#: the open task their case waits at
LATER = (("Summit", "importer", "annual_profile_review"),
         ("Anchor", "customs_broker", "annual_profile_review"),
         ("Beacon", "sea_carrier", "annual_profile_review"),
         ("Copper Canyon", "foreign_manufacturer", "resite_visit"),
         ("Driftwood", "exporter", "resite_visit"),
         ("Elmwood", "highway_carrier_us_canada", "appeal_request"),
         ("Foxhill", "air_carrier", "appeal_request"),
         ("Gateway", "consolidator", "appeal_decision"))
#: days a task typically waits before it is done (low, high)
STEP_DAYS = {"eligibility_review": (2, 12), "risk_cargo_flow": (3, 15), "risk_threats": (2, 10),
             "risk_vulnerabilities": (3, 14), "risk_action_plan": (2, 10), "risk_method": (1, 6),
             "company_profile": (2, 12), "security_profile": (15, 55),
             "specialist_review": (5, 25), "information_request": (5, 20), "vetting": (10, 45),
             "validation_notice": (3, 14), "prevalidation_documents": (5, 25),
             "site_visit": (20, 45), "validation_result": (2, 10)}


def history_companies() -> list[tuple[str, str, str]]:
    """(legal name, entity type, where its case stops) for the 39 history companies, then
    the members at later stages (LATER)."""
    rng = random.Random(SEED)
    targets = list(TARGETS)
    rng.shuffle(targets)
    types = [t for _round in range(3) for t in ENTITY_TYPES]
    return [(f"{prefix} {SUFFIXES[entity_type]}", entity_type, target)
            for prefix, entity_type, target in
            [*zip(PREFIXES, types, targets, strict=True), *LATER]]


def _plan(rng: random.Random, target: str) -> list[float]:
    """Days each step of the walk to `target` takes (a case waiting at a task took the days
    of the steps before it; the last step of an information request or rejection is the
    specialist's review)."""
    ends = {"ineligible": 1, "rejected": 9, "information_request": 9, "validated": len(STEP_IDS)}
    steps = ends.get(target) or (len(STEP_IDS) if target in AFTER_VALIDATION + YEAR_TARGETS
                                 else STEP_IDS.index(target))
    days = [rng.uniform(*STEP_DAYS[bpmn_id]) for bpmn_id in STEP_IDS[:steps]]
    if target in AFTER_VALIDATION:  # the member's year went on a while first
        days.append(rng.uniform(30, 200))
    for _bpmn_id, low_high in YEAR_STEPS.get(target, ()):  # the review window: a timer
        days.append(rng.uniform(*low_high) if low_high else until_window(days))
    return days


def seed_history(people: dict[str, User]) -> list[str]:
    """The history companies and their backdated cases, once (skips companies that exist)."""
    rng = random.Random(SEED)
    done: list[str] = []
    now, oldest = utcnow(), True
    for legal_name, entity_type, target in history_companies():
        days = _plan(rng, target)
        # open cases: their task has waited 1-150 days; ended ones ended any time since
        ended = target in ("ineligible", "rejected", "validated")
        if target == "annual_profile_review":  # open for days, not yet late
            tail = rng.uniform(5, 80)
        elif not ended:
            tail = rng.uniform(1, 150)
        else:  # the first ended case is the oldest: the history spans two years
            tail = HISTORY_DAYS - sum(days) if oldest else rng.uniform(0, HISTORY_DAYS - sum(days))
            oldest = False
        span = min(sum(days) + tail, HISTORY_DAYS)
        if db.session.scalar(select(Company.id).where(Company.legal_name == legal_name)):
            continue
        start = now - timedelta(days=span)
        company = Company(legal_name=legal_name, entity_type=entity_type)
        with transaction():
            db.session.add(company)
        with year_periods(target):
            case = start_case(people["caseworker"], company_id=company.id)
            clock = Clock(start, days)  # after the start: what it wrote lands at `start`
            walk = Walk(case.id, company, _identifiers(entity_type, len(done)), people,
                        after_step=clock.tick)
            (walk_year if target in YEAR_TARGETS else walk_to)(walk, target)
        clock.apply(company.id)
        settle(company.id, target)
        done.append(f"case {case.id} for {legal_name} (at {target}, "
                    f"started {start.date().isoformat()})")
    return done


#: the identifiers the company profile requires, per entity type
IDENTIFIERS = {
    "importer": ("ior", "bond"), "exporter": ("ein",), "third_party_logistics": ("ein",),
    "foreign_manufacturer": ("mid",), "sea_carrier": ("scac",), "rail_carrier": ("scac", "bond"),
    "highway_carrier_us_canada": ("scac", "usdot"), "highway_carrier_us_mexico": ("scac", "usdot"),
    "mexican_long_haul_carrier": ("scac", "rfc"),
    "customs_broker": ("broker_license", "filer_code", "bond"),
    "consolidator": ("fmc_number",), "marine_port_terminal_operator": ("fmc_number",),
    "air_carrier": ("iata_code", "bond"),
}


def _identifiers(entity_type: str, n: int) -> dict[str, str]:
    """Made-up identifiers in the formats the company profile checks."""
    letters = "".join(chr(65 + (n * 7 + i * 3) % 26) for i in range(4))
    values = {"ior": f"{10 + n:02d}-{3456700 + n}", "bond": f"CB-2024-{100 + n:04d}",
              "ein": f"{20 + n:02d}-{7654300 + n}", "mid": f"MX{letters}{1000 + n}",
              "scac": letters, "usdot": str(2100000 + n), "rfc": f"{letters}850101AB{n % 10}",
              "broker_license": f"{30000 + n}", "filer_code": f"{letters[:2]}{n % 10}",
              "fmc_number": f"{400000 + n}", "iata_code": f"{letters[:1]}{n % 10}"}
    return {key: values[key] for key in IDENTIFIERS[entity_type]}


