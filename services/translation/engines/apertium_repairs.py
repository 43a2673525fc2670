"""Repairs to the stream between transfer and generation, for transfer-rule slips.

The pipeline copies this stream from the first half of a direction to the second (see
``apertium_pipeline``), so these cost no extra process or stage. Each repair looks at
units and their tags, which the text after generation no longer has, and each is
idempotent, so `StreamRepairer` can look at a held-back piece of the stream again.
"""

from __future__ import annotations

import re

# A proclitic pronoun unit followed by a word unit with no blank between them.
_GLUED_PROCLITIC = re.compile(rb"(<pro>(?:<[^<>$^]*>)*\$)(?=\^(?:[A-Za-z]|[\xc0-\xff]))")

# A comma, blanks, then a pronoun, or a possessive determiner before a word in lower case
# (not "Mon Spatial" for "My Space", a name): the unit whose lemma's case the generator copies.
_AFTER_COMMA = rb"\^,<cm>\$[ \t]*\^"
# A lemma, which may hold blanks ("Merci de"), not an unknown or untranslated word.
_LEMMA = rb"([^<>$^*@#\\\s](?:[^<>$^*@#\\]*[^<>$^*@#\\\s])?)"
_LOWER_CASE_WORD = rb"\^(?:[a-z]|\xc3[\xa0-\xbf])"
_CAPITAL_AFTER_COMMA = re.compile(
    _AFTER_COMMA
    + _LEMMA
    + rb"(?=<prn>|<det><pos>(?:<[^<>$^]*>)*\$[ \t]*"
    + _LOWER_CASE_WORD
    + rb")"
)
# After an interjection and a comma ("Salut, Grâces pour..."), any word but a name, when
# the word after it is in lower case.
_CAPITAL_AFTER_INTERJECTION = re.compile(
    rb"<ij>\$"
    + _AFTER_COMMA
    + _LEMMA
    + rb"(?=(?!<np>)(?:<[^<>$^]*>)+\$[ \t]*"
    + _LOWER_CASE_WORD
    + rb")"
)
# A sentence's start (the stream's, or after a sentence mark), then one or two unknown
# words (more would exceed `_UNITS_HELD`), each after what may lie between units (blanks,
# superblanks, quotes), then a word that is not a name.
_BETWEEN_UNITS = rb"(?:\\.|\[(?:\\.|[^\\\]])*\]|[^\\\[^$])*"
_OPENING_UNKNOWN = (
    rb"(?:"
    + _BETWEEN_UNITS
    + rb"\^\*[^$^]*\$){1,2}"
    + _BETWEEN_UNITS
    + rb"\^"
    + _LEMMA
    + rb"(?=<(?!np>)[^<>$^]*>)"  # a whole first tag: "<n" may yet become "<np>"
)
_CAPITAL_AFTER_OPENING_UNKNOWN = re.compile(rb"<sent>\$" + _OPENING_UNKNOWN)
_CAPITAL_AFTER_UNKNOWN_AT_START = re.compile(rb"\A" + _OPENING_UNKNOWN)
# A unit with no lemma (its first character a tag), with the blank before it, or else the
# blank after it (decided once the byte after the unit has arrived).
_LEMMALESS_UNIT = re.compile(rb"[ \t]\^<[^$^]*\$|\^<[^$^]*\$(?:[ \t]|(?=[^ \t]))")
# es-pt: "ter" in the present, blanks, then a past participle (a whole unit).
_PRESENT_PERFECT = re.compile(
    rb"\^([Tt])er<vbhaver><pri>(<p[123]><(?:sg|pl)>)\$[ \t]+\^"
    + _LEMMA
    + rb"(<(?:vblex|vbser|vbmod|vbhaver)>)<pp>(?:<[^<>$^]*>)*\$"
)
_UNITS_HELD = 4
"""Units a repair may span: `StreamRepairer` holds back that many."""


def space_glued_proclitics(stream: bytes) -> bytes:
    """The stream before generation, with a blank after each proclitic pronoun glued to
    the next word.

    Some transfer rules (eng-spa's for "I'm sorry", "we're sorry", "tell me"; one fr-es
    rule) emit a proclitic pronoun and its verb with no blank between the two units, so
    the generator writes one word: "I'm sorry" -> "Losiento", "we are sorry" ->
    "losentimos". A proclitic is a word of its own in every installed target language
    (enclitics carry ``<enc>`` and are meant to be glued: "dímelo"), so a blank is put
    back. In the eval sets' sources this happens in 31 of 4,978 English sentences into
    Spanish and 1 of 1,999 French; in no other direction.
    """
    return _GLUED_PROCLITIC.sub(rb"\1 ", stream)


def _lowered(match: re.Match[bytes]) -> bytes:
    lemma = match.group(1).decode("utf-8", "replace")
    whole = match.group(0)
    if not lemma[0].isupper() or lemma[1:] != lemma[1:].lower():
        return whole
    return whole[: -len(match.group(1))] + (lemma[0].lower() + lemma[1:]).encode()


def lower_capitals_after_commas(stream: bytes) -> bytes:
    """The stream before generation, with a pronoun or possessive after a comma in lower
    case.

    es-fr's first transfer stage carries the capital of a sentence that opens with an
    interjection over to the chunk after the comma, and the generator copies it onto the
    chunk's first word: "Hola, hemos enviado..." gives "Salut, Nous avons envoyé...",
    "Hola, vuestro reembolso..." gives "Salut, Votre remboursement..."; English replies
    reach French through that pair ("Hi, we have shipped..."). A pronoun is never a name,
    nor is a possessive determiner before a word in lower case, so after a comma they are
    written in lower case; after an opening interjection ("Hi, thank you..." gives
    "Salut, Grâces pour..."), so is any word but a name before a word in lower case.
    Names (``<np>``, or "Mon Spatial" for "My Space"), other words and acronyms keep their
    case. Applied into French only (`CAPITALS_LOWERED_INTO`).
    """
    return _CAPITAL_AFTER_INTERJECTION.sub(_lowered, _CAPITAL_AFTER_COMMA.sub(_lowered, stream))


