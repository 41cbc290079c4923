"""A preflight report: named checks, each ok, warning or error, with readable messages.

``PreflightReport`` is the one the checks fill; ``PreflightSummary`` is what a build
keeps of it (a poster's result, the manifest): frozen, without the per-check messages
(``errors`` and ``warnings`` carry them) and the page count (the entry has its own).
The summary becomes JSON only where it is written (``output.manifest.preflight_json``,
for the manifest and ``poster preflight --json``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATUS_ORDER = {"ok": 0, "skipped": 0, "warning": 1, "error": 2}


@dataclass
class Check:
    name: str
    status: str = "ok"  # ok | warning | error | skipped
    summary: str = ""  # one line: what was found
    messages: list[str] = field(default_factory=list)  # the problems, one each

    def raise_to(self, status: str) -> None:
        if STATUS_ORDER[status] > STATUS_ORDER[self.status]:
            self.status = status


@dataclass
class PreflightReport:
    pages: int = 0
    profile: str = "digital"
    format: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fonts: list[str] = field(default_factory=list)
    checks: dict[str, Check] = field(default_factory=dict)
    measures: dict[str, object] = field(default_factory=dict)  # smallest text, lowest contrast...

    @property
    def ok(self) -> bool:
        return not self.errors

    def check(self, name: str) -> Check:
        if name not in self.checks:
            self.checks[name] = Check(name)
        return self.checks[name]

    def error(self, name: str, message: str) -> None:
        check = self.check(name)
        check.raise_to("error")
        check.messages.append(message)
        self.errors.append(f"{name}: {message}")

    def warn(self, name: str, message: str) -> None:
        check = self.check(name)
        check.raise_to("warning")
        check.messages.append(message)
        self.warnings.append(f"{name}: {message}")

    def note(self, name: str, summary: str, status: str | None = None) -> None:
        check = self.check(name)
        check.summary = summary
        if status:
            check.raise_to(status)

    def summary(self) -> PreflightSummary:
        """What a build keeps of the report: a frozen copy, without the messages per check."""
        return PreflightSummary(
            profile=self.profile,
            format=self.format,
            errors=tuple(self.errors),
            warnings=tuple(self.warnings),
            fonts=tuple(self.fonts),
            checks={name: CheckSummary(c.status, c.summary) for name, c in self.checks.items()},
            measures=dict(self.measures),
        )

    def render(self, title: str = "") -> str:
        """The report as plain text, a line per check and one per problem."""
        verdict = "FAILED" if self.errors else "passed"
        if self.ok and self.warnings:
            verdict += f" with {len(self.warnings)} warning(s)"
        pages = f"{self.pages} page" + ("s" if self.pages != 1 else "")
        lines = [f"{title}  {self.profile}, {self.format or '?'}, {pages}: {verdict}".strip()]
        for check in self.checks.values():
            lines.append(f"  {check.status:<8} {check.name:<14} {check.summary}".rstrip())
            lines.extend(f"  {'':<8} {'':<14} - {message}" for message in check.messages)
        return "\n".join(lines)


@dataclass(frozen=True)
class CheckSummary:
    status: str = "ok"  # ok | warning | error | skipped
    summary: str = ""


@dataclass(frozen=True)
class PreflightSummary:
    """A poster's preflight as its build result and the manifest keep it."""

    profile: str = "digital"
    format: str = ""
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fonts: tuple[str, ...] = ()
    checks: Mapping[str, CheckSummary] = field(default_factory=dict)
    # Smallest text, lowest contrast...: as the checks measured them.
    measures: Mapping[str, object] = field(default_factory=dict)
    other: Mapping[str, Any] = field(default_factory=dict)  # keys an earlier version wrote

    @property
    def ok(self) -> bool:
        return not self.errors
