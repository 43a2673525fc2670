"""The flags lexicon: regular expressions per language, kept as data beside the triage
configuration (`services/triage/config/flags/<language>.yaml`), read, validated and
compiled at start-up.

Rules are regular expressions over a normalised text: case-folded (so German ß is "ss"),
accents removed ("réponse" and "reponse" are the same), typographic apostrophes made
plain and whitespace collapsed. Every pattern is matched on word boundaries. Most terms
mean the same thing in every language, so a rule applies whatever language the message
was detected in (detection of short texts is unreliable); a rule whose words mean
something else in another language ("avocat" is also an avocado, "golpe" a blow in
Spanish) is marked `this_language_only` and applies only to messages in its language.

Each hit names the rule that fired (`legal_threat.en.lawyer`), never the customer's text,
so that hits can be logged and shown.

Negation is handled where it is cheap and matters: a `negatable` rule (the fraud nouns:
"scam", "estafa", "Betrug") right after a negation ("this is not a scam") does not count.
Threat phrases (chargebacks, public shaming) guard themselves in their patterns: lookbehind
fragments (`not_negated`: "I won't dispute the charge") and, in German, where the negation
sits inside the phrase, a `gap` fragment that refuses "nicht" or "kein" between its words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from services.common.strict_yaml import child, index
from services.triage.core.documents import ConfigInvalid, ConfigIssue, YamlFile, read_yaml_mapping
from services.triage.core.signals import SIGNALS, RuleHit, Signal
from services.triage.paths import CONFIG_DIR

DEFAULT_LEXICON_DIR = CONFIG_DIR / "flags"

LANGUAGE_ORDER = ("en", "es", "fr", "pt", "it", "de")
"""Files are combined in this order, other languages' after it alphabetically: where rules
of two languages match the same words, the rule of the first is the one reported."""

FRAGMENTS_KEY = "fragments"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FRAGMENT_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_RULE_KEYS = frozenset(("patterns", "negatable", "this_language_only"))


# --------------------------------------------------------------------------- normalising


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def normalize_text(text: str) -> str:
    """Case-folded, accent-free, plain apostrophes, single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    stripped = stripped.translate(_APOSTROPHES)
    return " ".join(stripped.split())


def _strip_accents(pattern: str) -> str:
    # Patterns are written lower-case; only accents are removed (casefolding a pattern
    # would turn \W, \S or \D into \w, \s, \d).
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One rule. `pattern` is the full expression (fragments inserted); `only` restricts
    the rule to messages in its language; `negatable` rules do not count right after a
    negation."""

    signal: Signal
    language: str
    name: str
    pattern: str
    only: bool = False
    negatable: bool = False

    @property
    def rule_id(self) -> str:
        return f"{self.signal.value}.{self.language}.{self.name}"


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """One alternation of rules; the group named r{i} is rules[i]."""

    regex: re.Pattern[str]
    rules: tuple[LexiconRule, ...]

    @classmethod
    def of(cls, rules: Sequence[LexiconRule]) -> CompiledRules:
        alternatives = "|".join(
            f"(?P<r{i}>{_strip_accents(r.pattern)})" for i, r in enumerate(rules)
        )
        return cls(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), tuple(rules))


class Lexicon:
    """Validated rules, compiled once: one alternation per signal (about twice as fast in
    `re` as one for all of them), for each set of rules a message language can see."""

    def __init__(self, rules: Sequence[LexiconRule]) -> None:
        self.rules = tuple(rules)
        self._everyone = self._compile(None)
        self._own = {
            language: self._compile(language) for language in {r.language for r in rules if r.only}
        }

    def _compile(self, language: str | None) -> tuple[CompiledRules, ...]:
        rules = [r for r in self.rules if not r.only or r.language == language]
        signals = dict.fromkeys(r.signal for r in rules)
        return tuple(CompiledRules.of([r for r in rules if r.signal is s]) for s in signals)

    def for_language(self, language: str) -> tuple[CompiledRules, ...]:
        """The alternations that apply to a message in `language` (ISO 639-1)."""
        return self._own.get(language, self._everyone)


# --------------------------------------------------------------------------- scanning

_NEGATORS = frozenset(
    (
        *("not", "no", "isn't", "isnt", "wasn't", "wasnt", "aren't"),  # en
        *("nada", "ni"),  # es
        *("pas", "ne", "n'est"),  # fr
        *("nao", "nem"),  # pt
        *("non",),  # it
        *("nicht", "kein", "keine", "keinen"),  # de
    )
)
_FILLERS = frozenset(
    (
        *("a", "an", "the", "any", "really", "actually", "is", "was"),  # en
        *("un", "una", "es", "fue"),  # es
        *("une", "est"),  # fr
        *("um", "uma", "e", "foi"),  # pt
        *("uno", "stata", "stato"),  # it
        *("ein", "eine", "einen", "ist", "war"),  # de
    )
)
_TOKEN = re.compile(r"[\w']+")


def _negated(normalised: str, start: int) -> bool:
    """Whether the words right before `start` are a negation, articles and copulas
    aside: "not a scam", "no es una estafa", "n'est pas une arnaque", "kein Betrug"."""
    before = _TOKEN.findall(normalised[max(0, start - 40) : start])
    for token in reversed(before[-4:]):
        if token in _NEGATORS:
            return True
        if token not in _FILLERS:
            return False
    return False


def scan(compiled: CompiledRules, normalised: str) -> tuple[list[RuleHit], list[RuleHit]]:
    """Hits of one alternation in a normalised text, and negated hits that do not count;
    each rule at most once, in the order of the text."""
    hits: list[RuleHit] = []
    negated: list[RuleHit] = []
    for match in compiled.regex.finditer(normalised):
        name = match.lastgroup
        if name is None:  # pragma: no cover - every alternative is a named group
            continue
        rule = compiled.rules[int(name[1:])]
        hit = RuleHit(rule.signal, rule.rule_id)
        if rule.negatable and _negated(normalised, match.start()):
            if hit not in negated:
                negated.append(hit)
        elif hit not in hits:
            hits.append(hit)
    return hits, negated


@lru_cache(maxsize=256)
def tenant_terms(terms: tuple[tuple[Signal, tuple[str, ...]], ...]) -> CompiledRules | None:
    """A tenant's literal extra terms per flag, as rules `<flag>.tenant.<index>`."""
    rules = [
        LexiconRule(signal, "tenant", str(i), re.escape(normalize_text(term)))
        for signal, signal_terms in terms
        for i, term in enumerate(signal_terms)
        if normalize_text(term)
    ]
    return CompiledRules.of(rules) if rules else None