def lower_capital_after_opening_unknown(stream: bytes, at_start: bool = True) -> bytes:
    """The stream before generation, with the word after a sentence's opening unknown
    word in lower case.

    Transfer gives a sentence's capital to its first word it knows, so a sentence that
    opens with a word no dictionary holds (a name, a misspelling) gets a second capital:
    "Garzón fue enviado ayer." gives "Garzón Was sent yesterday." in spa-eng, "Garzón A
    été envoyé hier." in es-fr, and '"Ben Affleck ha..."' gives '"Ben Affleck Has...'.
    Unknown words keep their own case (the generator copies them as they came); the word
    after them is lowered unless it is a name (``<np>``). ``at_start``: the stream's first
    byte begins a sentence (false for a piece held back from the middle).
    """
    if at_start:
        stream = _CAPITAL_AFTER_UNKNOWN_AT_START.sub(_lowered, stream, count=1)
    return _CAPITAL_AFTER_OPENING_UNKNOWN.sub(_lowered, stream)


def drop_lemmaless_units(stream: bytes) -> bytes:
    """The stream before generation, without units that have tags but no lemma.

    Transfer sometimes emits a pronoun it could not translate as bare tags: ita-spa's
    "Ce la potete fare!" gives ``^<prn><pro><p1><mf><pl>$ ^lo<prn>...``, fr-es's "Elle va
    s'y habituer" one too. No generator has a form for it, so raw Apertium writes the tag
    ("<prn> la poded hacer!", "Va se <prn> habituer...", es-it's "Seguo <pr> ottenere").
    Dropped with one blank: 4 sentences of the eval sets.
    """
    return _LEMMALESS_UNIT.sub(b"", stream)


def _preterite(match: re.Match[bytes]) -> bytes:
    capital, person, lemma, verb = match.groups()
    if capital == b"T":  # the sentence's capital moves from "ter" to the verb
        text = lemma.decode("utf-8", "replace")
        lemma = (text[0].upper() + text[1:]).encode()
    return b"^" + lemma + verb + b"<ifi>" + person + b"$"


def present_perfect_as_preterite(stream: bytes) -> bytes:
    """The stream before generation, with "ter" in the present and a past participle as
    one verb in the simple past.

    es-pt turns Spanish's present perfect into Portuguese's "ter" + participle: "Hemos
    probado todo" gives "Temos provado tudo", "Has olvidado el punto" gives "Tens
    esquecido o ponto", which in Portuguese says "we have been trying" and "you keep
    forgetting". Portuguese uses the simple past ("Provámos tudo", "Esqueceste o ponto"),
    as es-pt's own rule already does when a clitic comes first ("Lo he visto" gives "Vi-o").
    Every direction into Portuguese goes through es-pt. Applied into Portuguese only
    (`PRETERITE_INTO`).
    """
    return _PRESENT_PERFECT.sub(_preterite, stream)


PRETERITE_INTO = frozenset({"pt"})
"""Targets whose stream gets `present_perfect_as_preterite`."""

CAPITALS_LOWERED_INTO = frozenset({"fr"})
"""Targets whose stream gets `lower_capitals_after_commas`: the slip is es-fr's, and in
English a lemma may carry its own capital ("Monday", "English"), which lowering it would
lose."""


def repair_before_generation(stream: bytes, target: str, at_start: bool = True) -> bytes:
    """Every repair of this module that applies into ``target``, on whole units;
    ``at_start``: the stream's first byte begins the answer."""
    spaced = lower_capital_after_opening_unknown(
        space_glued_proclitics(drop_lemmaless_units(stream)), at_start
    )
    if target in PRETERITE_INTO:
        spaced = present_perfect_as_preterite(spaced)
    if target in CAPITALS_LOWERED_INTO:
        return lower_capitals_after_commas(spaced)
    return spaced


class StreamRepairer:
    """`repair_before_generation` over a stream that arrives in chunks.

    `feed` returns what is final and can go on to generation. A repair looks at up to
    four units, the last one up to its first tag or character (interjection, comma, word,
    next word; sentence mark, two unknown words, word), so the last four units that have
    begun, and the blanks before them, are held back until more arrives. The
    repairs are idempotent, so what is held back is simply examined again with the next
    chunk.
    """

    def __init__(self, target: str) -> None:
        self._target = target
        self._held = b""
        self._released = False

    def feed(self, chunk: bytes, last: bool) -> bytes:
        """The stream received so far that is ready; ``last``: the chunk ends the answer."""
        repaired = repair_before_generation(
            self._held + chunk, self._target, at_start=not self._released
        )
        cut = len(repaired)
        if not last:
            for _ in range(_UNITS_HELD):
                cut = repaired.rfind(b"^", 0, cut)
                if cut <= 0:
                    cut = 0
                    break
            while cut > 0 and repaired[cut - 1] in b" \t":
                cut -= 1  # a unit dropped by `drop_lemmaless_units` takes its blank along
        self._held = repaired[cut:]
        self._released = self._released or cut > 0
        return repaired[:cut]
