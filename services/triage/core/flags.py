"""Handling flags found in a customer message: lexicon rules, the intent model, the context.

Six flags (as in the API): urgent, legal threat, offensive, fraud allegation, churn risk,
repeated contact. Two more *cues* are found the same way but are not flags: wording that
says an order was lost or never arrived, and an explicit request for a person; escalation
uses them.

Rules are regular expressions over a normalised text: case-folded (so German ß is "ss"),
accents removed ("réponse" and "reponse" are the same), typographic apostrophes made
plain and whitespace collapsed. Every pattern is matched on word boundaries. Rules are
written for English, Spanish, French, Portuguese, Italian and German. Most terms mean
the same thing in every language, so a rule applies whatever language the message was
detected in (detection of short texts is unreliable); a rule whose words mean something
else in another language ("avocat" is also an avocado, "golpe" a blow in Spanish) is
marked with its language and applies only to messages in that language.

Each hit names the rule that fired (`legal_threat.en.lawyer`), never the customer's text,
so that hits can be logged and shown.

Negation is handled where it is cheap and matters: a fraud *noun* ("scam", "estafa",
"Betrug") right after a negation ("this is not a scam") does not count, and such a
negated mention also keeps the intent model's fraud_allegation (which does not read
negation) from raising the flag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from services.triage.core.intents import Intent
from services.triage.core.types import IntentResult


class Flag(StrEnum):
    """A handling flag of the API (`Flags` in triage.proto)."""

    URGENT = "urgent"
    LEGAL_THREAT = "legal_threat"
    OFFENSIVE = "offensive"
    FRAUD_ALLEGATION = "fraud_allegation"
    CHURN_RISK = "churn_risk"
    REPEATED_CONTACT = "repeated_contact"


class Cue(StrEnum):
    """Wording that escalation rules use but that is not a flag of its own."""

    LOST_ITEM = "lost_item"
    """The order or parcel is said to be lost, missing or never arrived."""
    HUMAN_REQUEST = "human_request"
    """The customer asks for a person (agent, manager, real human)."""


Signal = Flag | Cue


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired. `rule` is a stable id, e.g. `legal_threat.en.lawyer`,
    `fraud_allegation.intent` or `repeated_contact.contacts_last_7_days`."""

    signal: Signal
    rule: str


@dataclass(frozen=True, slots=True)
class Flags:
    """The six flags plus every rule that fired (for explanation).

    `suppressed` lists rules that matched but were discounted (a negated fraud noun, the
    fraud intent overruled by such a negation); they never set a flag.
    """

    urgent: bool = False
    legal_threat: bool = False
    offensive: bool = False
    fraud_allegation: bool = False
    churn_risk: bool = False
    repeated_contact: bool = False
    hits: tuple[RuleHit, ...] = ()
    suppressed: tuple[RuleHit, ...] = ()

    def is_set(self, flag: Flag) -> bool:
        """The value of one flag."""
        value: bool = getattr(self, flag.value)
        return value

    @property
    def raised(self) -> tuple[Flag, ...]:
        """The flags that are set, in the API's field order."""
        return tuple(f for f in Flag if self.is_set(f))

    def has_cue(self, cue: Cue) -> bool:
        """Whether a cue (lost item, human request) was found."""
        return any(h.signal is cue for h in self.hits)

    def rules(self, signal: Signal) -> tuple[str, ...]:
        """Ids of the rules that fired for a flag or cue."""
        return tuple(h.rule for h in self.hits if h.signal is signal)

    @classmethod
    def from_hits(cls, hits: Sequence[RuleHit], suppressed: Sequence[RuleHit] = ()) -> Flags:
        """Flags set by these hits (a flag is set when at least one of its rules fired)."""
        raised = {h.signal for h in hits}
        return cls(
            urgent=Flag.URGENT in raised,
            legal_threat=Flag.LEGAL_THREAT in raised,
            offensive=Flag.OFFENSIVE in raised,
            fraud_allegation=Flag.FRAUD_ALLEGATION in raised,
            churn_risk=Flag.CHURN_RISK in raised,
            repeated_contact=Flag.REPEATED_CONTACT in raised,
            hits=tuple(hits),
            suppressed=tuple(suppressed),
        )

    def with_hit(self, hit: RuleHit) -> Flags:
        """A copy with one more hit (and its flag set, if it is a flag)."""
        return Flags.from_hits((*self.hits, hit), self.suppressed)


# --------------------------------------------------------------------------- normalising