# --------------------------------------------------------------------------- loading


@cache
def default_lexicon() -> Lexicon:
    """The lexicon of DEFAULT_LEXICON_DIR, loaded once per process (ConfigInvalid if a
    file is wrong). The service calls it at start-up."""
    return load_lexicon(DEFAULT_LEXICON_DIR)


def load_lexicon(directory: Path = DEFAULT_LEXICON_DIR) -> Lexicon:
    """Read, validate and compile every `<language>.yaml` of `directory`.

    Raises ConfigInvalid listing every problem of every file, each with its file, path,
    line and column: a pattern that does not compile, an unknown flag or key, a bad name.
    """
    # Imported here: services.common.language loads lingua, which the supervisor (it
    # imports the settings, hence this module) does without.
    from services.common.language import language_code

    if not directory.is_dir():
        raise ConfigInvalid([ConfigIssue(str(directory), "", "is not a directory")])
    files = {p.stem: p for p in directory.iterdir() if p.suffix == ".yaml" and p.is_file()}
    order = [c for c in LANGUAGE_ORDER if c in files] + sorted(set(files) - set(LANGUAGE_ORDER))
    rules: list[LexiconRule] = []
    issues: list[ConfigIssue] = []
    for language in order:
        if language_code(language) != language:
            issues.append(ConfigIssue(files[language].name, "", "name must be <ISO 639-1>.yaml"))
            continue
        file, read_issues = read_yaml_mapping(files[language])
        issues += read_issues
        if file is not None:
            reader = _FileReader(file, language)
            rules += reader.rules()
            issues += reader.issues
    if issues:
        raise ConfigInvalid(issues)
    if not rules:
        raise ConfigInvalid([ConfigIssue(str(directory), "", "holds no flag patterns")])
    order_of = {signal: i for i, signal in enumerate(SIGNALS.values())}
    return Lexicon(sorted(rules, key=lambda r: order_of[r.signal]))


