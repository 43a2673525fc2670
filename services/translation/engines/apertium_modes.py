"""Finding the installed Apertium directions and the commands each one runs.

Apertium names directions by the codes its language pairs chose (``eng-spa``, ``fr-es``,
``ro-es``); the API speaks ISO 639-1, so each mode is mapped here. The commands are taken
from ``apertium-wblank-mode -z``, which is exactly what ``apertium -z`` itself runs, so the
engine produces the same text as the ``apertium`` command line (but for the transfer-rule
slips it repairs before generation, ``apertium_repairs``).
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MODES_DIR = Path("/usr/share/apertium/modes")

# Apertium codes (ISO 639-3, or 639-1 in older pairs) to ISO 639-1.
_ISO_639_1 = {
    "afr": "af",
    "arg": "an",
    "bel": "be",
    "bre": "br",
    "bul": "bg",
    "cat": "ca",
    "dan": "da",
    "eng": "en",
    "epo": "eo",
    "eus": "eu",
    "fra": "fr",
    "glg": "gl",
    "hbs": "sh",
    "hin": "hi",
    "ind": "id",
    "isl": "is",
    "ita": "it",
    "mkd": "mk",
    "nld": "nl",
    "nno": "nn",
    "nob": "nb",
    "nor": "no",
    "oci": "oc",
    "pol": "pl",
    "por": "pt",
    "ron": "ro",
    "rum": "ro",
    "rus": "ru",
    "slv": "sl",
    "spa": "es",
    "srd": "sc",
    "swe": "sv",
    "ukr": "uk",
    "urd": "ur",
    "zlm": "ms",
}


def iso_code(apertium_code: str) -> str | None:
    """ISO 639-1 code for an Apertium language code, or None when there is none."""
    if len(apertium_code) == 2 and apertium_code.isalpha() and apertium_code.islower():
        return apertium_code
    return _ISO_639_1.get(apertium_code)


@dataclass(frozen=True)
class ApertiumMode:
    """One installed direction and the commands of its pipeline.

    ``analysis`` is every stage before morphological generation, ``generation`` the rest:
    the engine reads the stream between them to count unknown words, which the final text
    (generated without marks, as ``apertium -u`` does) no longer shows.
    """

    name: str
    source: str
    target: str
    analysis: tuple[tuple[str, ...], ...]
    generation: tuple[tuple[str, ...], ...]
    package: str

    @property
    def stages(self) -> tuple[tuple[str, ...], ...]:
        return self.analysis + self.generation


def parse_pipeline(command: str) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """Split a mode's shell pipeline into argv lists, before and from generation on.

    ``$1`` is the generator's option: ``-n`` prints unknown words without ``*``/``#``/``@``
    marks (what ``apertium -u`` passes). ``$2`` is the tagger's ambiguity option, unused.
    """
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    stages: list[tuple[str, ...]] = []
    current: list[str] = []
    generation_at: int | None = None
    for word in lexer:
        if word == "|":
            if current:
                stages.append(tuple(current))
            current = []
        elif word == "$1":
            current.append("-n")
            if generation_at is None:
                generation_at = len(stages)
        elif word != "$2":
            current.append(word)
    if current:
        stages.append(tuple(current))
    if not stages:
        raise ValueError("empty Apertium pipeline")
    if generation_at is None:
        return tuple(stages), ()
    return tuple(stages[:generation_at]), tuple(stages[generation_at:])


def _package_of(stages: tuple[tuple[str, ...], ...], modes_dir: Path) -> str:
    data_root = modes_dir.parent
    for stage in stages:
        for arg in stage:
            path = Path(arg)
            if path.is_absolute() and path.parent.parent == data_root:
                return path.parent.name
    return ""


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} is not installed")
    return path


def _null_flush_command(mode_file: Path) -> str:
    done = subprocess.run(
        [_program("apertium-wblank-mode"), "-z", str(mode_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout.strip()


def discover_modes(modes_dir: Path = DEFAULT_MODES_DIR) -> dict[tuple[str, str], ApertiumMode]:
    """Every installed plain ``src-tgt`` direction, keyed by ISO 639-1 pair.

    Variants (``es-pt_BR``, ``eng-cat_valencia``) and directions whose programs are not
    all installed are left out.
    """
    found: dict[tuple[str, str], ApertiumMode] = {}
    if not modes_dir.is_dir():
        return found
    for mode_file in sorted(modes_dir.glob("*.mode")):
        name = mode_file.stem
        parts = name.split("-")
        if len(parts) != 2 or "_" in name:
            continue
        source, target = iso_code(parts[0]), iso_code(parts[1])
        if source is None or target is None or (source, target) in found:
            continue
        try:
            analysis, generation = parse_pipeline(_null_flush_command(mode_file))
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            log.warning("skipping Apertium mode %s: %s", name, exc)
            continue
        missing = [s[0] for s in analysis + generation if shutil.which(s[0]) is None]
        if missing:
            log.warning("skipping Apertium mode %s: programs not found: %s", name, missing)
            continue
        found[(source, target)] = ApertiumMode(
            name=name,
            source=source,
            target=target,
            analysis=analysis,
            generation=generation,
            package=_package_of(analysis + generation, modes_dir),
        )
    return found


def package_version(package: str) -> str:
    """The installed Debian version of a package, or "" where dpkg cannot say."""
    dpkg_query = shutil.which("dpkg-query")
    if not package or dpkg_query is None:
        return ""
    done = subprocess.run(
        [dpkg_query, "-W", "-f=${Version}", package],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def apertium_version() -> str:
    """Version of the Apertium runtime, e.g. "3.8.3" (empty when it cannot be found)."""
    apertium = shutil.which("apertium")
    if apertium is None:
        return ""
    done = subprocess.run([apertium, "-V"], capture_output=True, text=True, check=False, timeout=30)
    words = done.stdout.split()
    return words[-1] if done.returncode == 0 and words else ""
