"""Someone in danger gets 911 first, in words and numbers for their kind of danger;
another city's question gets an honest "only Tucson"; both through POST /api/chat."""

import pytest
import yaml

from bot.engine.danger import DangerLexicon
from bot.engine.text import tokens
from bot.platform.config import ROOT

# The messages issue 14 found going to out_of_scope, and the kind each is.
MISSED_BEFORE = [
    ("my son is having a seizure and he won't stop shaking", "medical"),
    ("toddler swallowed a button battery", "poisoning"),
    ("smels like gas real strong in the whole house n the kids are dizzy", "fire"),
    ("two men just grabbed a girl and pushed her into a van on Park Ave", "violence"),
    ("mi esposo le duele mucho el pecho y el brazo izquierdo, está sudando frío", "medical"),
    ("mi amigo se metió algo y no despierta, tiene los labios morados", "medical"),
    ("me quiero hacer daño", "self_harm"),
    ("alguien está tratando de tumbar mi puerta, estoy sola con los niños", "violence"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "kind"), MISSED_BEFORE)
def test_the_emergencies_the_issue_found_missed_get_911_first(ask, message, kind):
    reply = ask(message)
    assert reply["intent"] == "emergency", reply
    first = reply["reply"].split(".")[0]
    assert "911" in first and first.index("911") < 15, reply["reply"]


@pytest.mark.parametrize(("message", "expected"), [
    ("set the awnings position to 0% in our kitchen", "out_of_scope"),
    ("pause my shows in the kitchen", "out_of_scope"),
    ("cual es la temperatura ahora en la cocina", "out_of_scope"),
    ("does Phoenix PD check immigration status at traffic stops", "out_of_scope"),
])  # fmt: skip
def test_the_answers_nobody_asked_for_are_gone(ask, message, expected):
    assert ask(message)["intent"] == expected


@pytest.mark.parametrize(("lang", "message", "says"), [
    ("en", "does Phoenix PD check immigration status at traffic stops", "another city"),
    ("es", "la policia de phoenix pide papeles en las paradas de trafico?", "otra ciudad"),
    ("en", "is los angeles a sanctuary city", "another city"),
])  # fmt: skip
def test_another_place_gets_an_honest_only_tucson(ask, lang, message, says):
    reply = ask(message, lang=lang)
    assert reply["intent"] == "out_of_scope"
    assert says in reply["reply"], reply["reply"]
    assert reply["sources"] == []


def test_a_tucson_question_naming_another_place_is_still_answered(ask):
    reply = ask("i moved here from texas, will tucson police ask for my papers")
    assert reply["intent"] != "out_of_scope"


def intents_emergency():
    return yaml.safe_load((ROOT / "intents" / "emergency.yaml").read_text(encoding="utf-8"))


def assert_kind_reply(reply: dict, kind: str) -> None:
    """An emergency, answered with that kind's own words (911 first) in its language."""
    assert reply["intent"] == "emergency", reply
    block = intents_emergency()["kinds"][kind][reply["language"]]
    assert reply["reply"].startswith(" ".join(block["answer"].split())), reply["reply"]


@pytest.mark.parametrize(("message", "lang", "kind"), [
    ("my baby swallowed bleach", "en", "poisoning"),
    ("mi hijo se tragó una pila de botón", "es", "poisoning"),
    ("i want to kill myself tonight", "en", "self_harm"),
    ("ya no quiero vivir", "es", "self_harm"),
    ("there is a fire in my kitchen", "en", "fire"),
    ("my husband is hitting me right now", "en", "violence"),
    ("my grandpa collapsed and is not breathing", "en", "medical"),
])  # fmt: skip
def test_each_kind_gets_its_own_words_and_numbers(app, ask, message, lang, kind):
    reply = ask(message, lang=lang)
    assert reply["language"] == lang
    assert_kind_reply(reply, kind)
    # no police quote about reporting crimes under a choking child
    assert reply["sources"] == []


def test_danger_with_immigration_fear_keeps_report_without_fear(ask):
    reply = ask("my husband is choking me but i cant call the police, im undocumented")
    assert reply["intent"] == "emergency"
    assert reply["reply"].startswith("Call 911 now.")
    assert [s["id"] for s in reply["sources"]] == ["magnus_oped_report_without_fear"]
    assert "2017" in reply["reply"]