class _FileReader:
    """The rules of one language's file; `issues` collects what is wrong with it."""

    def __init__(self, file: YamlFile, language: str) -> None:
        self.file = file
        self.language = language
        self.issues: list[ConfigIssue] = []
        self.fragments: dict[str, str] = {}

    def _problem(self, path: str, message: str) -> None:
        self.issues.append(self.file.issue(path, message))

    def rules(self) -> list[LexiconRule]:
        self._read_fragments(self.file.data.get(FRAGMENTS_KEY, {}))
        rules: list[LexiconRule] = []
        for key, section in self.file.data.items():
            if key == FRAGMENTS_KEY:
                continue
            signal = SIGNALS.get(str(key))
            if signal is None:
                expected = ", ".join([FRAGMENTS_KEY, *SIGNALS])
                self._problem(str(key), f"unknown key; expected one of: {expected}")
            elif not isinstance(section, dict):
                self._problem(str(key), "must be a mapping of rule names to patterns")
            else:
                for name, spec in section.items():
                    rule = self._rule(signal, str(name), spec, child(str(key), str(name)))
                    if rule is not None:
                        rules.append(rule)
        return rules

    def _read_fragments(self, fragments: Any) -> None:
        if not isinstance(fragments, dict):
            self._problem(FRAGMENTS_KEY, "must be a mapping of names to patterns")
            return
        for name, value in fragments.items():
            path = child(FRAGMENTS_KEY, str(name))
            if not _NAME.match(str(name)):
                self._problem(path, "a fragment name is a-z, 0-9 and _, starting with a letter")
            elif not isinstance(value, str) or not value:
                self._problem(path, "must be a non-empty pattern")
            elif (error := _compile_error(value)) is not None:
                self._problem(path, error)
            else:
                self.fragments[str(name)] = value

    def _rule(self, signal: Signal, name: str, spec: Any, path: str) -> LexiconRule | None:
        if not _NAME.match(name):
            self._problem(path, "a rule name is a-z, 0-9 and _, starting with a letter")
            return None
        options: dict[str, Any] = {}
        if isinstance(spec, dict):
            options = spec
            for key in sorted(set(map(str, spec)) - _RULE_KEYS):
                self._problem(child(path, key), f"unknown key; expected {sorted(_RULE_KEYS)}")
            for flag in ("negatable", "this_language_only"):
                if not isinstance(spec.get(flag, False), bool):
                    self._problem(child(path, flag), "must be true or false")
            if "patterns" not in spec:
                self._problem(path, "needs `patterns`")
                return None
            path = child(path, "patterns")
            spec = spec["patterns"]
        alternatives = self._patterns(spec, path)
        if alternatives is None:
            return None
        return LexiconRule(
            signal,
            self.language,
            name,
            "|".join(alternatives),
            only=options.get("this_language_only") is True,
            negatable=options.get("negatable") is True,
        )

    def _patterns(self, spec: Any, path: str) -> list[str] | None:
        """The alternatives with their fragments inserted, or None (problems recorded)."""
        if isinstance(spec, str):
            entries = [(path, spec)]
        elif isinstance(spec, list) and spec:
            entries = [(index(path, i), item) for i, item in enumerate(spec)]
        else:
            self._problem(path, "must be a pattern or a non-empty list of patterns")
            return None
        alternatives: list[str] = []
        for entry_path, pattern in entries:
            if not isinstance(pattern, str) or not pattern:
                self._problem(entry_path, "must be a non-empty pattern (text)")
                continue
            expanded = self._expand(pattern, entry_path)
            error = None if expanded is None else _pattern_error(expanded)
            if error is not None:
                self._problem(entry_path, error)
            elif expanded is not None:
                alternatives.append(expanded)
        return alternatives if len(alternatives) == len(entries) else None

    def _expand(self, pattern: str, path: str) -> str | None:
        unknown = [m for m in _FRAGMENT_REFERENCE.findall(pattern) if m not in self.fragments]
        if unknown:
            self._problem(path, f"unknown fragment ${{{unknown[0]}}}")
            return None
        return _FRAGMENT_REFERENCE.sub(lambda m: self.fragments[m.group(1)], pattern)


def _compile_error(pattern: str) -> str | None:
    try:
        re.compile(_strip_accents(pattern))
    except re.error as exc:
        return f"does not compile: {exc.msg} at position {exc.pos} of the pattern"
    return None


_ESCAPES = re.compile(r"\\N\{[^}]*\}|\\.")


def _pattern_error(pattern: str) -> str | None:
    """Why a pattern (fragments inserted) cannot be a rule, or None."""
    error = _compile_error(pattern)
    if error is not None:
        return error
    regex = re.compile(_strip_accents(pattern))
    if regex.groupindex:
        return "must not name groups ((?P<name>...)): the lexicon names them"
    if regex.fullmatch("") is not None:
        return "matches the empty text, so it would flag every message"
    if _ESCAPES.sub("", pattern) != _ESCAPES.sub("", pattern).lower():
        return "has upper-case letters: the text it is matched against is case-folded"
    return None
