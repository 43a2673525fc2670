"""Reading the YAML files triage is configured with (the configuration, the flag
patterns), and the one error type that lists every problem of every file.

Files go through the strict YAML loader (services/common/strict_yaml.py); every problem
names its file, the path of the field and, where the file has one, its line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.common.strict_yaml import Position, load_strict_yaml

MAX_DOCUMENT_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem: the file, the field path (`priority.levels.P1`) and what is wrong."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path or '<document>'}: {self.message}"


class ConfigInvalid(ValueError):
    """One or more configuration files cannot be used; `issues` lists every problem."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"invalid triage configuration ({len(self.issues)} problem(s)):\n{lines}")


def where(line: int | None, column: int | None) -> str:
    """`line 3, column 7: ` (a message prefix), or nothing when the position is unknown."""
    return f"line {line}, column {column}: " if line is not None else ""


@dataclass(frozen=True, slots=True)
class YamlFile:
    """A YAML file read as a mapping, with where each path of it starts."""

    source: str
    data: dict[str, Any]
    positions: Mapping[str, Position]

    def issue(self, path: str, message: str) -> ConfigIssue:
        """A problem at `path`, placed at the line and column where that path (or its
        closest parent in the file) starts."""
        probe = path
        while probe and probe not in self.positions:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        line, column = self.positions.get(probe, (None, None))
        return ConfigIssue(self.source, path, f"{where(line, column)}{message}")


def read_yaml_mapping(path: Path) -> tuple[YamlFile | None, list[ConfigIssue]]:
    """The file as a mapping, or None and why not (unreadable, too large, not UTF-8, not
    valid YAML, duplicate keys, not a mapping)."""
    source = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [ConfigIssue(source, "", f"cannot be read ({exc.strerror})")]
    if len(data) > MAX_DOCUMENT_BYTES:
        return None, [ConfigIssue(source, "", f"larger than {MAX_DOCUMENT_BYTES} bytes")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [ConfigIssue(source, "", "is not UTF-8 text")]
    parsed = load_strict_yaml(text)
    if parsed.problems:
        return None, [
            ConfigIssue(source, p.path, f"{where(p.line, p.column)}{p.message}")
            for p in parsed.problems
        ]
    if not isinstance(parsed.data, dict):
        return None, [ConfigIssue(source, "", "must be a mapping of keys to values")]
    return YamlFile(source, parsed.data, parsed.positions), []
