"""What a check finds: one `Finding` per problem, and the `CheckReport` of a project."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]
# who refuses it: `bundle` (the bundler), `server` (Blocklet Server on install), `store` (the store's upload or
# publish step, with its default preferences)
RefusedBy = Literal["bundle", "server", "store"]


@dataclass
class Finding:
    """One problem: a stable code, how bad, what, where (file, 1-based line and column) and the fix."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    refused_by: RefusedBy | None = None

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}:{self.column or 1}" if self.line else self.file

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message, "file": self.file,
                "line": self.line, "column": self.column, "fix": self.fix, "refusedBy": self.refused_by}


@dataclass
class CheckReport:
    """The findings for one project, and what was checked where (`checked`: e.g. `main` → `source`)."""

    project: Path
    target: str
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def passed(self, *, strict: bool = False) -> bool:
        """No error (and, when `strict`, no warning either)."""
        return not self.errors and not (strict and self.warnings)

    def to_dict(self) -> dict:
        return {"project": str(self.project), "target": self.target, "errors": len(self.errors),
                "warnings": len(self.warnings), "checked": self.checked,
                "findings": [f.to_dict() for f in self.findings]}
