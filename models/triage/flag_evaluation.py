"""Precision and recall of the flags' wording rules on a labelled set of messages.

The set, `data/triage/flags_eval/<language>.csv` (columns `text`, `flags`: the expected
flags separated by spaces, empty for none), was written by the team for evaluation only,
after the lexicon's entries and in other words; it is never used to write them
(`data/triage/SOURCES.md`). Each message is scanned by the lexicon
(`services/triage/core/flags.scan_text`) in its own language: the wording rules alone,
without the intent model (which also raises fraud_allegation in the service) or the
contact count (repeated_contact, not evaluated here).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.triage.core.flags import Flag, scan_text
from services.triage.core.lexicon import LANGUAGE_ORDER, Lexicon

FLAGS_EVAL_DIR = "flags_eval"
EVALUATED_FLAGS = (
    Flag.URGENT,
    Flag.LEGAL_THREAT,
    Flag.OFFENSIVE,
    Flag.FRAUD_ALLEGATION,
    Flag.CHURN_RISK,
    Flag.PUBLIC_SHAMING,
)
ALL_LANGUAGES = "all"


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    text: str
    language: str
    flags: frozenset[Flag]


@dataclass(slots=True)
class FlagCounts:
    """True positives, false positives and false negatives of one flag."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """None when the flag was never raised."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when no message expects the flag."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(slots=True)
class FlagReport:
    """Counts per language (and ALL_LANGUAGES) and flag; messages per language."""

    messages: dict[str, int] = field(default_factory=dict)
    counts: dict[tuple[str, Flag], FlagCounts] = field(default_factory=dict)


def load_flag_set(directory: Path) -> list[LabelledMessage]:
    """Every `<language>.csv` of `directory`; ValueError naming the file and line of an
    unknown flag or a missing column."""
    names = {f.value: f for f in Flag}
    messages: list[LabelledMessage] = []
    files = {p.stem: p for p in directory.glob("*.csv")}
    order = [c for c in LANGUAGE_ORDER if c in files] + sorted(set(files) - set(LANGUAGE_ORDER))
    for language in order:
        with files[language].open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not {"text", "flags"} <= set(reader.fieldnames):
                raise ValueError(f"{files[language].name}: needs the columns text,flags")
            for row in reader:
                unknown = [n for n in row["flags"].split() if n not in names]
                if unknown:
                    raise ValueError(
                        f"{files[language].name}: line {reader.line_num}: unknown flag {unknown[0]}"
                    )
                flags = frozenset(names[n] for n in row["flags"].split())
                messages.append(LabelledMessage(row["text"], language, flags))
    return messages


def evaluate_flags(
    messages: Iterable[LabelledMessage],
    lexicon: Lexicon | None = None,
    flags: Sequence[Flag] = EVALUATED_FLAGS,
) -> FlagReport:
    """Count, per language and in all, each flag the lexicon raised against the labels."""
    report = FlagReport()
    for message in messages:
        found = scan_text(message.text, message.language, lexicon=lexicon)
        raised = {h.signal for h in found.hits}
        report.messages[message.language] = report.messages.get(message.language, 0) + 1
        for language in (message.language, ALL_LANGUAGES):
            for flag in flags:
                counts = report.counts.setdefault((language, flag), FlagCounts())
                expected, got = flag in message.flags, flag in raised
                counts.tp += expected and got
                counts.fp += got and not expected
                counts.fn += expected and not got
    if report.messages:
        report.messages[ALL_LANGUAGES] = sum(report.messages.values())
    return report


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_flag_report(report: FlagReport) -> str:
    """One line per language and flag: precision, recall and their counts."""
    parts = ", ".join(f"{lang} {n}" for lang, n in report.messages.items())
    lines = [
        "Flags: lexicon rules on data/triage/flags_eval (team-written for evaluation after the "
        "lexicon, never used to write it; language given; no intent model)",
        f"  messages: {parts}",
        f"  {'lang':<5} {'flag':<17} {'expected':>8} {'raised':>6} {'tp':>3} {'fp':>3} {'fn':>3}"
        f" {'precision':>9} {'recall':>6}",
    ]
    for (language, flag), c in report.counts.items():
        if language == ALL_LANGUAGES:
            continue
        lines.append(_line(language, flag, c))
    lines += [_line(ALL_LANGUAGES, f, c) for (lang, f), c in report.counts.items() if lang == "all"]
    return "\n".join(lines)


def _line(language: str, flag: Flag, c: FlagCounts) -> str:
    return (
        f"  {language:<5} {flag.value:<17} {c.tp + c.fn:>8} {c.tp + c.fp:>6} {c.tp:>3} {c.fp:>3}"
        f" {c.fn:>3} {_ratio(c.precision):>9} {_ratio(c.recall):>6}"
    )
