"""What the runtime keeps per app, bound in `init_app` (never at import): the live instance
cache, restored specs, deployed forms per version, and the registry of script effects."""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from app.engine import InstanceCache, SpecCache
from app.extensions import db
from app.models import Case, HumanTask, ProcessVersion, User

EXTENSION = "safeport.runtime"

#: Checks an effect's values (raises ValueError naming the problem).
EffectCheck = Callable[[dict[str, Any]], None]
#: Applies an effect to the case that emitted it, in that case's unit of work.
EffectApply = Callable[[Case, dict[str, Any], User | None], None]


@dataclass(frozen=True)
class Effect:
    """One kind of effect a script may `emit(...)`: how to check it, how to apply it."""

    check: EffectCheck
    apply: EffectApply


class EffectRegistry:
    """Effect kinds by name; packages register theirs when the app is set up."""

    def __init__(self) -> None:
        self._effects: dict[str, Effect] = {}

    def register(self, kind: str, check: EffectCheck, apply: EffectApply) -> None:
        """Add (or replace) the handlers of one effect kind."""
        self._effects[kind] = Effect(check, apply)

    def check(self, kind: str, values: dict[str, Any]) -> None:
        """Refuse (ValueError) an effect nobody handles or whose values are wrong."""
        effect = self._effects.get(kind)
        if effect is None:
            raise ValueError(f"unknown effect {kind!r}; known: {', '.join(sorted(self._effects))}")
        effect.check(values)

    def apply(self, case: Case, effects: list[tuple[str, dict[str, Any]]],
              actor: User | None) -> None:
        """Apply what a case's scripts emitted, oldest first."""
        for kind, values in effects:
            self._effects[kind].apply(case, values, actor)


@dataclass
class RuntimeState:
    """The per-app caches and registry (see the module docstring)."""

    live: InstanceCache = field(default_factory=InstanceCache)
    specs: SpecCache = field(default_factory=SpecCache)
    forms: dict[int, dict[str, Any]] = field(default_factory=dict)
    effects: EffectRegistry = field(default_factory=EffectRegistry)
    #: called with (task row, assignee) when a task opens already assigned (`assignTo`), in the
    #: transaction that opens it; bound in `setup` (notifications sit above the runtime)
    on_assigned: list[Callable[[HumanTask, User], None]] = field(default_factory=list)

    def clear(self) -> None:
        """Forget every cached instance, spec and form (tests reuse ids)."""
        self.live.clear()
        self.specs.clear()
        self.forms.clear()


def init_app(app: Flask) -> RuntimeState:
    """Give the app its own runtime state."""
    state = app.extensions[EXTENSION] = RuntimeState()
    return state


def runtime() -> RuntimeState:
    """The current app's runtime state."""
    return current_app.extensions[EXTENSION]


def forms_of(version_id: int) -> dict[str, Any]:
    """The form definitions deployed with a version (immutable, so cached per app)."""
    forms = runtime().forms
    found = forms.get(version_id)
    if found is None:
        found = forms[version_id] = db.session.scalar(
            select(ProcessVersion.forms).where(ProcessVersion.id == version_id)) or {}
    return found
