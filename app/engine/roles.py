"""Mapping BPMN lanes and extension properties to SafePort task metadata."""
import re

DEFAULT_ROLE = "case_worker"
#: lane names that are another name of a role: a partner audit's client is the member
#: company, whose users hold the applicant role
ALIASES = {"client": "applicant"}


def lane_to_role(lane: str | None, roles: tuple[str, ...]) -> str | None:
    """Normalise a lane name ("Case worker", "Specialists") to a role, or None if unknown."""
    if not lane:
        return None
    key = re.sub(r"[\s\-]+", "_", lane.strip().lower())
    for candidate in (key, key.removesuffix("s")):
        candidate = ALIASES.get(candidate, candidate)
        if candidate in roles:
            return candidate
    return None
