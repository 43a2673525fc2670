"""Shared fixtures: one real Apertium engine for the whole session (pipelines start lazily)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.translation.core import SegmentCache, Translator
from services.translation.engines.apertium_engine import ApertiumEngine
from services.translation.engines.apertium_modes import discover_modes

DATA = Path(__file__).parent / "data"
# Sample files name languages by ISO 639-3, the API by ISO 639-1.
_FILE_LANGUAGE = {
    "eng": "en",
    "spa": "es",
    "fra": "fr",
    "por": "pt",
    "ita": "it",
    "cat": "ca",
    "ron": "ro",
}


def _load_samples() -> dict[str, list[str]]:
    samples: dict[str, list[str]] = {}
    for name in ("tatoeba_sample.tsv", "handwritten_sample.tsv"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            language, sentence = line.split("\t", 1)
            samples.setdefault(_FILE_LANGUAGE[language], []).append(sentence)
    return samples


@pytest.fixture(scope="session")
def samples() -> dict[str, list[str]]:
    """Source sentences by ISO 639-1 language (see data/SOURCES.md)."""
    return _load_samples()


@pytest.fixture(scope="session")
def engine() -> Iterator[ApertiumEngine]:
    apertium = ApertiumEngine(pool_size=1)
    apertium.load()
    yield apertium
    apertium.close()


@pytest.fixture
def translator(engine: ApertiumEngine) -> Translator:
    """A translator over the shared engine, with its own empty cache."""
    return Translator([engine], cache=SegmentCache(1000))


@pytest.fixture(scope="session")
def raw_apertium() -> Callable[[str, str, list[str]], list[str]]:
    """Translate sentences with the `apertium -u` command line, each on its own."""
    modes = discover_modes()

    def run(source: str, target: str, sentences: list[str]) -> list[str]:
        # A blank line between sentences makes apertium-destxt end each one as it ends
        # a whole input, so every sentence is translated as if it were alone.
        done = subprocess.run(
            ["apertium", "-u", modes[(source, target)].name],
            input="\n\n".join(sentences) + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        return [s.strip() for s in done.stdout.strip("\n").split("\n\n")]

    return run
