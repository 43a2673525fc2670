"""Words the flow looks for in a customer's own text, in every supported language.

The words are data: lexicon.yaml beside this module, read and checked once when the desk
starts (a broken file stops it with an error naming the place). Matching is on
lower-cased text without accents, at the start of a word (so a stem such as "pequen"
finds "pequeño" and "pequeña"), and the longest match wins: "talla mas grande" (a
bigger size, so too small) beats "grande" (too big), "never worn" beats "worn".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from retail.returns_decision.v1 import returns_decision_pb2 as returns_pb

from frontend.support_desk.datafile import DataFileError, Node, load
from frontend.support_desk.settings import SUPPORTED_LANGUAGES

PATH = Path(__file__).with_name("lexicon.yaml")

Words = tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Every language's words together: matching does not tell the languages apart."""

    return_reasons: dict[str, Words]  # by returns_decision ReturnReason name
    conditions: dict[str, Words]  # by ItemCondition name
    yes: Words
    refund: Words
    reship: Words
    exchange: Words
    products: dict[str, Words]  # by the store's product_type


def load_lexicon(path: Path = PATH, languages: Iterable[str] = SUPPORTED_LANGUAGES) -> Lexicon:
    """The lexicon at `path`, checked: its sections and no others, known reason and
    condition names, and for every entry non-empty lists of words, written folded (lower
    case, no accents), in each of `languages` and no other."""
    wanted = tuple(languages)
    root = load(path).mapping(
        required=("return_reasons", "conditions", "yes", "refund", "reship", "exchange", "products")
    )
    return Lexicon(
        return_reasons=_table(root["return_reasons"], wanted, set(returns_pb.ReturnReason.keys())),
        conditions=_table(root["conditions"], wanted, set(returns_pb.ItemCondition.keys())),
        yes=_words(root["yes"], wanted),
        refund=_words(root["refund"], wanted),
        reship=_words(root["reship"], wanted),
        exchange=_words(root["exchange"], wanted),
        products=_table(root["products"], wanted, None),
    )


def _table(node: Node, languages: tuple[str, ...], names: set[str] | None) -> dict[str, Words]:
    table = {}
    for key, entry in node.items():
        if names is not None and key not in names:
            raise entry.error(f"unknown name {key!r}")
        table[key] = _words(entry, languages)
    return table


def _words(node: Node, languages: tuple[str, ...]) -> Words:
    """One entry's words in every language, each word once, in the languages' order."""
    by_language = node.mapping()
    for language, entry in by_language.items():
        if language not in languages:
            raise entry.error(f"unknown language (the desk's languages: {', '.join(languages)})")
    found: dict[str, None] = {}
    for language in languages:
        if by_language.get(language) is None:
            raise node.error(f"no words in {language!r}")
        seen = set()
        for item in by_language[language].sequence():
            word = item.string()
            if word != fold(word).strip() or "  " in word:
                raise item.error(f"write {word!r} as {' '.join(fold(word).split())!r}")
            if word in seen:
                raise item.error(f"{word!r} is listed twice")
            seen.add(word)
            found[word] = None
    return tuple(found)


def fold(text: str) -> str:
    """Lower case without accents, apostrophes unified."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _matcher(word: str) -> tuple[str, re.Pattern[str]]:
    """The folded word (a cheap substring test first) and its word-start pattern."""
    folded = fold(word)
    return folded, re.compile(r"(?<![\w])" + re.escape(folded))


def _longest(folded: str, words: Iterable[str]) -> int:
    best = 0
    for word in words:
        if len(word) > best:
            part, pattern = _matcher(word)
            if part in folded and pattern.search(folded):
                best = len(word)
    return best


def longest(text: str, words: Iterable[str]) -> int:
    """Length of the longest of `words` found at a word start in `text`; 0 for none."""
    return _longest(fold(text), words)


def best_key(text: str, table: Mapping[str, Iterable[str]]) -> str | None:
    """The key whose words give the longest match; None when nothing matches (the
    first key of the table wins a tie)."""
    folded = fold(text)
    best, best_len = None, 0
    for key, words in table.items():
        n = _longest(folded, words)
        if n > best_len:
            best, best_len = key, n
    return best


def mentions(text: str, words: Iterable[str]) -> bool:
    return longest(text, words) > 0


try:
    LEXICON = load_lexicon()
except DataFileError as error:  # the desk does not start without its words
    raise RuntimeError(f"the support desk's lexicon is broken: {error}") from None

RETURN_REASONS = LEXICON.return_reasons
CONDITIONS = LEXICON.conditions
YES = LEXICON.yes
REFUND = LEXICON.refund
RESHIP = LEXICON.reship
EXCHANGE_WORDS = LEXICON.exchange
PRODUCT_WORDS = LEXICON.products
