"""Share of the repository's ordinary messages that the flags' wording rules raise: the
false-positive check of docs/triage-priority.md (these messages rarely threaten anything).

    python -m scripts.flag_rates [--lexicon DIR] [--flags public_shaming,churn_risk] [--show]

Per language: UMSAB train and val tweets, the team's intent examples and check set,
Bitext's requests (en) and the retail sentences of data/translation/retail (en, es, fr,
it, pt). Lexicon rules only, each message scanned in its own language. `--show` prints the
flagged messages, to read the false positives.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from services.common.paths import REPO_ROOT
from services.triage.core.flags import Flag, scan_text
from services.triage.core.lexicon import DEFAULT_LEXICON_DIR, LANGUAGE_ORDER, load_lexicon

DATA = REPO_ROOT / "data"
_UMSAB = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "pt": "portuguese",
    "it": "italian",
    "de": "german",
}
_RETAIL = {"en": "eng", "es": "spa", "fr": "fra", "it": "ita", "pt": "por"}


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def ordinary_messages(language: str) -> list[str]:
    """The repository's ordinary messages in one language."""
    texts: list[str] = []
    for split in ("train", "val"):
        path = DATA / "triage" / "umsab" / _UMSAB[language] / f"{split}_text.txt"
        texts += [line.rstrip("\n") for line in path.open(encoding="utf-8") if line.strip()]
    for name in ("team_written_intents.csv", "team_written_intents_check.csv"):
        rows = _rows(DATA / "triage" / "intents" / name)
        texts += [r["text"] for r in rows if r["language"] == language]
    if language == "en":
        rows = _rows(DATA / "triage" / "intents" / "bitext_customer_support_train.csv")
        texts += [r["instruction"] for r in rows]
    if language in _RETAIL:
        tsv = DATA / "translation" / "retail" / "eng-spa-fra-ita-por-cat-ron.tsv"
        texts += [r[_RETAIL[language]] for r in _rows(tsv, "\t")]
    return texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_LEXICON_DIR)
    parser.add_argument("--flags", default="legal_threat,public_shaming,churn_risk")
    parser.add_argument("--show", action="store_true", help="print the flagged messages")
    args = parser.parse_args(argv)
    lexicon = load_lexicon(args.lexicon)
    flags = [Flag(name) for name in args.flags.split(",")]
    for language in LANGUAGE_ORDER:
        texts = ordinary_messages(language)
        raised: dict[Flag, list[str]] = {flag: [] for flag in flags}
        for text in texts:
            found = {h.signal for h in scan_text(text, language, lexicon=lexicon).hits}
            for flag in flags:
                if flag in found:
                    raised[flag].append(text)
        figures = "  ".join(
            f"{f.value} {len(raised[f])} ({len(raised[f]) / len(texts):.2%})" for f in flags
        )
        print(f"{language} {len(texts):>5}  {figures}")
        if args.show:
            for flag in flags:
                for text in raised[flag]:
                    print(f"    {flag.value}: {text[:160]!r}")


if __name__ == "__main__":
    main()
