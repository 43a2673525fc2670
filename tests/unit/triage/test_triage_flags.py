from __future__ import annotations

import pytest

from services.triage.core.flags import (
    RULE_FRAUD_INTENT,
    RULE_HUMAN_INTENT,
    RULE_REPEATED_CONTEXT,
    Cue,
    Flag,
    Flags,
    FlagSettings,
    RuleHit,
    detect_flags,
    normalize_text,
    scan_text,
)
from services.triage.core.intents import Intent
from services.triage.core.types import IntentResult, IntentScore, ModelVersion

MODEL = ModelVersion("test", "0")
SETTINGS = FlagSettings()


def _intent(intent: Intent = Intent.OTHER, confidence: float = 0.9) -> IntentResult:
    return IntentResult(intent, confidence, (IntentScore(intent, confidence),), MODEL)


def _flags(text: str, language: str = "en", **kwargs: object) -> Flags:
    intent = kwargs.pop("intent", _intent())
    contacts = kwargs.pop("contacts", 0)
    assert isinstance(intent, IntentResult)
    assert isinstance(contacts, int)
    return detect_flags(text, language, intent, contacts, SETTINGS)


@pytest.mark.parametrize(
    ("flag", "language", "text"),
    [
        (Flag.URGENT, "en", "Please, this is urgent, I need it for tomorrow"),
        (Flag.URGENT, "es", "Necesito el pedido lo antes posible, es URGENTE"),
        (Flag.URGENT, "de", "Bitte dringend antworten"),
        (Flag.LEGAL_THREAT, "en", "If this is not fixed I will contact my lawyer"),
        (Flag.LEGAL_THREAT, "en", "I'm filing a chargeback with my bank"),
        (Flag.LEGAL_THREAT, "en", "I will report you to the Better Business Bureau"),
        (Flag.LEGAL_THREAT, "en", "See you in small claims court"),
        (Flag.LEGAL_THREAT, "es", "Voy a denunciarles ante la Oficina del Consumidor"),
        (Flag.LEGAL_THREAT, "fr", "Je vais saisir mon avocat et la DGCCRF"),
        (Flag.LEGAL_THREAT, "pt", "Vou abrir uma reclamação no Procon"),
        (Flag.LEGAL_THREAT, "it", "Mi rivolgerò al mio avvocato"),
        (Flag.LEGAL_THREAT, "de", "Ich werde Sie verklagen"),
        (Flag.LEGAL_THREAT, "de", "Mein Rechtsanwalt wird sich melden"),
        (Flag.OFFENSIVE, "en", "you are a bunch of idiots"),
        (Flag.OFFENSIVE, "es", "sois unos gilipollas"),
        (Flag.OFFENSIVE, "fr", "quelle bande de connards"),
        (Flag.OFFENSIVE, "de", "So ein Scheißladen"),
        (Flag.FRAUD_ALLEGATION, "en", "There is an unauthorized charge on my card"),
        (Flag.FRAUD_ALLEGATION, "en", "I didn't order this, someone used my card"),
        (Flag.FRAUD_ALLEGATION, "en", "This shop is a scam"),
        (Flag.FRAUD_ALLEGATION, "es", "Me han cobrado un cargo no autorizado, es una estafa"),
        (Flag.FRAUD_ALLEGATION, "fr", "C'est une arnaque, ma carte a été volée"),
        (Flag.FRAUD_ALLEGATION, "pt", "Isso é golpe!"),
        (Flag.FRAUD_ALLEGATION, "de", "Das ist Betrug"),
        (Flag.CHURN_RISK, "en", "I will never shop here again"),
        (Flag.CHURN_RISK, "en", "Please cancel my account, I'm switching to a competitor"),
        (Flag.CHURN_RISK, "es", "Nunca más les compro nada"),
        (Flag.CHURN_RISK, "fr", "Plus jamais je ne commande chez vous"),
        (Flag.CHURN_RISK, "it", "Non comprerò più da voi, mai più"),
        (Flag.CHURN_RISK, "de", "Nie wieder bestelle ich bei euch"),
        (Flag.REPEATED_CONTACT, "en", "This is the third time I write about this"),
        (Flag.REPEATED_CONTACT, "en", "Still no answer to my email"),
        (Flag.REPEATED_CONTACT, "es", "Sigo sin respuesta después de una semana"),
        (Flag.REPEATED_CONTACT, "fr", "Toujours pas de réponse à mes messages"),
        (Flag.REPEATED_CONTACT, "de", "Ich schreibe Ihnen zum dritten Mal"),
        (Flag.REPEATED_CONTACT, "it", "È la terza volta che vi scrivo"),
    ],
)
def test_each_flag_fires_in_several_languages(flag: Flag, language: str, text: str) -> None:
    flags = _flags(text, language)
    assert flags.raised == (flag,), flags.hits
    # Shared words ("urgente") may fire another language's rule first; this one must fire.
    assert any(r.startswith(f"{flag.value}.{language}.") for r in flags.rules(flag))


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order? It should have arrived yesterday.",
        "The shorts are too short and the sleeves too long",
        "I love the chocolate truffles",  # not "truffa"
        "Is the fabric flame retardant?",  # not "retard"
        "Can I pay with Sofortüberweisung?",  # not "sofort"
        "How many times can I wash this jacket?",
        "This is the second time I order from you and I'm very happy",
        "I haven't received my refund yet",
        "Hi Sue, thanks for your help!",
        "Please unsubscribe me from the newsletter",
        "Fashion is fickle, but this scampi recipe is great",
        "I want to cancel my subscription to the newsletter",
    ],
)
def test_ordinary_messages_raise_nothing(text: str) -> None:
    flags = _flags(text)
    assert flags.raised == ()
    assert not flags.has_cue(Cue.LOST_ITEM)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "la livraison a une semaine de retard"),  # "retard": a delay
        ("es", "las costuras son débiles"),  # "débiles": weak
        ("es", "¿cuál es el consumo de batería?"),
        ("it", "la sede legale è a Milano"),
        ("de", "Kann ich mit Sofortüberweisung zahlen?"),
        ("pt", "o produto chegou hoje, obrigado"),
    ],
)
def test_ordinary_messages_in_other_languages_raise_nothing(language: str, text: str) -> None:
    assert _flags(text, language).raised == ()


