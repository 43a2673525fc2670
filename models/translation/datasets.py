"""The evaluation sets in ``data/translation``: every ordered pair of a file's columns.

A file may hold a language Apertium only translates from (Romanian): the sets into it
are listed here like any other, and the evaluation keeps only directions with a route.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from services.common.paths import REPO_ROOT
from services.translation.engines.apertium_modes import iso_code

DATA_DIR = REPO_ROOT / "data" / "translation"
_VIA = ".via-"


@dataclass(frozen=True)
class EvalSet:
    corpus: str
    """``tatoeba``, ``newstest2013``, ``retail``, or ``tatoeba via en`` for references that
    translate the same English sentence rather than the source itself (so do the
    non-English columns of ``retail``, each a translation of its English one)."""
    source: str
    target: str
    sources: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def direction(self) -> str:
        return f"{self.source}-{self.target}"

    @property
    def name(self) -> str:
        return f"{self.corpus} {self.direction}"


def _language(code: str) -> str:
    found = iso_code(code)
    if found is None:
        raise ValueError(f"unknown language code {code!r} in data/translation")
    return found


def _corpus(path: Path) -> str:
    name = path.parent.name
    if _VIA in path.name:
        return f"{name} via {_language(path.name.split(_VIA)[1].split('.')[0])}"
    return name


def load_sets(
    sentences: int,
    directions: Collection[tuple[str, str]] | None = None,
    data_dir: Path = DATA_DIR,
) -> list[EvalSet]:
    """The first ``sentences`` rows of every set, optionally only some directions."""
    found: list[EvalSet] = []
    # Tatoeba first, its triangulated sets next, then the others by name (news, retail).
    paths = sorted(data_dir.glob("*/*.tsv"), key=lambda p: (p.parent.name, _VIA in p.name, p.name))
    for path in sorted(paths, key=lambda p: p.parent.name != "tatoeba"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        languages = [_language(code) for code in header.split("\t")]
        columns = list(zip(*(row.split("\t") for row in rows[:sentences]), strict=True))
        for (i, source), (j, target) in itertools.permutations(enumerate(languages), 2):
            if directions is None or (source, target) in directions:
                found.append(
                    EvalSet(_corpus(path), source, target, tuple(columns[i]), tuple(columns[j]))
                )
    return found
