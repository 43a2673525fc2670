"""Public-shaming threats (posting everywhere, telling everyone on social media, a
one-star review, the press, a video) set `public_shaming` in the six languages of the real
lexicon (`services/triage/config/flags/`); ordinary messages that mention a review, a
post, sharing or the news, and negated threats, do not.

MORE_THREATS and MORE_NEAR_MISSES are in the style of the development list
(`data/triage/flags_dev/`), in other words: present tenses that do it now, the audience as
subject, named outlets, consumer shows and review sites, going viral."""

from __future__ import annotations

import pytest

from services.triage.core.flags import Flag, scan_text
from services.triage.core.lexicon import default_lexicon


def _shaming_rules(text: str, language: str) -> tuple[str, ...]:
    found = scan_text(text, language, lexicon=default_lexicon())
    return tuple(h.rule for h in found.hits if h.signal is Flag.PUBLIC_SHAMING)


THREATS = {
    "en": [
        ("I'll post this everywhere", "post_online"),
        ("I'm going to tell everyone on TikTok what you did", "tell_everyone"),
        ("I will share my experience all over social media", "post_online"),
        ("Expect a one-star review on Trustpilot", "review"),
        ("I'm gonna leave you a terrible review on Google", "review"),
        ("I'll go to the press with this", "press"),
        ("I'm contacting the newspapers tomorrow", "press"),
        ("I'll make a video about this on YouTube", "video"),
        ("I will warn everyone I know to stay away", "tell_everyone"),
        ("I'm going to name and shame you", "expose"),
    ],
    "es": [
        ("Voy a publicarlo en todas partes", "post_online"),
        ("Lo voy a contar en redes sociales", "post_online"),
        ("Os pondré una reseña de una estrella", "review"),
        ("Voy a dejaros una valoración negativa en Google", "review"),
        ("Pienso ir a la prensa con esto", "press"),
        ("Voy a hacer un vídeo sobre vuestra tienda", "video"),
        ("Todo el mundo se va a enterar de cómo tratáis a los clientes", "tell_everyone"),
    ],
    "fr": [
        ("Je vais publier ça partout", "post_online"),
        ("Je vais en parler sur les réseaux sociaux", "post_online"),
        ("Je vais laisser un avis une étoile sur Trustpilot", "review"),
        ("J'alerte la presse dès demain", "press"),
        ("Je vais faire une vidéo sur votre arnaque", "video"),
        ("Je vais prévenir tout le monde de ne pas commander chez vous", "tell_everyone"),
    ],
    "pt": [
        ("Vou postar isso em todo lugar", "post_online"),
        ("Vou expor vocês nas redes sociais", "post_online"),
        ("Vou deixar uma avaliação de uma estrela", "review"),
        ("Vou chamar a imprensa", "press"),
        ("Vou fazer um vídeo sobre isso", "video"),
        ("Vou avisar todo mundo para não comprar aqui", "tell_everyone"),
    ],
    "it": [
        ("Lo pubblicherò ovunque", "post_online"),
        ("Scriverò tutto sui social", "post_online"),
        ("Vi lascerò una recensione da una stella su Trustpilot", "review"),
        ("Andrò dai giornali", "press"),
        ("Farò un video su questa storia", "video"),
        ("Lo dirò a tutti i miei amici", "tell_everyone"),
    ],
    "de": [
        ("Ich werde das überall posten", "post_online"),
        ("Ich poste das auf Instagram", "post_online"),
        ("Ich schreibe eine Ein-Sterne-Bewertung auf Trustpilot", "review"),
        ("Ich gehe damit an die Presse", "press"),
        ("Ich mache ein Video darüber", "video"),
        ("Ich werde alle meine Freunde warnen", "tell_everyone"),
    ],
}

NEAR_MISSES = {
    "en": [
        "I posted a review last year and loved it",
        "Can I share this with my sister?",
        "I'll post the parcel back to you tomorrow",
        "I'll leave a great review once it arrives",
        "I saw your advert on Instagram",
        "I won't post this online, I just want my money back",
        "I'm not going to the press, just fix it",
        "Any news about my order?",
        "I'll tell you if it arrives",
        "I ordered the video game online last week",
        "I'll tell my wife about the discount",
    ],
    "es": [
        "Publiqué una reseña el año pasado y me encantó",
        "¿Puedo compartir esto con mi hermana?",
        "No lo voy a publicar en redes, solo quiero mi dinero",
        "Vi vuestro anuncio en Instagram",
        "¿Hay noticias de mi pedido?",
        "Os dejaré una buena reseña cuando llegue",
    ],
    "fr": [
        "J'ai publié un avis l'an dernier et j'ai adoré",
        "Je peux partager ça avec ma sœur ?",
        "Je ne vais pas publier ça partout, je veux juste un remboursement",
        "J'ai vu votre publicité sur Instagram",
        "Je vais laisser un avis positif quand le colis arrivera",
    ],
    "pt": [
        "Publiquei uma avaliação no ano passado e adorei",
        "Posso partilhar isto com a minha irmã?",
        "Não vou postar nas redes, só quero o reembolso",
        "Vi o vosso anúncio no Instagram",
        "Vou colocar um pedido online amanhã",
    ],
    "it": [
        "Ho pubblicato una recensione l'anno scorso e mi è piaciuto",
        "Posso condividerlo con mia sorella?",
        "Non lo pubblicherò sui social, voglio solo il rimborso",
        "Ho visto la vostra pubblicità su Instagram",
        "Vi porto la tv in assistenza domani",
    ],
    "de": [
        "Ich habe letztes Jahr eine Bewertung geschrieben und war begeistert",
        "Kann ich das mit meiner Schwester teilen?",
        "Ich werde das nicht überall posten, ich will nur mein Geld",
        "Ich habe Ihre Werbung auf Instagram gesehen",
        "Ich schreibe Ihnen, weil ich online bestellt habe",
        "Ich gehe nicht zur Presse, bitte lösen Sie das einfach",
    ],
}


