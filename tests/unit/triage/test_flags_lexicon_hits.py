"""Chargeback, payment-dispute and regulator-complaint wording sets `legal_threat` in the
six languages of the real lexicon (`services/triage/config/flags/`); ordinary messages
that merely mention a bank, a card, a payment, a review or a lawyer's job do not."""

from __future__ import annotations

import pytest

from services.triage.core.flags import Flag, scan_text
from services.triage.core.lexicon import default_lexicon


def _legal_rules(text: str, language: str) -> tuple[str, ...]:
    found = scan_text(text, language, lexicon=default_lexicon())
    return tuple(h.rule for h in found.hits if h.signal is Flag.LEGAL_THREAT)


CHARGEBACKS = {
    "en": [
        "I'm disputing the charge with my bank",
        "If I don't get a refund by Friday I'll dispute the payment",
        "I'm going to open a dispute with my credit card company",
        "I will ask my bank to reverse the charge",
        "I'm calling my bank right now",
        "I'll cancel the payment with my card issuer",
        "I have opened a PayPal dispute for this order",
        "Fine, I'll file a dispute with PayPal then",
    ],
    "es": [
        "Voy a reclamar al banco si no me devuelven el dinero",
        "Voy a anular el cargo con mi banco",
        "Ya he pedido un contracargo",
        "Si no contestáis, abriré una disputa en PayPal",
        "Pienso disputar el cobro con mi tarjeta",
        "Voy a llamar a mi banco para que me devuelvan el dinero",
        "Devolveré el recibo, no pienso pagar esto",
    ],
    "fr": [
        "Je vais faire opposition sur ce paiement",
        "Je vais demander une rétrofacturation",
        "Je vais contester le prélèvement auprès de ma banque",
        "J'ouvre un litige sur PayPal dès ce soir",
        "Sans réponse, je contacterai ma banque pour annuler le paiement",
        "Je conteste cette transaction",
    ],
    "pt": [
        "Vou pedir o estorno ao banco",
        "Vou contestar a compra no cartão",
        "Já abri uma disputa no PayPal",
        "Se não resolverem vou ligar para o meu banco",
        "Vou cancelar o pagamento junto ao cartão de crédito",
    ],
    "it": [
        "Chiederò lo storno alla mia banca",
        "Contesterò l'addebito",
        "Ho già aperto una contestazione su PayPal",
        "Se non rispondete chiamo la mia banca",
        "Farò il disconoscimento dell'addebito",
    ],
    "de": [
        "Ich veranlasse eine Rückbuchung",
        "Ich werde die Lastschrift zurückgeben",
        "Ich werde die Zahlung zurückbuchen lassen",
        "Dann gebe ich die Lastschrift zurück",
        "Ich eröffne einen PayPal-Konflikt",
        "Ich werde meine Bank einschalten",
    ],
}

AUTHORITIES = {
    "en": [
        "I'm reporting you to the FTC",
        "I will file a complaint with the CFPB",
        "I'll be contacting Trading Standards about this",
        "Expect a complaint to the BBB",
    ],
    "es": [
        "Voy a poner una reclamación en la OCU",
        "Lo denunciaré a FACUA",
        "Voy a ir a consumo con todas las facturas",
        "Presentaré una queja en la oficina de consumo",
    ],
    "fr": [
        "Je vais signaler votre site à la DGCCRF",
        "J'écris à UFC-Que Choisir",
        "Je vais contacter 60 millions de consommateurs",
        "Je saisis le médiateur de la consommation",
    ],
    "pt": [
        "Vou registrar uma queixa no Procon",
        "Vou expor tudo no Reclame Aqui",
        "Vou fazer queixa no Portal da Queixa",
        "Vou reclamar na DECO",
    ],
    "it": [
        "Vi segnalo all'AGCM",
        "Mi rivolgo ad Altroconsumo",
        "Faccio una segnalazione al Codacons",
        "Scriverò a Federconsumatori",
    ],
    "de": [
        "Ich wende mich an die Verbraucherzentrale",
        "Ich schalte die Schlichtungsstelle ein",
        "Ich beschwere mich bei der Bundesnetzagentur",
        "Das melde ich der BaFin",
    ],
}