def test_the_same_in_spanish(ask):
    reply = ask("mi esposo me esta pegando pero no tengo papeles, me da miedo llamar", lang="es")
    assert reply["intent"] == "emergency" and reply["language"] == "es"
    assert reply["reply"].startswith("Llame al 911 ahora.")
    assert [s["id"] for s in reply["sources"]] == ["magnus_oped_report_without_fear"]


@pytest.mark.parametrize("message", [
    "when is the fire drill at my kids school",
    "how do i pay my gas bill",
    "where can i buy ice",
    "is the non emergency number open on sundays",
])  # fmt: skip
def test_near_misses_are_not_emergencies(ask, message):
    assert ask(message)["intent"] != "emergency"


def test_every_entry_of_the_danger_lexicon_is_found_in_itself():
    data = yaml.safe_load((ROOT / "intents" / "_danger.yaml").read_text(encoding="utf-8"))
    lexicon = DangerLexicon(data)
    blocks = [*data["kinds"].values(), *data["always"].values(), data["any"],
              data["against_me"]]
    for block in blocks:
        for lang in ("en", "es"):
            for entry in block[lang]:
                text = entry.replace("*", "ando")
                assert lexicon.find(tokens(text)).named, entry


def test_a_word_is_never_found_inside_another():
    lexicon = DangerLexicon(yaml.safe_load(
        (ROOT / "intents" / "_danger.yaml").read_text(encoding="utf-8")))
    assert not lexicon.find(tokens("precio de la gasolina")).named
    assert not lexicon.find(tokens("I can't find my keys")).named


@pytest.mark.parametrize(("message", "expected"), [
    # "bañarme" is not a typo of "matarme", "reten" (a checkpoint) not of "rehen"
    ("donde hay lugar pa bañarme y lavar ropa", "community_resources"),
    ("me pueden preguntar mi nacionalidad en un reten?", "status_check"),
    ("como te llamas", "out_of_scope"),
])  # fmt: skip
def test_words_that_only_look_like_danger_do_not_raise_an_alarm(ask, message, expected):
    assert ask(message, lang="es")["intent"] == expected


@pytest.mark.parametrize(("message", "kind"), [
    ("a rattlesnake just bit my son on the trail", "medical"),
    ("me acaba de morder un perro y sangra mucho", "medical"),
    ("my daughter got burned with hot oil, her arm is blistering", "medical"),
])  # fmt: skip
def test_bites_and_burns_are_emergencies(ask, message, kind):
    assert_kind_reply(ask(message), kind)


@pytest.mark.parametrize("message", [
    "theres a rattlesnake in my yard, nobody got bit, who removes it",
    "la policia de nogales sonora pide mordida?",  # a bribe, not a bite
])  # fmt: skip
def test_a_bite_that_is_not_one_is_no_emergency(ask, message):
    assert ask(message)["intent"] != "emergency"


@pytest.mark.parametrize(("message", "kind"), [
    # someone else's threat is violence (a domestic-violence line), not the 988 reply
    ("me pegó anoche y dice que va a regresar a matarme", "violence"),
    ("mi esposo dice que va a matarme", "violence"),
    ("voy a matarme esta noche", "self_harm"),
    ("me quiero ir de este mundo", "self_harm"),
])  # fmt: skip
def test_who_is_to_be_killed_picks_the_reply(ask, message, kind):
    assert_kind_reply(ask(message, lang="es"), kind)


@pytest.mark.parametrize(("message", "lang", "kind"), [
    # A missing child is an emergency whatever else the message asks: cross-validation
    # found the classifier sure such a message was about reporting a crime.
    ("my kid is missing, he was at the park an hour ago, will they ask my papers if i call",
     "en", "violence"),
    ("no encuentro a mi hija desde la mañana, si llamo a la policia me deportan?", "es",
     "violence"),
    # Signs the danger words lacked, found the same way. A car running in a closed
    # garage is carbon monoxide: Poison Control's reply, 911 first; someone sitting
    # in it, the crisis line's.
    ("im sitting in the garage with the engine running", "en", "self_harm"),
    ("estoy encerrado en el carro con el motor prendido", "es", "self_harm"),
    ("dejamos el motor prendido en la cochera y todos tenemos dolor de cabeza", "es",
     "poisoning"),
    ("no le encuentro razón para vivir", "es", "self_harm"),
    ("mi abuela se desvaneció y no contesta", "es", "medical"),
    ("the baby has foam coming out of his mouth", "en", "medical"),
    # Found by the session's review: self-harm told about someone else, or as over.
    ("my brother said he wants to die yesterday, will police ask about his status if i call",
     "en", "self_harm"),
    ("she texted me last night that she has the rope and no reason to go on", "en",
     "self_harm"),
])  # fmt: skip
def test_what_cross_validation_found_the_danger_words_lacked(ask, message, lang, kind):
    assert_kind_reply(ask(message, lang=lang), kind)