def test_matching_ignores_case_and_accents() -> None:
    assert normalize_text("  RÉPONSE   Scheiße\u2019s ") == "reponse scheisse's"
    for text in ("Toujours pas de RÉPONSE", "toujours pas de reponse"):
        assert _flags(text, "fr").repeated_contact


def test_word_boundaries() -> None:
    assert not _flags("Nice scampi recipe").fraud_allegation
    assert _flags("What a scam!").fraud_allegation


def test_language_specific_words_only_apply_in_their_language() -> None:
    # "avocat" is a lawyer in French (and an avocado); "retard" a delay.
    assert _flags("J'ai contacté mon avocat", "fr").legal_threat
    assert not _flags("avocat toast", "en").legal_threat
    assert _flags("I'll see you in court", "en").legal_threat
    assert not _flags("Do you have court shoes for basketball?", "en").legal_threat
    assert not _flags("La jupe est trop court", "fr").legal_threat
    assert _flags("you retards", "en").offensive
    assert not _flags("une semaine de retard", "fr").offensive


def test_negated_scam_does_not_count_and_overrules_the_intent_model() -> None:
    fraud = _intent(Intent.FRAUD_ALLEGATION, 0.75)
    negated = _flags("This is not a scam, right?", intent=fraud)
    assert not negated.fraud_allegation
    assert RuleHit(Flag.FRAUD_ALLEGATION, "fraud_allegation.en.scam") in negated.suppressed
    assert RuleHit(Flag.FRAUD_ALLEGATION, RULE_FRAUD_INTENT) in negated.suppressed
    assert not _flags("No es una estafa, ¿verdad?", "es").fraud_allegation
    assert not _flags("Ce n'est pas une arnaque ?", "fr").fraud_allegation
    assert not _flags("Das ist kein Betrug, oder?", "de").fraud_allegation
    assert _flags("Still no answer. You scammers!").fraud_allegation
    assert _flags("No! This is a scam", intent=fraud).fraud_allegation
    # A real allegation next to a negated word still counts.
    assert _flags("It's not a mistake, it's a scam").fraud_allegation


def test_fraud_intent_counts_from_its_confidence_threshold() -> None:
    text = "please look at my last payment"
    low = _flags(text, intent=_intent(Intent.FRAUD_ALLEGATION, 0.59))
    high = _flags(text, intent=_intent(Intent.FRAUD_ALLEGATION, 0.6))
    assert not low.fraud_allegation
    assert high.fraud_allegation
    assert high.rules(Flag.FRAUD_ALLEGATION) == (RULE_FRAUD_INTENT,)
    off = detect_flags(
        text,
        "en",
        _intent(Intent.FRAUD_ALLEGATION, 0.99),
        0,
        FlagSettings(fraud_intent_min_confidence=None),
    )
    assert not off.fraud_allegation


