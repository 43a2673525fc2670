"""Copy the evaluation sentences into the repo (``data/translation``), once, by hand.

The project never reads the shared data directory at run time or in tests: this command
is how ``data/translation`` was made (see its SOURCES.md), kept so that it can be redone.
Each output file is a TSV whose header names the languages (ISO 639-3) and whose rows are
a seeded random sample in random order, so that the first N rows are a fair sample too.

* ``tatoeba/eng-{spa,fra,por,ita}.tsv``: Tatoeba test pairs, one translation per English
  sentence.
* ``tatoeba/spa-{por,ita}.via-eng.tsv``: Spanish and Portuguese (Italian) sentences that
  translate the same English sentence: references for the direct es<->pt/it directions,
  which Tatoeba's English-centred test sets lack.
* ``newstest2013/eng-spa-fra.tsv``: newstest2013 is multi-way parallel (the eng-spa and
  eng-fra sets share their English side), so it also gives es<->fr references.
* ``tatoeba/{fra-ita,fra-por,ita-por}.via-eng.tsv``: the same triangulation for the
  directions between French, Italian and Portuguese (all of them pivots through Spanish).
  Sampled last, so that adding them left the files above as they were.

``retail/`` is not made here: it was written for the project (see SOURCES.md), and this
command leaves it alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

TATOEBA = "tatoeba-test-v2021-08-07"
TATOEBA_LANGUAGES = ("spa", "fra", "por", "ita")
TRIANGULATED = ("por", "ita")
CROSS_TRIANGULATED = (("fra", "ita"), ("fra", "por"), ("ita", "por"))


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _usable(*texts: str) -> bool:
    return all(t.strip() and "\t" not in t for t in texts)


def _write(path: Path, header: tuple[str, ...], rows: Sequence[Sequence[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ["\t".join(header), *("\t".join(c.strip() for c in row) for row in rows)]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def _tatoeba(shared: Path, language: str) -> dict[str, str]:
    """English sentence -> its first translation (the test sets list some sentences twice)."""
    folder = shared / "tatoeba"
    english = _lines(folder / f"eng-{language}.{TATOEBA}.eng")
    other = _lines(folder / f"eng-{language}.{TATOEBA}.{language}")
    if len(english) != len(other):
        raise ValueError(f"eng-{language}: the two sides are not aligned")
    pairs: dict[str, str] = {}
    for en, tr in zip(english, other, strict=True):
        if _usable(en, tr):
            pairs.setdefault(en.strip(), tr.strip())
    return pairs


def prepare(shared: Path, out: Path, size: int = 1000, seed: int = 2013) -> list[Path]:
    """Write every evaluation file under ``out`` from the shared ``data/translation``."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    written: list[Path] = []
    tatoeba = {language: _tatoeba(shared, language) for language in TATOEBA_LANGUAGES}
    for language, pairs in tatoeba.items():
        rows = rng.sample(sorted(pairs.items()), min(size, len(pairs)))
        written.append(_write(out / "tatoeba" / f"eng-{language}.tsv", ("eng", language), rows))
    for language in TRIANGULATED:
        written.append(_triangulate(tatoeba, "spa", language, out, size, rng))
    news = shared / "newstest2013"
    english = _lines(news / "eng-spa.newstest2013.eng")
    if english != _lines(news / "eng-fra.newstest2013.eng"):
        raise ValueError("newstest2013: the eng-spa and eng-fra sets no longer share English")
    columns = zip(
        english,
        _lines(news / "eng-spa.newstest2013.spa"),
        _lines(news / "eng-fra.newstest2013.fra"),
        strict=True,
    )
    triples = [row for row in columns if _usable(*row)]
    sample = rng.sample(triples, min(size, len(triples)))
    written.append(_write(out / "newstest2013" / "eng-spa-fra.tsv", ("eng", "spa", "fra"), sample))
    for first, second in CROSS_TRIANGULATED:
        written.append(_triangulate(tatoeba, first, second, out, size, rng))
    return written


def _triangulate(
    tatoeba: dict[str, dict[str, str]],
    first: str,
    second: str,
    out: Path,
    size: int,
    rng: random.Random,
) -> Path:
    """The sentences of `first` and `second` that translate the same English sentence."""
    shared_english = sorted(tatoeba[first].keys() & tatoeba[second].keys())
    rows = [(tatoeba[first][en], tatoeba[second][en]) for en in shared_english]
    rows = rng.sample(rows, min(size, len(rows)))
    return _write(out / "tatoeba" / f"{first}-{second}.via-eng.tsv", (first, second), rows)
