"""``python -m models.translation``: evaluate the translation service against raw Apertium.

eval
    BLEU and chrF (sacrebleu) of the service's Translator and of raw ``apertium -u`` (for
    a pivot, ``apertium -u A | apertium -u B``) on the same sentences, for every direction
    with reference data in data/translation and a route here: Tatoeba en<->es/fr/pt/it,
    es<->pt/it, fr<->it/pt and it<->pt (through shared English sentences), newstest2013
    en<->es/fr and es<->fr, and the retail set (customer-service messages in en, es, fr,
    it, pt, ca and ro) for every installed direction between those seven: the only
    references for Catalan and Romanian. Exits 1 if the service scores below raw
    apertium on any set.

    Each set runs on fresh Apertium pipelines as one batch (the gate), then again on the
    same, now warm, pipelines (reported, not gated). apertium-tagger (3.8.3) is not
    stateless: a word whose ambiguity class the tagger's model lacks rewrites the class
    it gives unknown words, for the rest of the process. The engine preloads a small
    library into the tagger that undoes this after every request, so the warm pass must
    repeat the fresh one exactly; the last line of the report says whether it did.

prepare-data
    Re-create data/translation from the shared data directory (done once, by hand); the
    retail set was written for the project and is left as it is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from models.translation.datasets import DATA_DIR, load_sets


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _directions(text: str) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for item in text.split(","):
        source, sep, target = item.strip().partition("-")
        if not sep or not source or not target:
            raise argparse.ArgumentTypeError(f"{item!r} is not a direction such as en-es")
        pairs.add((source.lower(), target.lower()))
    return pairs


def _routable() -> set[tuple[str, str]]:
    """The directions the service can translate with the installed Apertium pairs."""
    from services.translation.core.routing import Router
    from services.translation.engines.apertium_engine import ApertiumEngine

    engine = ApertiumEngine(tagger_reset=False)  # reads the modes; starts no pipeline
    engine.load()
    try:
        return {(r.source, r.target) for r in Router([engine]).routes()}
    finally:
        engine.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m models.translation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("eval", help="service vs raw apertium -u: BLEU and chrF per direction")
    p.add_argument(
        "--sentences",
        type=int,
        default=500,
        metavar="N",
        help="sentences per set (default 500; the files hold up to 1,000)",
    )
    p.add_argument(
        "--directions",
        type=_directions,
        metavar="LIST",
        help="only these directions, e.g. en-es,es-en,fr-en (default: all with data and a route)",
    )
    p.add_argument("--no-warm", action="store_true", help="skip the second, warm-pipeline pass")
    p.add_argument(
        "--show-differences",
        type=int,
        default=0,
        metavar="K",
        help="print up to K sentences per set where the service and raw apertium differ",
    )
    p = sub.add_parser("prepare-data", help="copy the evaluation sentences into the repo")
    p.add_argument("shared", type=Path, help="the shared data/translation directory")
    p.add_argument("--out", type=Path, default=DATA_DIR)
    p.add_argument("--size", type=int, default=1000, help="rows per file")
    return parser


def _eval(
    sentences: int, directions: set[tuple[str, str]] | None, warm: bool, examples: int
) -> int:
    from models.translation.evaluate import differences, evaluate_set, table, verdict

    if sentences < 1:
        _progress("--sentences must be at least 1")
        return 2
    routable = _routable()
    sets = [s for s in load_sets(sentences, directions) if (s.source, s.target) in routable]
    if not sets:
        _progress(
            "no evaluation set matches those directions: a set needs reference data in "
            "data/translation and a route through the installed Apertium pairs"
        )
        return 2
    started = time.perf_counter()
    results = []
    for i, eval_set in enumerate(sets, 1):
        result = evaluate_set(eval_set, warm=warm, examples=examples)
        timings = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        _progress(
            f"[{i}/{len(sets)}] {eval_set.name} ({len(eval_set.sources)} sentences, "
            f"{result.route}): {timings}"
        )
        results.append(result)
    print("\n".join(table(results)))
    if examples:
        print("\n".join(differences(results)))
    ok, summary = verdict(results)
    print("\n".join(summary))
    _progress(f"done in {time.perf_counter() - started:.0f} s")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "eval":
        return _eval(args.sentences, args.directions, not args.no_warm, args.show_differences)
    from models.translation.prepare_data import prepare

    for path in prepare(args.shared, args.out, size=args.size):
        _progress(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