def test_repeated_contact_from_the_contact_count() -> None:
    assert not _flags("hello", contacts=2).repeated_contact
    flags = _flags("hello", contacts=3)
    assert flags.repeated_contact
    assert flags.rules(Flag.REPEATED_CONTACT) == (RULE_REPEATED_CONTEXT,)
    settings = FlagSettings(repeated_contact_min_contacts=6)
    custom = detect_flags("hello", "en", _intent(), 5, settings)
    assert not custom.repeated_contact


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "My parcel never arrived"),
        ("en", "The package was marked as delivered but it is not here"),
        ("es", "Mi pedido nunca llegó"),
        ("fr", "Mon colis est perdu"),
        ("pt", "Minha encomenda nunca chegou"),
        ("it", "Il pacco non è mai arrivato"),
        ("de", "Das Paket ist nie angekommen"),
    ],
)
def test_lost_item_cue(language: str, text: str) -> None:
    flags = _flags(text, language)
    assert flags.has_cue(Cue.LOST_ITEM)
    assert flags.raised == ()  # a cue, not a flag


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Can I talk to a real person?"),
        ("es", "Quiero hablar con una persona"),
        ("de", "Ich möchte mit einem Mitarbeiter sprechen"),
    ],
)
def test_human_request_cue(language: str, text: str) -> None:
    assert _flags(text, language).rules(Cue.HUMAN_REQUEST) == (f"human_request.{language}.person",)


def test_human_request_from_the_intent_model() -> None:
    asked = _flags("hmm", intent=_intent(Intent.REQUEST_HUMAN, 0.9))
    assert asked.rules(Cue.HUMAN_REQUEST) == (RULE_HUMAN_INTENT,)
    unsure = _flags("hmm", intent=_intent(Intent.REQUEST_HUMAN, 0.4))
    assert not unsure.has_cue(Cue.HUMAN_REQUEST)


def test_several_flags_and_rules_at_once() -> None:
    flags = _flags(
        "Third time I write!! Still no answer. You scammers, my lawyer will sue you, urgent",
        contacts=4,
    )
    assert flags.raised == (
        Flag.URGENT,
        Flag.LEGAL_THREAT,
        Flag.FRAUD_ALLEGATION,
        Flag.REPEATED_CONTACT,
    )
    assert flags.rules(Flag.LEGAL_THREAT) == ("legal_threat.en.lawyer", "legal_threat.en.sue")
    assert flags.rules(Flag.REPEATED_CONTACT) == (
        "repeated_contact.en.nth_time",
        "repeated_contact.en.no_answer",
        RULE_REPEATED_CONTEXT,
    )


def test_tenant_extra_terms() -> None:
    settings = FlagSettings(extra_terms={Flag.LEGAL_THREAT: ["Défenseur des droits"]})
    flags = detect_flags("je saisis le defenseur des DROITS", "fr", _intent(), 0, settings)
    assert flags.rules(Flag.LEGAL_THREAT) == ("legal_threat.tenant.0",)


def test_hits_never_carry_customer_text() -> None:
    scan = scan_text("my lawyer John Smith at john@example.com", "en")
    assert [h.rule for h in scan.hits] == ["legal_threat.en.lawyer"]
    assert "john" not in repr(scan)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I'm a lawyer and I love these shoes"),
        ("en", "As an attorney I travel a lot: which bag fits a laptop?"),
        ("es", "Soy abogada y necesito un traje para el juicio"),
        ("fr", "Je suis avocate, avez-vous des tailleurs ?"),
        ("pt", "Sou advogado, vocês têm gravatas?"),
        ("it", "Sono avvocato, avete camicie bianche?"),
        ("de", "Ich bin Anwalt und suche einen Anzug"),
    ],
)
def test_naming_ones_own_job_is_not_a_legal_threat(language: str, text: str) -> None:
    assert not _flags(text, language).legal_threat


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "I have a lawyer and I will use him"),
        ("es", "Mi abogado se pondrá en contacto con ustedes"),
        ("fr", "Mon avocate vous contactera"),
        ("pt", "Vou falar com meu advogado"),
        ("it", "Chiamo il mio avvocato"),
        ("de", "Mein Anwalt meldet sich bei Ihnen"),
    ],
)
def test_a_lawyer_of_ones_own_is_still_a_legal_threat(language: str, text: str) -> None:
    assert _flags(text, language).legal_threat
