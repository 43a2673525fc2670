"""Strict YAML reading for policy documents.

PyYAML's safe loader is YAML 1.1: it reads `NO` (Norway) and `off` as booleans and keeps
the last of two duplicate keys without a word. Policies name countries and are edited by
hand, so this loader only accepts true/false as booleans, reports duplicate keys, and
remembers the line of every path so errors can point into the file.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from services.returns_decision.policy.errors import PolicyError


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
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _walk(node: yaml.Node, path: str, lines: dict[str, int], errors: list[PolicyError]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_path = child(path, key)
            if key in seen:
                errors.append(
                    PolicyError(key_path, "duplicate key", line=key_node.start_mark.line + 1)
                )
            seen.add(key)
            _walk(value_node, key_path, lines, errors)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, index(path, i), lines, errors)


def load_yaml(text: str) -> tuple[Any, dict[str, int], list[PolicyError]]:
    """Parses one YAML document: (data, line of each path, errors). data is None on error."""
    lines: dict[str, int] = {}
    errors: list[PolicyError] = []
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, [PolicyError("", "the document is empty")]
        _walk(node, "", lines, errors)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        return None, lines, [PolicyError("", f"not valid YAML: {problem}", line=line)]
    except yaml.YAMLError as exc:
        return None, lines, [PolicyError("", f"not valid YAML: {exc}")]
    finally:
        loader.dispose()
    return data, lines, errors
