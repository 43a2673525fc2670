"""Every protected span comes back byte-identical and in place, in every direction."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest

from services.translation.core import Translator
from services.translation.core.protected_spans import find_protected_spans
from services.translation.engines.apertium_modes import discover_modes

SPANS = (
    "#12345",
    "ORD-2024-001",
    "1Z999AA10123456784",  # UPS
    "987654321098",  # FedEx
    "9400111899223197428490",  # USPS
    "JJD000390007830837401",  # DHL
    "1234567890",  # DHL 10 digits
    "https://shop.example.com/orders/12345?ref=mail&lang=en",
    "support@shop-example.com",
    "+1 (555) 123-4567",
    "SKU-12345",
    "AB-1234-XL",
    "$19.99",
    "19,99 €",
    "EUR 20",
    "{{name}}",
    "{0}",
    "%s",
    "%(name)s",
    "$Username",
)

# The same six messages in each source language; together they hold every span above.
MESSAGES = {
    "en": [
        "Hello {{name}}, your order #12345 has shipped and you can track it at "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "The UPS tracking number is 1Z999AA10123456784 and the FedEx number is 987654321098.",
        "I paid $19.99 for the SKU-12345 shirt in size AB-1234-XL, not 19,99 €.",
        "Please call +1 (555) 123-4567 or write to support@shop-example.com about order "
        "ORD-2024-001.",
        "Dear $Username, the USPS parcel 9400111899223197428490 costs EUR 20 ({0} items, "
        "%s, %(name)s).",
        "DHL shipment JJD000390007830837401 or 1234567890 is late.",
    ],
    "es": [
        "Hola {{name}}, tu pedido #12345 ha sido enviado y puedes seguirlo en "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "El número de seguimiento de UPS es 1Z999AA10123456784 y el de FedEx es 987654321098.",
        "Pagué $19.99 por la camisa SKU-12345 en talla AB-1234-XL, no 19,99 €.",
        "Por favor llama al +1 (555) 123-4567 o escribe a support@shop-example.com sobre "
        "el pedido ORD-2024-001.",
        "Estimado $Username, el paquete 9400111899223197428490 de USPS cuesta EUR 20 "
        "({0} artículos, %s, %(name)s).",
        "El envío de DHL JJD000390007830837401 o 1234567890 llega tarde.",
    ],
    "fr": [
        "Bonjour {{name}}, votre commande #12345 a été expédiée et vous pouvez la suivre "
        "sur https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "Le numéro de suivi UPS est 1Z999AA10123456784 et celui de FedEx est 987654321098.",
        "J'ai payé $19.99 pour la chemise SKU-12345 en taille AB-1234-XL, pas 19,99 €.",
        "Veuillez appeler le +1 (555) 123-4567 ou écrire à support@shop-example.com au "
        "sujet de la commande ORD-2024-001.",
        "Cher $Username, le colis USPS 9400111899223197428490 coûte EUR 20 ({0} "
        "articles, %s, %(name)s).",
        "L'envoi DHL JJD000390007830837401 ou 1234567890 est en retard.",
    ],
    "pt": [
        "Olá {{name}}, o seu pedido #12345 foi enviado e pode acompanhá-lo em "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "O número de rastreio da UPS é 1Z999AA10123456784 e o da FedEx é 987654321098.",
        "Paguei $19.99 pela camisa SKU-12345 no tamanho AB-1234-XL, não 19,99 €.",
        "Por favor ligue para +1 (555) 123-4567 ou escreva para support@shop-example.com "
        "sobre o pedido ORD-2024-001.",
        "Caro $Username, a encomenda 9400111899223197428490 dos USPS custa EUR 20 ({0} "
        "artigos, %s, %(name)s).",
        "O envio da DHL JJD000390007830837401 ou 1234567890 está atrasado.",
    ],
    "it": [
        "Ciao {{name}}, il tuo ordine #12345 è stato spedito e puoi seguirlo su "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "Il numero di tracciamento UPS è 1Z999AA10123456784 e quello FedEx è 987654321098.",
        "Ho pagato $19.99 per la camicia SKU-12345 in taglia AB-1234-XL, non 19,99 €.",
        "Per favore chiama il +1 (555) 123-4567 o scrivi a support@shop-example.com "
        "riguardo all'ordine ORD-2024-001.",
        "Caro $Username, il pacco USPS 9400111899223197428490 costa EUR 20 ({0} "
        "articoli, %s, %(name)s).",
        "La spedizione DHL JJD000390007830837401 o 1234567890 è in ritardo.",
    ],
    "ca": [
        "Hola {{name}}, la teva comanda #12345 s'ha enviat i la pots seguir a "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "El número de seguiment d'UPS és 1Z999AA10123456784 i el de FedEx és 987654321098.",
        "Vaig pagar $19.99 per la camisa SKU-12345 de talla AB-1234-XL, no 19,99 €.",
        "Si us plau, truca al +1 (555) 123-4567 o escriu a support@shop-example.com "
        "sobre la comanda ORD-2024-001.",
        "Benvolgut $Username, el paquet 9400111899223197428490 d'USPS costa EUR 20 ({0} "
        "articles, %s, %(name)s).",
        "L'enviament de DHL JJD000390007830837401 o 1234567890 arriba tard.",
    ],
    "ro": [
        "Bună {{name}}, comanda ta #12345 a fost expediată și o poți urmări la "
        "https://shop.example.com/orders/12345?ref=mail&lang=en.",
        "Numărul de urmărire UPS este 1Z999AA10123456784, iar cel FedEx este 987654321098.",
        "Am plătit $19.99 pentru cămașa SKU-12345 în mărimea AB-1234-XL, nu 19,99 €.",
        "Vă rog sunați la +1 (555) 123-4567 sau scrieți la support@shop-example.com "
        "despre comanda ORD-2024-001.",
        "Stimate $Username, coletul USPS 9400111899223197428490 costă EUR 20 ({0} "
        "articole, %s, %(name)s).",
        "Expedierea DHL JJD000390007830837401 sau 1234567890 întârzie.",
    ],
}


def _spans_in(message: str) -> list[str]:
    return sorted((s for s in SPANS if s in message), key=message.index)


@pytest.mark.parametrize("language", sorted(MESSAGES))
def test_every_span_is_detected(language: str) -> None:
    found: set[str] = set()
    for message in MESSAGES[language]:
        detected = [message[s.start : s.end] for s in find_protected_spans(message)]
        assert [d for d in detected if d in SPANS] == _spans_in(message)
        found.update(detected)
    assert found >= set(SPANS)


def test_every_route_keeps_every_span_byte_identical_and_in_place(translator: Translator) -> None:
    routes = translator.supported_pairs()
    assert len(routes) >= 36
    failures: list[str] = []
    for route in routes:
        messages = MESSAGES[route.source]
        results = translator.translate_batch(messages, route.source, route.target)
        for message, result in zip(messages, results, strict=True):
            expected = _spans_in(message)
            text = result.text
            if result.misplaced_spans:
                failures.append(f"{route.languages}: engine moved a span in {text!r}")
            for span in expected:
                if text.count(span) != 1:
                    failures.append(f"{route.languages}: {span!r} not exactly once in {text!r}")
            positions = [text.find(s) for s in expected]
            if positions != sorted(positions):
                failures.append(f"{route.languages}: spans out of order in {text!r}")
    assert not failures, "\n".join(failures)


# Codes that Apertium itself passes through untouched, in a sentence of each language.
CODES_KEPT_BY_APERTIUM = {
    "en": "The two-stage RM-2 rocket and the COVID-19 vaccine arrived with order ORD-2024-001.",
    "es": "Los cohetes RM-2 de dos etapas y la vacuna contra la COVID-19 llegaron con el "
    "pedido ORD-2024-001.",
    "fr": "La fusée RM-2 à deux étages et le vaccin contre la COVID-19 sont arrivés avec la "
    "commande ORD-2024-001.",
    "pt": "O foguete RM-2 de dois estágios e a vacina contra a COVID-19 chegaram com o pedido "
    "ORD-2024-001.",
    "it": "Il razzo RM-2 a due stadi e il vaccino contro il COVID-19 sono arrivati con "
    "l'ordine ORD-2024-001.",
    "ca": "El coet RM-2 de dues etapes i la vacuna contra la COVID-19 van arribar amb la "
    "comanda ORD-2024-001.",
    "ro": "Racheta RM-2 în două trepte și vaccinul împotriva COVID-19 au sosit cu comanda "
    "ORD-2024-001.",
}


def test_codes_cost_nothing_where_apertium_keeps_them(
    translator: Translator, raw_apertium: Callable[[str, str, list[str]], list[str]]
) -> None:
    """A code goes through as a stand-in Apertium cuts into the same kinds of words, so
    the words around it are translated exactly as `apertium -u` translates them (a bare
    number there changed e.g. "two-stage": "dos-fase" instead of "dos-escenificar")."""
    differing: list[str] = []
    for route in translator.supported_pairs():
        if route.pivot is not None:
            continue
        text = CODES_KEPT_BY_APERTIUM[route.source]
        ours = translator.translate(text, route.source, route.target).text
        (raw,) = raw_apertium(route.source, route.target, [text])
        if ours != raw:
            differing.append(f"{route.languages}: {ours!r} != {raw!r}")
    assert not differing, "\n".join(differing)
    # The stand-in's invented word is not one of the text's unknown words.
    assert translator.translate("The RM-2 rocket.", "en", "fr").unknown_words == 0


def test_code_stand_in_words_are_unknown_to_every_analyser() -> None:
    words = " ".join(f"Zqx{s}" for s in ("a", "b", "z", "ba", "zz"))
    for mode in discover_modes().values():
        done = subprocess.run(
            mode.analysis[0],  # lt-proc with the analyser
            input=words + ".[]",
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        units = [u for u in done.stdout.split("$") if "Zqx" in u]
        assert len(units) == 5, (mode.name, done.stdout)
        assert all("/*Zqx" in u for u in units), (mode.name, done.stdout)