def normalize_text(text: str) -> str:
    """Case-folded, accent-free, plain apostrophes, single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    stripped = stripped.translate(_APOSTROPHES)
    return " ".join(stripped.split())


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})


def _strip_accents(pattern: str) -> str:
    # Patterns are written lower-case; only accents are removed (casefolding a pattern
    # would turn \W, \S or \D into \w, \s, \d).
    decomposed = unicodedata.normalize("NFKD", pattern)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --------------------------------------------------------------------------- lexicon


@dataclass(frozen=True, slots=True)
class LexiconRule:
    """One pattern. `only` restricts it to messages in that language; `negatable` rules
    do not count right after a negation."""

    signal: Signal
    language: str
    name: str
    pattern: str
    only: bool = False
    negatable: bool = False

    @property
    def rule_id(self) -> str:
        return f"{self.signal.value}.{self.language}.{self.name}"


def _rules(
    signal: Signal,
    language: str,
    entries: Iterable[tuple[str, str]],
    *,
    only: bool = False,
    negatable: bool = False,
) -> list[LexiconRule]:
    return [
        LexiconRule(signal, language, name, pattern, only=only, negatable=negatable)
        for name, pattern in entries
    ]


_L = Flag.LEGAL_THREAT
_F = Flag.FRAUD_ALLEGATION
_O = Flag.OFFENSIVE
_C = Flag.CHURN_RISK
_R = Flag.REPEATED_CONTACT
_U = Flag.URGENT
_LOST = Cue.LOST_ITEM
_HUMAN = Cue.HUMAN_REQUEST

_ORDINAL_EN = r"(?:third|fourth|fifth|sixth|3rd|4th|5th|6th|\d+th|umpteenth|nth)"
_CONTACT_EN = r"(?:writ\w*|wrote|contact\w*|call\w*|email\w*|e-mail\w*|messag\w*|ask\w*|reach\w*|complain\w*|chas\w*)"  # noqa: E501

# A lawyer word counts as a threat unless the writer names their own job ("I'm a lawyer",
# "as an attorney", "je suis avocate"): fixed-width lookbehinds, one per phrase, on the
# normalised text (case-folded, accent-free, plain apostrophes).
_NOT_SELF_EN = r"(?<!i'm a )(?<!im a )(?<!i am a )(?<!as a )(?<!as an )(?<!i'm an )(?<!i am an )(?<!work as a )"  # noqa: E501
_NOT_SELF_ES = r"(?<!soy )(?<!como )(?<!trabajo de )"
_NOT_SELF_FR = r"(?<!je suis )(?<!suis )(?<!en tant qu')(?<!en tant que )(?<!comme )"
_NOT_SELF_PT = r"(?<!sou )(?<!como )(?<!trabalho como )"
_NOT_SELF_IT = r"(?<!sono )(?<!sono un )(?<!sono una )(?<!come )(?<!faccio l')"
_NOT_SELF_DE = r"(?<!ich bin )(?<!bin )(?<!als )"

# fmt: off
LEXICON: tuple[LexiconRule, ...] = tuple(
    [
        # ---------------------------------------------------------------- legal threat
        *_rules(_L, "en", [
            ("lawyer", _NOT_SELF_EN + r"(?:lawyer|attorney|solicitor|legal counsel)s?"),
            ("sue", r"(?:sue|suing) (?:you|u|your|the company|them|this)|(?:will|gonna|going to|i'll|i will) sue"),  # noqa: E501
            ("legal_action", r"legal (?:action|proceedings|steps)|legal complaint"),
            ("court", r"(?:take|taking|bring|see) (?:you|u|this|them|the company|it) (?:to|in|before a) court|(?:to|in|before a|go to) court|court (?:case|action|order)|small claims"),  # noqa: E501
            ("chargeback", r"charge ?backs?|dispute (?:the|this) (?:charge|payment|transaction) with my (?:bank|card)"),  # noqa: E501
            ("authority", r"consumer (?:protection|rights|affairs|authority|ombudsman)|ombudsman|trading standards|better business bureau|bbb|ftc|attorney general|citizens advice"),  # noqa: E501
        ]),
        *_rules(_L, "es", [
            ("lawyer", _NOT_SELF_ES + r"abogad[oa]s?"),
            ("sue", r"demandar(?:les|los|las|te|le)?|(?:poner|interponer|presentar) una demanda|denunciar(?:les|los|las|te|le)?|(?:poner|presentar) una denuncia"),  # noqa: E501
            ("court", r"tribunal(?:es)?|juzgado|via judicial|acciones legales|medidas legales"),
            ("authority", r"oficina (?:municipal )?(?:del|de) consum\w*|omic|(?:a|en|ante) consumo|(?:autoridad|organismos?|direccion general) de consumo|profeco|hoja de reclamaciones|asociacion de consumidores|facua|ocu"),  # noqa: E501
            ("chargeback", r"contracargo|anular el cargo con mi banco"),
        ]),
        *_rules(_L, "fr", [
            ("sue", r"poursuivre en justice|poursuites(?: judiciaires)?|action en justice|porter plainte|deposer (?:une )?plainte|mise en demeure|proces"),  # noqa: E501
            ("court", r"tribunal|(?:en|la) justice|juge de proximite"),
            ("authority", r"dgccrf|ufc[- ]que choisir|que choisir|60 millions de consommateurs|association de consommateurs|mediateur|signal ?conso"),  # noqa: E501
            ("chargeback", r"retrofacturation|contester le (?:paiement|prelevement) aupres de ma banque"),  # noqa: E501
        ]),
        *_rules(_L, "fr", [("lawyer", _NOT_SELF_FR + r"avocat(?:e|s|es)?")], only=True),
        *_rules(_L, "pt", [
            ("lawyer", _NOT_SELF_PT + r"advogad[oa]s?"),
            ("sue", r"(?:vou|irei|vamos) processar|processar (?:voces|vcs|a empresa|a loja)|entrar na justica|acao judicial|medidas judiciais"),  # noqa: E501
            ("court", r"tribunal|juizado|pequenas causas"),
            ("authority", r"procon|reclame aqui|consumidor\.gov|livro de reclamacoes"),
        ]),
        *_rules(_L, "pt", [("authority_deco", r"deco")], only=True),
        *_rules(_L, "it", [
            ("lawyer", _NOT_SELF_IT + r"(?:avvocat[oaie]|(?:mio|un|al mio|il mio) legale)"),
            ("sue", r"fare causa|fargli causa|farvi causa|denunciar(?:vi|e|li)|denunci[ao]|vi denuncio|vie legali|azioni? legal[ei]"),  # noqa: E501
            ("court", r"tribunale|giudice di pace"),
            ("authority", r"codacons|altroconsumo|associazione (?:dei )?consumatori|garante (?:della privacy|per la protezione dei dati)|antitrust|agcm"),  # noqa: E501
        ]),
        *_rules(_L, "de", [
            ("lawyer", _NOT_SELF_DE + r"(?:\w*anwalt\w*|\w*anwaltin\w*|anwalte\w*)"),
            ("sue", r"verklagen|verklage|klage (?:einreichen|erheben)|rechtliche schritte|gerichtlich\w*|vor gericht"),  # noqa: E501
            ("authority", r"verbraucherzentrale|verbraucherschutz|schlichtungsstelle"),
            ("chargeback", r"ruckbuchung|rucklastschrift|zahlung zuruckbuchen"),
        ]),
        # ---------------------------------------------------------------- fraud allegation
        *_rules(_F, "en", [
            ("unauthorised", r"unauthori[sz]ed (?:charges?|transactions?|payments?|purchases?|orders?|debits?|use)"),  # noqa: E501
            ("not_me", r"(?:i )?(?:did not|didn't|didnt|never) (?:order|make|authori[sz]e|place|buy|purchase)(?:d)? (?:this|that|these|it|anything|any)"),  # noqa: E501
            ("stolen_card", r"stolen (?:credit |debit )?card|card (?:was|has been|got) stolen|identity theft|account (?:was|has been|got) hacked|hacked (?:my )?account"),  # noqa: E501
            ("someone_used", r"someone (?:used|is using|has used|ordered with|charged) my (?:card|account|credit card)"),  # noqa: E501
        ]),
        *_rules(_F, "en", [("scam", r"scams?|scamm\w+|frauds?|fraudulent\w*|fraudster\w*|phishing|rip-?offs?")], negatable=True),  # noqa: E501
        *_rules(_F, "es", [
            ("unauthorised", r"cargos? no autorizad[oa]s?|compras? no autorizad[oa]s?|cobros? no autorizad[oa]s?|cargos? que no (?:reconozco|hice)"),  # noqa: E501
            ("not_me", r"yo no (?:he )?(?:pedi|hice|compre|autorice|realice)|no (?:he )?(?:pedido|hecho|autorizado|realizado) (?:esta|este|ese|esa|ningun\w*) (?:compra|pedido|cargo|cobro)"),  # noqa: E501
            ("stolen_card", r"tarjeta (?:robada|clonada)|me (?:robaron|han robado) la tarjeta|suplantacion de identidad|(?:hackearon|hackeado) mi cuenta"),  # noqa: E501
        ]),
        *_rules(_F, "es", [("scam", r"estafa\w*|fraude\w*|timo")], negatable=True),
        *_rules(_F, "fr", [
            ("unauthorised", r"(?:prelevements?|paiements?|achats?|debits?) non autorises?|je ne reconnais pas (?:ce|cet|cette) (?:achat|paiement|prelevement|debit)"),  # noqa: E501
            ("not_me", r"je n'ai (?:jamais|pas) (?:commande|achete|autorise|passe)"),
            ("stolen_card", r"carte (?:volee|clonee|piratee)|on m'a vole ma carte|usurpation d'identite|compte pirate"),  # noqa: E501
        ]),
        *_rules(_F, "fr", [("scam", r"arnaque\w*|escroc\w*|fraude\w*")], negatable=True),
        *_rules(_F, "pt", [
            ("unauthorised", r"(?:compras?|cobrancas?|pagamentos?) nao (?:autorizad[oa]s?|reconhecid[oa]s?)|nao reconheco (?:esta|essa|este|esse) (?:compra|cobranca|pagamento)"),  # noqa: E501
            ("not_me", r"(?:eu )?nao (?:fiz|pedi|comprei|autorizei) (?:esta|essa|este|esse|nenhum\w*)"),  # noqa: E501
            ("stolen_card", r"cartao (?:roubado|clonado)|roubaram (?:o )?meu cartao|conta (?:foi )?hackeada"),  # noqa: E501
        ]),
        *_rules(_F, "pt", [("scam", r"fraude\w*|golpe\w*|golpista\w*")], only=True, negatable=True),
        *_rules(_F, "it", [
            ("unauthorised", r"(?:addebiti?|pagament[oi]|acquist[oi]) non autorizzat[oi]|non riconosco (?:questo|quest') ?(?:addebito|acquisto|pagamento)"),  # noqa: E501
            ("not_me", r"non ho (?:mai )?(?:ordinato|effettuato|autorizzato|comprato) (?:questo|quest|nulla|niente)"),  # noqa: E501
            ("stolen_card", r"carta (?:rubata|clonata)|mi hanno rubato la carta|furto d'identita|account (?:e stato )?hackerato"),  # noqa: E501
        ]),
        *_rules(_F, "it", [("scam", r"truffa|truffe|truffat\w*|truffator\w*|frode|frodi")], negatable=True),  # noqa: E501
        *_rules(_F, "de", [
            ("unauthorised", r"nicht autorisierte? \w+|unberechtigte? (?:abbuchung|zahlung|belastung)\w*"),  # noqa: E501
            ("not_me", r"(?:habe ich|ich habe) (?:das |dies |diese \w+ )?(?:nie|nicht|niemals) (?:bestellt|gekauft|autorisiert)"),  # noqa: E501
            ("stolen_card", r"(?:karte|kreditkarte) (?:wurde |ist )?gestohlen|gestohlene (?:karte|kreditkarte)|identitatsdiebstahl|konto (?:wurde )?gehackt"),  # noqa: E501
        ]),
        *_rules(_F, "de", [("scam", r"betrug\w*|betruger\w*|abzocke\w*|abzocker\w*")], negatable=True),  # noqa: E501
        # ---------------------------------------------------------------- offensive
        *_rules(_O, "en", [
            ("insult", r"idiots?|morons?|imbeciles?|stupid|dumb ?ass\w*|losers?|clowns"),
            ("profanity", r"f+u+c+k+\w*|f[\*#@]+c?k\w*|f\*+|wtf|shit\w*|bullshit|bastards?|assholes?|arseholes?|bitch\w*|dickheads?|crap|piss off|screw you|go to hell|scum\w*|twats?|wankers?"),  # noqa: E501
        ]),
        *_rules(_O, "es", [
            ("insult", r"idiotas?|imbeciles?|estupid[oa]s?|inutiles de mierda|payas[oa]s|sinverguenzas?|ladron(?:es)?"),  # noqa: E501
            ("profanity", r"mierda|cabron\w*|gilipollas|pendej\w*|put[oa]s?|joder|hijos? de puta|chingad\w*|carajo"),  # noqa: E501
        ]),
        *_rules(_O, "fr", [
            ("insult", r"connard\w*|connasse\w*|salaud\w*|salope\w*|cretins?|abrutis?|encule\w*"),
            ("profanity", r"putain|merde\w*|bordel|fils de pute|ta gueule|va te faire"),
        ]),
        # "retard" is a delay in French, "debiles" weak in Spanish, "con" with in Spanish.
        *_rules(_O, "en", [("insult_retard", r"retards?|retarded")], only=True),
        *_rules(_O, "fr", [("insult_only", r"(?:bande de |espece de |vous etes des )cons?|debiles?")], only=True),  # noqa: E501
        *_rules(_O, "pt", [
            ("insult", r"idiotas?|otarios?|babacas?|imbecis|imbecil|ladroes|vagabund\w*|safad\w*"),
            ("profanity", r"merda|porra|caralho|filhos? da puta|puta que pariu|vai se foder|foda-se"),  # noqa: E501
        ]),
        *_rules(_O, "it", [
            ("insult", r"idioti?|idiota|stronz\w*|coglion\w*|imbecill\w*|cretin\w*|ladri"),
            ("profanity", r"cazz\w*|vaffanculo|fanculo|merda|porca (?:miseria|puttana)|figli di puttana"),  # noqa: E501
        ]),
        *_rules(_O, "de", [
            ("insult", r"\w*idiot\w*|arschloch\w*|arschlocher|wichser|penner|trottel|vollpfosten|dreckslad\w*|betrugerbande"),  # noqa: E501
            ("profanity", r"scheiss\w*|\w+scheiss\w*|verpisst euch|fick dich|fickt euch|ficken|gefickt"),  # noqa: E501
        ]),
        *_rules(_O, "it", [("insult_deficiente", r"deficient[ei]")], only=True),
        # ---------------------------------------------------------------- churn risk
        *_rules(_C, "en", [
            ("close_account", r"(?:cancel|close|delete|terminate|remove) my (?:account|membership|profile)"),  # noqa: E501
            ("never_again", r"never again|never (?:shop\w*|order\w*|buy\w*|purchas\w*|com\w*|use \w+) (?:here |from you |with you |from \w+ )?again|never (?:coming|come|be) back|(?:won't|will not|wont) (?:be )?(?:shop\w*|order\w*|buy\w*|purchas\w*) (?:here |from you |with you )?(?:again|anymore|ever)|last time i (?:shop|order|buy)"),  # noqa: E501
            ("competitor", r"(?:switch\w*|go\w*|mov\w*) (?:over )?to (?:a |your |another )?(?:competitors?|other (?:store|shop|retailer)s?)|(?:switch\w*|mov\w*) to amazon|take my business elsewhere|shop elsewhere|lost (?:me as )?a (?:loyal )?customer"),  # noqa: E501
        ]),
        *_rules(_C, "es", [
            ("close_account", r"(?:cancelar|cerrar|eliminar|borrar) (?:mi|la) cuenta"),
            ("never_again", r"(?:nunca|jamas) mas|no (?:vuelvo|volvere) a (?:comprar|pedir)"),
            ("competitor", r"(?:a|con|en) la competencia|han perdido (?:a )?un cliente|perdieron un cliente"),  # noqa: E501
        ]),
        *_rules(_C, "fr", [
            ("close_account", r"(?:supprimer|fermer|cloturer|resilier) (?:mon|le) (?:compte|abonnement)"),  # noqa: E501
            ("never_again", r"plus jamais|je ne (?:commanderai|recommanderai|acheterai) plus|derniere fois que je commande"),  # noqa: E501
            ("competitor", r"chez (?:un |vos |la )?concurren\w*|perdu un client"),
        ]),
        *_rules(_C, "pt", [
            ("close_account", r"(?:cancelar|encerrar|excluir|apagar) (?:a )?minha conta"),
            ("never_again", r"nunca mais|nao compro mais"),
            ("competitor", r"(?:na|para a) concorrencia|concorrente|perderam um cliente"),
        ]),
        *_rules(_C, "it", [
            ("close_account", r"(?:chiudere|cancellare|eliminare) (?:il )?mio (?:account|profilo|abbonamento)"),  # noqa: E501
            ("never_again", r"mai piu|non (?:comprero|ordinero|acquistero) piu"),
            ("competitor", r"(?:dalla|alla) concorrenza|concorrente|perso un cliente"),
        ]),
        *_rules(_C, "de", [
            ("close_account", r"(?:mein |das )?(?:konto|kundenkonto|abo) (?:loschen|kundigen|schliessen)|kundige (?:mein|das)"),  # noqa: E501
            ("never_again", r"nie (?:wieder|mehr)|nimmer(?:mehr)?"),
            ("competitor", r"(?:zur|bei der) konkurrenz|kunden verloren"),
        ]),
        # ---------------------------------------------------------------- repeated contact
        *_rules(_R, "en", [
            ("nth_time", rf"{_ORDINAL_EN} time (?:(?:that )?(?:i|we)(?:'ve|'m| have| am)? )?(?:(?:am|have|had|been) )*{_CONTACT_EN}|{_CONTACT_EN} (?:to )?(?:you |this |about this )?(?:for )?the {_ORDINAL_EN} time"),  # noqa: E501
            ("many_times", r"(?:i|we)(?:'ve| have)? (?:already )?(?:written|emailed|e-mailed|contacted|called|messaged|asked|reached out|complained) (?:to )?(?:you |about this )?(?:\d+|two|three|four|five|several|many|multiple|numerous|countless|so many) times"),  # noqa: E501
            ("no_answer", r"still (?:no|not|haven'?t|have not|havent) (?:got |gotten |received |had |heard )?(?:an? |any )?(?:answer|reply|response|news|update|word|back)|(?:no one|nobody|noone) (?:has |is |ever )?(?:answer\w*|repl\w*|respond\w*|got back|gets back|get back)|no (?:answer|reply|response) (?:yet|so far|for (?:days|weeks))|again and again|keep (?:writing|asking|contacting|calling|chasing)"),  # noqa: E501
        ]),
        *_rules(_R, "es", [
            ("nth_time", r"(?:tercera|cuarta|quinta|enesima) vez que (?:les |os |te |me |lo )?(?:escrib\w*|llam\w*|contact\w*|reclam\w*|pregunt\w*|pongo en contacto)|(?:escrib\w*|llam\w*|contact\w*|reclam\w*) (?:\w+ )?por (?:tercera|cuarta|quinta|enesima) vez|(?:he |les he |os he )(?:escrito|llamado|contactado|reclamado) (?:ya )?(?:varias|muchas|\d+) veces|(?:varias|muchas|\d+) veces (?:les |os |te )?(?:he )?(?:escrito|llamado|contactado|reclamado)"),  # noqa: E501
            ("no_answer", r"sigo sin (?:respuesta|noticias)|(?:todavia|aun) sin respuesta|(?:todavia|aun) no (?:me )?han (?:contestado|respondido)|nadie (?:me )?(?:responde|contesta|ha respondido|ha contestado)"),  # noqa: E501
        ]),
        *_rules(_R, "fr", [
            ("nth_time", r"(?:troisieme|quatrieme|cinquieme|enieme|\d+e) fois que (?:je )?(?:vous )?(?:ecri\w*|appel\w*|contact\w*|relanc\w*|demand\w*)|(?:ecri\w*|appel\w*|contact\w*|relanc\w*) (?:\w+ ){0,2}pour la (?:troisieme|quatrieme|cinquieme|enieme|\d+e) fois|(?:vous )?ai (?:deja )?(?:ecrit|appele|contacte|relance) (?:\w+ )?(?:plusieurs|\d+|maintes) fois"),  # noqa: E501
            ("no_answer", r"toujours (?:pas de|aucune) (?:reponse|retour|nouvelles)|toujours sans (?:reponse|nouvelles)|personne ne (?:me )?(?:repond|rappelle)|je (?:vous )?relance|(?:aucune|pas de) reponse (?:a ce jour|depuis)"),  # noqa: E501
        ]),
        *_rules(_R, "pt", [
            ("nth_time", r"(?:terceira|quarta|quinta|enesima) vez que (?:eu )?(?:escrev\w*|entro em contato|lig\w*|reclam\w*)|(?:ja )?(?:escrevi|liguei|entrei em contato|reclamei) (?:\w+ ){0,2}(?:varias|muitas|\d+) vezes"),  # noqa: E501
            ("no_answer", r"(?:ainda|continuo) sem (?:resposta|retorno|noticias)|ninguem (?:me )?(?:responde|respondeu|retorna)"),  # noqa: E501
        ]),
        *_rules(_R, "it", [
            ("nth_time", r"(?:terza|quarta|quinta|ennesima) volta che (?:vi |ti )?(?:scriv\w*|chiam\w*|contatt\w*)|(?:ho |vi ho )(?:gia )?(?:scritto|chiamato|contattato) (?:\w+ ){0,2}(?:piu|diverse|tante|molte|\d+) volte"),  # noqa: E501
            ("no_answer", r"ancora (?:nessuna|senza) (?:risposta|notizi\w*)|nessuno (?:mi )?(?:risponde|ha risposto)"),  # noqa: E501
        ]),
        *_rules(_R, "de", [
            ("nth_time", r"(?:dritte|vierte|funfte|x-te)n? mal,? (?:dass|das) ich (?:ihnen |euch )?(?:schreibe|anrufe|nachfrage|mich melde)|zum (?:dritten|vierten|funften|x-ten|wiederholten) mal|(?:mehrfach|mehrmals|\d+ mal) (?:geschrieben|angerufen|kontaktiert|nachgefragt)"),  # noqa: E501
            ("no_answer", r"(?:immer )?noch (?:keine|ohne) (?:antwort|ruckmeldung|reaktion)|niemand (?:antwortet|meldet sich|hat geantwortet)"),  # noqa: E501
        ]),
        # ---------------------------------------------------------------- urgent
        *_rules(_U, "en", [
            ("urgent", r"urgent\w*|asap|emergency|immediately|right (?:now|away)|as soon as possible|time[- ]sensitive"),  # noqa: E501
        ]),
        *_rules(_U, "es", [
            ("urgent", r"urgente\w*|urgencia|lo antes posible|cuanto antes|inmediatamente|de inmediato|ya mismo"),  # noqa: E501
        ]),
        *_rules(_U, "fr", [
            ("urgent", r"urgent\w*|urgence|au plus vite|des que possible|immediatement|tout de suite|au plus tot"),  # noqa: E501
        ]),
        *_rules(_U, "pt", [
            ("urgent", r"urgente\w*|urgencia|o mais rapido possivel|imediatamente|quanto antes"),
        ]),
        *_rules(_U, "it", [
            ("urgent", r"urgente\w*|urgenza|al piu presto|quanto prima|immediatamente"),
        ]),
        *_rules(_U, "de", [
            ("urgent", r"dringend\w*|eilig\w*|sofort|umgehend|so schnell wie moglich|notfall"),
        ]),
        # ---------------------------------------------------------------- cue: lost item
        *_rules(_LOST, "en", [
            ("lost", r"(?:order|parcel|package|item|delivery|shipment|box|tv) (?:\w+ ){0,3}(?:was|is|has been|got|been|went) (?:lost|missing|stolen)|lost (?:my |the |your )?(?:order|parcel|package|item|delivery|shipment)|lost in (?:the )?(?:post|mail|transit)|(?:it|they)(?:'s| is| was| are| were| has been| have been) lost|(?:never|not yet|still not|didn't|did not|hasn't|has not|haven't|have not|still hasn't|still haven't)(?: yet)? (?:arrived|been delivered|turned up|shown up|showed up|come|came)|(?:never|not|didn't|did not|haven't|have not|still haven't|still have not)(?: yet)? (?:received|got|gotten) (?:my |the |our |this |that |any )?(?:order|parcel|package|item|items|delivery|shipment|goods|purchase|it|them)|marked as delivered but"),  # noqa: E501
        ]),
        *_rules(_LOST, "es", [
            ("lost", r"nunca (?:me )?(?:llego|llegaron)|no (?:me )?(?:ha|han) llegado|(?:todavia|aun) no (?:me )?(?:ha )?llegado|se (?:ha |han )?(?:perdido|extraviado)|(?:pedido|paquete|envio) (?:\w+ ){0,2}(?:perdido|extraviado)|no (?:he )?recibido (?:(?:mi|el|los|las|la|mis) )?(?:pedido|paquete|envio|producto|articulo|compra)s?|no (?:he )?recibido nada|nunca recibi"),  # noqa: E501
        ]),
        *_rules(_LOST, "fr", [
            ("lost", r"(?:jamais|toujours pas|pas|jamais ete|pas ete) (?:livre|arrive)e?s?|(?:jamais|toujours pas|pas) recu (?:ma |mon |le |la |les |mes )?(?:commande|colis|article|produit|livraison)s?|(?:colis|commande) (?:\w+ ){0,2}(?:perdu|egare)e?s?"),  # noqa: E501
        ]),
        *_rules(_LOST, "pt", [
            ("lost", r"nunca chegou|nao chegou|ainda nao chegou|(?:nunca|nao) recebi (?:o |a |meu |minha |o meu |a minha )?(?:pedido|encomenda|produto|pacote|compra)|(?:pedido|encomenda|pacote) (?:\w+ ){0,2}(?:extraviad|perdid)[oa]|extraviad[oa]"),  # noqa: E501
        ]),
        *_rules(_LOST, "it", [
            ("lost", r"mai (?:arrivat|ricevut)[oaie]|non (?:e )?(?:mai )?(?:ancora )?arrivat[oaie]|non ho (?:mai )?(?:ancora )?ricevuto (?:il |la |i |le |l')?(?:mio |mia )?(?:ordine|pacco|prodotto|spedizione|articolo|merce)|(?:pacco|ordine|spedizione) (?:\w+ ){0,2}(?:smarrit|pers)[oa]|smarrit[oa]"),  # noqa: E501
        ]),
        *_rules(_LOST, "de", [
            ("lost", r"(?:nie|nicht|noch nicht|immer noch nicht) (?:angekommen|geliefert|zugestellt)|(?:paket|bestellung|sendung|lieferung|ware) (?:\w+ ){0,3}(?:nie|nicht) erhalten|(?:paket|bestellung|sendung|lieferung) (?:\w+ ){0,3}verloren\w*|verloren ?gegangen|verschollen"),  # noqa: E501
        ]),
        # ---------------------------------------------------------------- cue: human request
        *_rules(_HUMAN, "en", [
            ("person", r"(?:speak|talk|chat) (?:to|with) (?:a |an |some |your )?(?:real |actual |live )?(?:human|person|people|agent|someone|somebody|manager|supervisor|representative|rep)|(?:real|actual|live) (?:human|person|agent)|human being|not a (?:bot|robot|machine)"),  # noqa: E501
        ]),
        *_rules(_HUMAN, "es", [
            ("person", r"hablar con (?:una |un |algun |alguien|el |la )?(?:persona|agente|humano|alguien|encargad[oa]|responsable|supervisor|operador)|persona real"),  # noqa: E501
        ]),
        *_rules(_HUMAN, "fr", [
            ("person", r"parler (?:a|avec) (?:un |une |quelqu'un|le |la )?(?:conseiller|conseillere|personne|humain|agent|responsable|quelqu'un|operateur)|vraie personne|etre humain"),  # noqa: E501
        ]),
        *_rules(_HUMAN, "pt", [
            ("person", r"falar com (?:um |uma |alguem|o |a )?(?:atendente|pessoa|humano|agente|alguem|responsavel|gerente|supervisor)|pessoa real"),  # noqa: E501
        ]),
        *_rules(_HUMAN, "it", [
            ("person", r"parlare con (?:un |una |qualcuno|il |la )?(?:operatore|operatrice|persona|umano|agente|qualcuno|responsabile)|persona reale"),  # noqa: E501
        ]),
        *_rules(_HUMAN, "de", [
            ("person", r"mit (?:einem|einer|jemandem|ihrem|dem) (?:echten )?(?:(?:menschen|mitarbeiter\w*|person|berater\w*|vorgesetzten|verantwortlichen) )?sprechen|echten menschen|echte person"),  # noqa: E501
        ]),
    ]
)
# fmt: on

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
_TOKEN = re.compile(r"[\w']+")


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


@dataclass(frozen=True, slots=True)
class _Compiled:
    regex: re.Pattern[str]
    rules: tuple[LexiconRule, ...]  # the group named r{i} is rules[i]


def _compile(rules: Sequence[LexiconRule]) -> _Compiled:
    alternatives = "|".join(f"(?P<r{i}>{_strip_accents(r.pattern)})" for i, r in enumerate(rules))
    return _Compiled(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), tuple(rules))


@lru_cache(maxsize=64)
def _lexicon_for(language: str) -> tuple[_Compiled, ...]:
    # One alternation per signal: about twice as fast in `re` as one for all of them.
    rules = [r for r in LEXICON if not r.only or r.language == language]
    signals = dict.fromkeys(r.signal for r in rules)
    return tuple(_compile([r for r in rules if r.signal is s]) for s in signals)


@lru_cache(maxsize=256)
def _extra_terms(terms: tuple[tuple[Flag, tuple[str, ...]], ...]) -> _Compiled | None:
    rules = [
        LexiconRule(flag, "tenant", str(i), re.escape(normalize_text(term)))
        for flag, flag_terms in terms
        for i, term in enumerate(flag_terms)
        if normalize_text(term)
    ]
    return _compile(rules) if rules else None


@dataclass(frozen=True, slots=True)
class TextScan:
    """What the lexicon found in one text: hits, and negated hits that do not count."""

    hits: tuple[RuleHit, ...]
    negated: tuple[RuleHit, ...]


def _scan(compiled: _Compiled, normalised: str) -> tuple[list[RuleHit], list[RuleHit]]:
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


def scan_text(
    text: str,
    language: str,
    extra_terms: Mapping[Flag, Sequence[str]] | None = None,
) -> TextScan:
    """Run the lexicon (and a tenant's extra terms) over one text.

    `language` is the message's ISO 639-1 code; it only matters for the few rules marked
    for one language. Hits are grouped by signal (in LEXICON order), each rule at most
    once.
    """
    normalised = normalize_text(text)
    hits: list[RuleHit] = []
    negated: list[RuleHit] = []
    for compiled in _lexicon_for(language):
        found, found_negated = _scan(compiled, normalised)
        hits += found
        negated += found_negated
    if extra_terms:
        key = tuple(sorted((f, tuple(t)) for f, t in extra_terms.items() if t))
        tenant_terms = _extra_terms(key)
        if tenant_terms is not None:
            more, _ = _scan(tenant_terms, normalised)
            hits.extend(h for h in more if h not in hits)
    return TextScan(tuple(hits), tuple(negated))


# --------------------------------------------------------------------------- flags

RULE_FRAUD_INTENT = "fraud_allegation.intent"
RULE_HUMAN_INTENT = "human_request.intent"
RULE_REPEATED_CONTEXT = "repeated_contact.contacts_last_7_days"


@dataclass(frozen=True, slots=True)
class FlagSettings:
    """The thresholds flag detection needs (from the `flags` section of the config)."""

    repeated_contact_min_contacts: int = 3
    """contacts_last_7_days at or above which the message is a repeated contact."""
    fraud_intent_min_confidence: float | None = 0.6
    """The intent model's fraud_allegation counts from this confidence (None: never)."""
    request_human_intent_min_confidence: float | None = 0.6
    """The intent model's request_human counts as an explicit request from this (None:
    never)."""
    extra_terms: Mapping[Flag, Sequence[str]] | None = None
    """A tenant's own literal terms per flag (matched like the lexicon)."""


def detect_flags(
    text: str,
    language: str,
    intent: IntentResult,
    contacts_last_7_days: int,
    settings: FlagSettings,
) -> Flags:
    """Flags and cues of one message from its text, its intent and its contact count."""
    scan = scan_text(text, language, settings.extra_terms)
    hits = list(scan.hits)
    suppressed = list(scan.negated)
    fraud_floor = settings.fraud_intent_min_confidence
    if (
        intent.intent is Intent.FRAUD_ALLEGATION
        and fraud_floor is not None
        and intent.confidence >= fraud_floor
    ):
        intent_hit = RuleHit(Flag.FRAUD_ALLEGATION, RULE_FRAUD_INTENT)
        lexicon_fraud = any(h.signal is Flag.FRAUD_ALLEGATION for h in scan.hits)
        negated_fraud = any(h.signal is Flag.FRAUD_ALLEGATION for h in scan.negated)
        # "This is not a scam, right?": the model does not read negation, the lexicon does.
        if negated_fraud and not lexicon_fraud:
            suppressed.append(intent_hit)
        else:
            hits.append(intent_hit)
    human_floor = settings.request_human_intent_min_confidence
    if (
        intent.intent is Intent.REQUEST_HUMAN
        and human_floor is not None
        and intent.confidence >= human_floor
    ):
        hits.append(RuleHit(Cue.HUMAN_REQUEST, RULE_HUMAN_INTENT))
    if contacts_last_7_days >= settings.repeated_contact_min_contacts:
        hits.append(RuleHit(Flag.REPEATED_CONTACT, RULE_REPEATED_CONTEXT))
    return Flags.from_hits(hits, suppressed)
