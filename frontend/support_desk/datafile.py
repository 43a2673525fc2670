"""Reading the desk's data files (YAML people edit by hand) strictly, with errors that name
the file, the place in it and, where known, the line.

PyYAML's safe loader, with two changes: only true/false are booleans (YAML 1.1 reads
`yes`, `no`, `on` and `off` as booleans, and `yes` is a word of the lexicon), and a
key given twice in one mapping is an error instead of the last one silently winning.
The desk keeps this small reader of its own: it imports nothing from `services/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml


class DataFileError(ValueError):
    """A data file that cannot be used: `file: place: problem`."""

    def __init__(self, path: Path, place: str, problem: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {place}: {problem}" if place else f"{where}: {problem}")
        self.path = path
        self.place = place
        self.problem = problem
        self.line = line


class _Loader(yaml.SafeLoader):
    """Safe loading; booleans are only true and false; duplicate keys are refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load(path: Path) -> Node:
    """The document at `path`, to be read through `Node`s; DataFileError when the file
    is missing, is not YAML, or is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(path, "", f"cannot be read ({error.strerror})") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "malformed"
        raise DataFileError(path, "", f"not valid YAML: {problem}", line) from None
    if data is None:
        raise DataFileError(path, "", "the file is empty")
    return Node(path, "", data)


class Node:
    """A value of a data file and its place in it ("customers[2].orders[0]"), with typed
    accessors that raise DataFileError naming that place."""

    def __init__(self, path: Path, place: str, value: Any) -> None:
        self.path = path
        self.place = place
        self.value = value

    def error(self, problem: str) -> DataFileError:
        return DataFileError(self.path, self.place, problem)

    def _child(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.place}[{key}]"
        return f"{self.place}.{key}" if self.place else key

    # Mappings.

    def mapping(self, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> Node:
        """This node, checked to be a mapping with string keys; with `required` or
        `optional` given, every key must be one of them and the required ones present."""
        if not isinstance(self.value, Mapping) or not self.value:
            raise self.error("expected a mapping with at least one key")
        for key in self.value:
            if not isinstance(key, str) or not key:
                raise self.error(f"keys must be non-empty strings, not {key!r}")
        if required or optional:
            unknown = [k for k in self.value if k not in required and k not in optional]
            if unknown:
                known = ", ".join((*required, *optional))
                raise self.error(f"unknown key {unknown[0]!r} (known: {known})")
            missing = [k for k in required if k not in self.value]
            if missing:
                raise self.error(f"missing key {missing[0]!r}")
        return self

    def items(self) -> Iterator[tuple[str, Node]]:
        """The mapping's entries, in the file's order."""
        for key, value in self.mapping().value.items():
            yield key, Node(self.path, self._child(key), value)

    def keys(self) -> list[str]:
        return list(self.mapping().value)

    def __getitem__(self, key: str) -> Node:
        if key not in self.mapping().value:
            raise self.error(f"missing key {key!r}")
        return Node(self.path, self._child(key), self.value[key])

    def get(self, key: str) -> Node | None:
        """The entry, or None when the mapping has no such key (or it is null)."""
        value = self.mapping().value.get(key)
        return None if value is None else Node(self.path, self._child(key), value)

    # Lists.

    def sequence(self, allow_empty: bool = False) -> list[Node]:
        if not isinstance(self.value, list):
            raise self.error("expected a list")
        if not self.value and not allow_empty:
            raise self.error("the list is empty")
        return [Node(self.path, self._child(i), v) for i, v in enumerate(self.value)]

    # Scalars.

    def string(self) -> str:
        if not isinstance(self.value, str) or not self.value.strip():
            raise self.error(f"expected a non-empty string, not {self.value!r}")
        return self.value

    def text(self) -> str:
        """A string that may be empty."""
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, not {self.value!r}")
        return self.value

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.error(f"expected a whole number, not {self.value!r}")
        return self.value

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.error(f"expected a number, not {self.value!r}")
        return float(self.value)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, not {self.value!r}")
        return self.value
