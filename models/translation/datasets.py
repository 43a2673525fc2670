"""The evaluation sets in ``data/translation``: every ordered pair of a file's columns."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "translation"
_ISO_639_1 = {"eng": "en", "spa": "es", "fra": "fr", "por": "pt", "ita": "it"}
_VIA = ".via-"


@dataclass(frozen=True)
class EvalSet:
    corpus: str
    """``tatoeba``, ``newstest2013``, or ``tatoeba via en`` for references that translate
    the same English sentence rather than the source itself."""
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


def _corpus(path: Path) -> str:
    name = path.parent.name
    if _VIA in path.name:
        return f"{name} via {_ISO_639_1[path.name.split(_VIA)[1].split('.')[0]]}"
    return name


def load_sets(
    sentences: int,
    directions: Collection[tuple[str, str]] | None = None,
    data_dir: Path = DATA_DIR,
) -> list[EvalSet]:
    """The first ``sentences`` rows of every set, optionally only some directions."""
    found: list[EvalSet] = []
    # Tatoeba first, its triangulated sets next, then news.
    paths = sorted(data_dir.glob("*/*.tsv"), key=lambda p: (p.parent.name, _VIA in p.name, p.name))
    for path in sorted(paths, key=lambda p: p.parent.name != "tatoeba"):
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        languages = [_ISO_639_1[code] for code in header.split("\t")]
        columns = list(zip(*(row.split("\t") for row in rows[:sentences]), strict=True))
        for (i, source), (j, target) in itertools.permutations(enumerate(languages), 2):
            if directions is None or (source, target) in directions:
                found.append(
                    EvalSet(_corpus(path), source, target, tuple(columns[i]), tuple(columns[j]))
                )
    return found