MORE_THREATS = {
    "en": [
        ("I'm posting screenshots of this chat on Twitter right now", "post_online"),
        ("Uploading the whole story to Reddit tonight", "post_online"),
        ("Everyone I work with will hear about this", "tell_everyone"),
        ("Google will hear about this, believe me", "tell_everyone"),
        ("I've got 50k followers and they're about to learn what you did", "tell_everyone"),
        ("I've already emailed Watchdog about your company", "press"),
        ("Enjoy reading about this in the local paper", "press"),
        ("Leaving a one star review on every site I can find", "review"),
        ("Watch this go viral", "expose"),
        ("I'm going public with this", "expose"),
    ],
    "es": [
        ("Lo estoy publicando en Instagram ahora mismo", "post_online"),
        ("Esto lo subo a TikTok esta noche", "post_online"),
        ("Todos mis seguidores se van a enterar de esto", "tell_everyone"),
        ("Os pongo una estrella y a otra cosa", "review"),
        ("Ya he llamado a un programa de la tele", "press"),
        ("Voy a hacer que se haga viral", "expose"),
    ],
    "fr": [
        ("Je publie ça sur Instagram ce soir", "post_online"),
        ("Je l'ai déjà partagé sur Facebook", "post_online"),
        ("Tout mon entourage va entendre parler de vous", "tell_everyone"),
        ("Je vous mets une étoile, c'est tout ce que vous méritez", "review"),
        ("J'ai écrit à Que Choisir", "press"),
        ("Je vais faire en sorte que ça devienne viral", "expose"),
    ],
    "pt": [
        ("Estou postando tudo no Instagram agora", "post_online"),
        ("Já registrei tudo no Reclame Aqui", "post_online"),
        ("A internet inteira vai ficar sabendo disso", "tell_everyone"),
        ("A nota de vocês no Google vai despencar", "review"),
        ("Vou mandar a minha história para o Fantástico", "press"),
    ],
    "it": [
        ("Lo sto pubblicando su Instagram adesso", "post_online"),
        ("L'ho già postato su Facebook", "post_online"),
        ("Tutti quelli che conosco lo sapranno", "tell_everyone"),
        ("Vi do una stella e basta", "review"),
        ("Ho scritto ad Altroconsumo", "press"),
        ("Farò in modo che diventi virale", "expose"),
    ],
    "de": [
        ("Die Screenshots landen heute auf Instagram", "post_online"),
        ("Ich habe das schon auf Facebook gepostet", "post_online"),
        ("Jeder, den ich kenne, wird davon erfahren", "tell_everyone"),
        ("Von mir gibt es null Sterne", "review"),
        ("Ich melde mich bei Marktcheck", "press"),
        ("Ich sorge dafür, dass das viral geht", "expose"),
    ],
}

MORE_NEAR_MISSES = {
    "en": [
        "I posted a photo of my new boots on Instagram, so comfy!",
        "Everyone will love this coat",
        "I saw your ad on TikTok last night",
        "The video in the listing shows a blue strap",
        "I'm not posting this online, just sort it out",
        "I shared the link with my mum",
        "I've got 3 kids and they all love your shoes",
        "I'll tell my friends about the sale",
    ],
    "es": [
        "Subí una foto de las botas a Instagram",
        "Todo el mundo va a ver mi vestido nuevo en la boda",
        "No lo voy a subir a TikTok, solo quiero el reembolso",
        "Os he puesto cinco estrellas en Google",
    ],
    "fr": [
        "J'ai posté une photo de la robe sur Instagram",
        "Tout le monde va vouloir cette veste",
        "Je ne poste rien sur les réseaux, remboursez-moi",
        "Je vous ai mis cinq étoiles",
    ],
    "pt": [
        "Postei uma foto do vestido no Instagram",
        "Li as avaliações no Reclame Aqui antes de comprar",
        "Não estou postando nada, só quero o reembolso",
        "Todo mundo vai querer essa jaqueta",
    ],
    "it": [
        "Ho postato una foto del vestito su Instagram",
        "Non lo sto postando da nessuna parte, voglio solo il rimborso",
        "Vi ho dato cinque stelle su Google",
        "Tutti vorranno questa giacca",
    ],
    "de": [
        "Ich habe ein Foto vom Kleid auf Instagram gepostet",
        "Ich poste das nicht auf Instagram, ich will nur mein Geld",
        "Ich habe euch fünf Sterne gegeben",
        "Alle werden diese Jacke lieben",
    ],
}


@pytest.mark.parametrize(
    ("language", "text", "rule"),
    [
        (lang, text, rule)
        for cases_by_language in (THREATS, MORE_THREATS)
        for lang, cases in cases_by_language.items()
        for text, rule in cases
    ],
)
def test_threats_to_go_public_are_public_shaming(language: str, text: str, rule: str) -> None:
    rules = _shaming_rules(text, language)
    assert f"public_shaming.{language}.{rule}" in rules, rules


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (lang, text)
        for texts_by_language in (NEAR_MISSES, MORE_NEAR_MISSES)
        for lang, texts in texts_by_language.items()
        for text in texts
    ],
)
def test_ordinary_mentions_and_negated_threats_are_not(language: str, text: str) -> None:
    assert _shaming_rules(text, language) == ()


def test_every_language_has_public_shaming_rules() -> None:
    languages = {r.language for r in default_lexicon().rules if r.signal is Flag.PUBLIC_SHAMING}
    assert languages == set(THREATS)
