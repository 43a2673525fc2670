"""Churn threats (closing an account, cancelling a subscription or membership, never
buying again, being done with the shop, switching to a named competitor) set `churn_risk`
in the six languages of the real lexicon (`services/triage/config/flags/`), in the style of
the development list (`data/triage/flags_dev/`); ordinary messages that cancel an order or a
newsletter, praise the shop ("never again without your cream"), name a competitor, or
negate the threat ("I'm not closing my account", *no voy a dejar de comprar*) do not."""

from __future__ import annotations

import pytest

from services.triage.core.flags import Flag, scan_text
from services.triage.core.lexicon import default_lexicon


def _churn_rules(text: str, language: str) -> tuple[str, ...]:
    found = scan_text(text, language, lexicon=default_lexicon())
    return tuple(h.rule for h in found.hits if h.signal is Flag.CHURN_RISK)


THREATS = {
    "en": [
        ("Please close my account today", "close_account"),
        ("I'm cancelling my Prime membership", "close_account"),
        ("Never ordering from you again", "never_again"),
        ("Why would I ever shop with you again?", "never_again"),
        ("We're done with this company", "done_with_you"),
        ("Consider me an ex-customer", "former_customer"),
        ("I'm moving to ASOS", "competitor"),
        ("I'll be taking my money elsewhere", "competitor"),
    ],
    "es": [
        ("Borrad mi cuenta, por favor", "close_account"),
        ("Quiero darme de baja ya", "close_account"),
        ("No os vuelvo a pedir nada", "never_again"),
        ("Es la última vez que compro en vuestra web", "never_again"),
        ("Estoy harta de vosotros", "done_with_you"),
        ("Dejo de ser vuestro cliente", "former_customer"),
        ("Me paso a Zalando", "competitor"),
    ],
    "fr": [
        ("Clôturez mon compte", "close_account"),
        ("Je ne vous commanderai plus rien", "never_again"),
        ("C'est ma dernière commande chez vous", "never_again"),
        ("J'en ai marre de vous", "done_with_you"),
        ("Je ne suis plus votre client", "former_customer"),
        ("Je passe chez Cdiscount", "competitor"),
    ],
    "pt": [
        ("Cancelem a minha assinatura", "close_account"),
        ("Não volto a comprar nesta loja", "never_again"),
        ("Cansei de vocês", "done_with_you"),
        ("Deixei de ser cliente", "former_customer"),
        ("Vou passar a comprar na Shopee", "competitor"),
    ],
    "it": [
        ("Disdico l'abbonamento", "close_account"),
        ("Non vi compro più niente", "never_again"),
        ("Sono stufa di voi", "done_with_you"),
        ("Non sono più vostra cliente", "former_customer"),
        ("Passo a Zalando", "competitor"),
        ("D'ora in poi compro altrove", "competitor"),
    ],
    "de": [
        ("Bitte löschen Sie mein Kundenkonto", "close_account"),
        ("Ich kündige mein Abo", "close_account"),
        ("Bei euch bestelle ich nichts mehr", "never_again"),
        ("Ich habe genug von euch", "done_with_you"),
        ("Ich bin ab sofort kein Kunde mehr", "former_customer"),
        ("Ich wechsle zu Otto", "competitor"),
    ],
}

NEAR_MISSES = {
    "en": [
        "How do I cancel my order?",
        "I want to cancel my subscription to the newsletter",
        "I'm not closing my account, I just want a refund",
        "I won't be cancelling my membership, don't worry",
        "I'll never shop anywhere else!",
        "Last time I ordered it came in two days",
        "I'm done with the form, what now?",
        "I'm leaving for holidays, can you hold my parcel?",
        "I compared your price with Amazon",
        "Never again without your hand cream!",
    ],
    "es": [
        "¿Cómo cancelo mi pedido?",
        "No voy a dejar de comprar aquí, pero arreglad esto",
        "No voy a cerrar mi cuenta",
        "La última vez que pedí llegó rápido",
        "¡Nunca más sin vuestra crema!",
        "Me voy de vacaciones, ¿podéis retener el paquete?",
    ],
    "fr": [
        "Comment annuler ma commande ?",
        "Je ne vais pas fermer mon compte",
        "Je n'achèterai jamais ailleurs",
        "Plus jamais sans votre crème !",
        "Annulez le retour, je garde l'article",
    ],
    "pt": [
        "Como cancelo o meu pedido?",
        "Não vou encerrar a minha conta",
        "Nunca mais tive problemas com entregas",
        "Nunca mais fico sem o vosso creme",
        "Comparei com a Amazon e vocês eram mais baratos",
    ],
    "it": [
        "Come annullo il mio ordine?",
        "Non chiuderò il mio account",
        "Non comprerò mai altrove",
        "Mai più senza la vostra crema",
        "Torno subito",
    ],
    "de": [
        "Wie storniere ich meine Bestellung?",
        "Ich werde mein Konto nicht löschen",
        "Ich kaufe nie woanders",
        "Nie wieder ohne eure Handcreme",
        "Ich will nicht zur Konkurrenz",
        "Bitte pausieren Sie mein Abo",
    ],
}


@pytest.mark.parametrize(
    ("language", "text", "rule"),
    [(lang, text, rule) for lang, cases in THREATS.items() for text, rule in cases],
)
def test_threats_to_leave_are_churn_risk(language: str, text: str, rule: str) -> None:
    rules = _churn_rules(text, language)
    assert f"churn_risk.{language}.{rule}" in rules, rules


@pytest.mark.parametrize(
    ("language", "text"),
    [(lang, text) for lang, texts in NEAR_MISSES.items() for text in texts],
)
def test_orders_newsletters_praise_and_negated_threats_are_not(language: str, text: str) -> None:
    assert _churn_rules(text, language) == ()


def test_every_language_has_churn_rules() -> None:
    languages = {r.language for r in default_lexicon().rules if r.signal is Flag.CHURN_RISK}
    assert languages == set(THREATS)