NEAR_MISSES = {
    "en": [
        "I paid with my card",
        "My bank says the payment went through",
        "I'm a lawyer and I ordered shoes",
        "The review on your site was helpful",
        "Can I pay with PayPal or a bank transfer?",
        "I won't dispute the charge, I just want the parcel",
        "I called my bank and they confirmed the charge",
        "I'd like to leave a review of the shoes",
    ],
    "es": [
        "Pagué con mi tarjeta",
        "Mi banco dice que el pago se ha realizado",
        "Soy abogada y pedí unos zapatos",
        "La reseña de vuestra web me ayudó mucho",
        "¿Puedo pagar con PayPal o por transferencia bancaria?",
        "No voy a reclamar al banco, solo quiero mi pedido",
        "Estas zapatillas tienen muy bajo consumo de batería",
    ],
    "fr": [
        "J'ai payé avec ma carte",
        "Ma banque dit que le paiement est passé",
        "Je suis avocate et j'ai commandé des chaussures",
        "L'avis sur votre site m'a été utile",
        "Je ne conteste pas le paiement, je veux juste le colis",
        "Puis-je payer par carte bancaire ou par PayPal ?",
    ],
    "pt": [
        "Paguei com o meu cartão",
        "O meu banco diz que o pagamento foi feito",
        "Sou advogado e encomendei uns sapatos",
        "A avaliação no vosso site foi útil",
        "Não vou contestar a compra, só quero o produto",
        "Posso pagar com cartão de crédito ou PayPal?",
    ],
    "it": [
        "Ho pagato con la mia carta",
        "La mia banca dice che il pagamento è andato a buon fine",
        "Sono avvocato e ho ordinato delle scarpe",
        "La recensione sul vostro sito è stata utile",
        "Non contesto l'addebito, voglio solo il pacco",
        "Posso pagare con carta di credito o PayPal?",
    ],
    "de": [
        "Ich habe mit meiner Karte bezahlt",
        "Meine Bank sagt, die Zahlung ist durchgegangen",
        "Ich bin Anwalt und habe Schuhe bestellt",
        "Die Bewertung auf eurer Seite war hilfreich",
        "Kann ich per Lastschrift oder Kreditkarte zahlen?",
        "Die Lastschrift wurde heute abgebucht",
        # Negated threats: German puts the negation in the middle of the phrase.
        "Ich werde die Zahlung nicht zurückbuchen lassen, keine Sorge",
        "Ich will keine Rückbuchung, nur mein Paket",
        "Ich werde meine Bank nicht einschalten, schicken Sie einfach die Ware",
        "Ich möchte keinen Käuferschutz beantragen",
    ],
}


def _cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(language, text) for language, texts in table.items() for text in texts]


@pytest.mark.parametrize(("language", "text"), _cases(CHARGEBACKS))
def test_chargeback_and_payment_dispute_threats_are_legal_threats(language: str, text: str) -> None:
    rules = _legal_rules(text, language)
    assert (
        f"legal_threat.{language}.chargeback" in rules or "legal_threat.en.chargeback" in rules
    ), rules


@pytest.mark.parametrize(("language", "text"), _cases(AUTHORITIES))
def test_regulator_and_consumer_body_complaints_are_legal_threats(language: str, text: str) -> None:
    rules = _legal_rules(text, language)
    assert any(r.endswith((".authority", ".authority_deco")) for r in rules), rules


@pytest.mark.parametrize(("language", "text"), _cases(NEAR_MISSES))
def test_ordinary_mentions_of_banks_cards_payments_and_reviews_are_not(
    language: str, text: str
) -> None:
    assert _legal_rules(text, language) == ()


def test_enough_cases_per_language() -> None:
    for language in ("en", "es", "fr", "pt", "it", "de"):
        assert len(CHARGEBACKS[language]) >= 4
        assert len(AUTHORITIES[language]) >= 3
        assert len(NEAR_MISSES[language]) >= 4