def test_a_danger_that_is_over_with_a_question_is_answered_when_the_words_allow(ask):
    """Danger told as over, with a question for a topic, gets the topic when no word of
    it is danger in itself; "stabbed" or "balacera" still give 911 first (their reply
    adds the report-without-fear statement when papers are named)."""
    assert ask("a guy threatened me with a knife at work last month and i quit, "
               "can i still report him without them asking my status")["intent"] == (
        "report_crime")  # fmt: skip
    assert ask("i saw my neighbor get stabbed last year and the detective wants me as a "
               "witness")["intent"] == "emergency"  # fmt: skip


@pytest.mark.parametrize(("message", "lang"), [
    # Hurt by someone, and afraid to call because of papers: 911 first whatever the
    # classifier reads, with the chief's "report without fear" (the review found
    # these answered as questions about reporting once stories that are over were
    # in the training data).
    ("my husband beat me last night and he is on his way back, can i call police "
     "without papers?", "en"),
    ("my kids dad hit me an hour ago and he is still in the house, do the cops tell ice?",
     "en"),
    ("mi novio me pego ayer y ya viene para aca, si llamo a la policia me piden papeles?",
     "es"),
    ("mi esposo me golpeó y sigue en la casa, tengo miedo de llamar por la migra", "es"),
    ("my husband hurt me last night and he is still in the house, can i call police "
     "without papers", "en"),
    ("mi viejo me dio una golpiza en la mañana y sigue en la casa, la policia le habla a "
     "la migra?", "es"),
])  # fmt: skip
def test_hurt_and_afraid_of_immigration_gets_911_and_report_without_fear(ask, message, lang):
    reply = ask(message, lang=lang)
    assert_kind_reply(reply, "violence")
    assert [s["id"] for s in reply["sources"]] == ["magnus_oped_report_without_fear"]


@pytest.mark.parametrize(("message", "expected"), [
    # Words of danger that are not danger here (found by the session's review).
    ("my lawyer wont be here tomorrow, who else can help me with my case", "legal_help"),
    ("he was foaming at the mouth yelling at me to go back to mexico, is that a hate crime",
     "hate_crime"),
    ("my landlord threatened me that he will call ICE if i complain", None),
    ("mis hijos son mi unica razon para vivir, la policia me puede separar de ellos?", None),
    ("hit me up if you know a good immigration lawyer", None),
    ("mi sueño se desvaneció cuando me negaron el asilo", None),
    ("my son wants to die of embarrassment lol because cops stopped him", None),
])  # fmt: skip
def test_idioms_and_threats_to_call_ice_are_not_emergencies(ask, message, expected):
    got = ask(message)["intent"]
    assert got != "emergency"
    assert expected is None or got == expected


def test_accidental_carbon_monoxide_gets_poison_control_not_the_crisis_line(ask):
    assert_kind_reply(ask("my dad left the car running in the garage and now we all have "
                          "headaches and feel dizzy"), "poisoning")  # fmt: skip


def test_a_break_in_told_as_past_with_the_man_back_at_the_door_is_an_emergency(ask):
    # found by the session's second review: out of scope before "broke into" was a
    # danger word
    assert_kind_reply(ask("yesterday my ex broke into my apartment, today i see him at the "
                          "door again, what do i do"), "violence")  # fmt: skip


@pytest.mark.xfail(strict=True, reason="known gap: self-harm told as 'I cut myself' in "
                   "Spanish; 'me corté' alone is also a kitchen accident (docs/figures.md)")
def test_self_harm_told_as_cutting_again_is_an_emergency(ask):
    assert ask("ayer me corté y hoy otra vez quiero hacerlo", lang="es")["intent"] == (
        "emergency")  # fmt: skip

