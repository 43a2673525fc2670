"""The one strict YAML reader for documents people edit by hand (return policies, triage
configuration).

PyYAML's safe loader is YAML 1.1: it reads `NO` (Norway) and `off` as booleans and keeps
the last of two duplicate keys without a word. This loader only accepts true/false as
booleans, reports duplicate keys, and remembers where every path starts (line and
column, 1-based) so that errors can point into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Position = tuple[int, int]  # (line, column), 1-based


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """Why a document could not be read, or a duplicate key in it."""

    path: str  # "" for the document as a whole, e.g. "rules[2].when"
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class YamlDocument:
    """The data (None when unreadable), where each path starts, and what was wrong."""

    data: Any
    positions: dict[str, Position] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)


class _StrictLoader(yaml.SafeLoader):
    pass


# Keep every implicit resolver except YAML 1.1's yes/no/on/off booleans.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def child(path: str, key: str) -> str:
    """The path of `key` under `path` ("rules[0]" + "when" -> "rules[0].when")."""
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    """The path of entry `i` of the list at `path`."""
    return f"{path}[{i}]"


def _position(mark: Any) -> Position:
    return mark.line + 1, mark.column + 1


def _walk(node: yaml.Node, path: str, document: YamlDocument) -> None:
    document.positions.setdefault(path, _position(node.start_mark))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_path = child(path, key)
            if key in seen:
                line, column = _position(key_node.start_mark)
                document.problems.append(YamlProblem(key_path, "duplicate key", line, column))
            seen.add(key)
            _walk(value_node, key_path, document)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, index(path, i), document)


def load_strict_yaml(text: str) -> YamlDocument:
    """Parse one YAML document. `data` is None when the text is not valid YAML or empty."""
    document = YamlDocument(None)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            document.problems.append(YamlProblem("", "the document is empty"))
            return document
        _walk(node, "", document)
        document.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _position(mark) if mark is not None else (None, None)
        problem = exc.problem or exc.context or "malformed YAML"
        document.problems.append(YamlProblem("", f"not valid YAML: {problem}", line, column))
    except yaml.YAMLError as exc:
        document.problems.append(YamlProblem("", f"not valid YAML: {exc}"))
    finally:
        loader.dispose()
    return document
