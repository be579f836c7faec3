"""SMS cost and paging: segment counts as carriers bill them, pages that never cut a
word or a phone number, and every reply the bot can send measured in both languages."""

import re

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import services
from bot.sessions import State
from bot.sms import compose, replies, segments
from bot.sms.pages import Block, cut_points, paginate
from bot.sms.segments import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2

MORE = "Reply MORE for the rest."
PHONE = re.compile(r"\(\d{3}\) \d{3}-\d{4}|1-\d{3}-\d{3}-\d{4}|\d{3} \d{3} \d{4}")


# -- counting ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
        ("á" * 201, 3),
        ("á" * 202, 4),
    ],
)
def test_segment_limits(text, expected):
    assert segments.count(text) == expected


def test_one_character_outside_gsm7_makes_the_whole_message_ucs2():
    english = "a" * 159
    assert segments.encoding(english) == GSM7 and segments.count(english) == 1
    for accent in "áíóúÁÍÓÚç“”’—•😀":
        text = english + accent
        assert segments.encoding(text) == UCS2, accent
        assert segments.count(text) == 3  # 160 UCS-2 units: 67 + 67 + 26


def test_spanish_letters_that_are_in_gsm7_stay_gsm7():
    assert segments.encoding("¿Qué? ¡Señor! café niño Müller Ç É à è ì ò ù") == GSM7


def test_the_alphabets_are_the_3gpp_ones():
    assert len(GSM7_BASIC) == 127  # 128 codes less the escape
    assert "\x1b" not in GSM7_BASIC
    assert set("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


def test_extension_characters_cost_two_septets():
    assert segments.count("€" * 80) == 1  # 160 septets
    assert segments.count("€" * 81) == 2
    assert segments.count("a" * 159 + "[") == 2


def test_an_escape_pair_is_never_split_between_parts():
    # 306 septets would be exactly two parts, but the € at septets 153-154 cannot
    # straddle the boundary: it starts part two and pushes the last "a" to part three.
    text = "a" * 152 + "€" + "a" * 152
    assert sum(2 if c == "€" else 1 for c in text) == 306
    assert segments.count(text) == 3


def test_a_surrogate_pair_is_never_split_between_parts():
    assert segments.count("😀" * 35) == 1  # 70 UTF-16 units
    assert segments.count("😀" * 36) == 2
    text = "á" * 66 + "😀" + "á" * 66  # 134 units, but the emoji cannot straddle 67
    assert segments.count(text) == 3


# -- paging --------------------------------------------------------------------


def _content(pages: list[str], more: str = MORE) -> list[str]:
    """The pages without their MORE prompts."""
    out = []
    for n, page in enumerate(pages):
        if n < len(pages) - 1:
            assert page.endswith("\n\n" + more), page
            page = page[: -len(more) - 2]
        out.append(page)
    return out


def test_a_reply_that_fits_is_one_page_without_a_prompt():
    assert paginate([Block("Hello."), Block("Call 911.")], 3, MORE) == ["Hello.\n\nCall 911."]


def test_prose_is_cut_at_a_sentence_end_when_one_is_near():
    first = "This is a sentence of a long answer. "
    text = first * 3 + "The last sentence has many words in it " * 6
    pages = paginate([Block(text, prose=True)], 1, MORE)
    assert pages[0] == (first * 3).strip() + "\n\n" + MORE
    assert all(segments.count(p) == 1 for p in pages)


def test_phone_numbers_are_never_cut():
    text = "Call " + " or ".join(["(520) 868-0191", "1-800-248-6789", "520 555 1234"] * 12)
    cuts = {i for i, _, _ in cut_points(text)}
    for m in re.finditer(r"\(520\) 868-0191|520 555 1234", text):
        assert not any(m.start() < i < m.end() for i in cuts)
    pages = _content(paginate([Block(text, prose=True)], 1, MORE))
    assert len(pages) > 3
    assert sum(len(PHONE.findall(p)) for p in pages) == 36


def test_an_atomic_block_moves_whole_to_the_next_page():
    listing = "Southern Arizona Legal Aid (SALA): (520) 623-9461; 1-800-248-6789"
    pages = paginate([Block("x" * 120, prose=True), Block(listing)], 1, MORE)
    assert pages == ["x" * 120 + "\n\n" + MORE, listing]


_words = st.text(alphabet=st.sampled_from("abcdefgh áéíñ€[😀.,"), min_size=1, max_size=12).filter(
    lambda w: w.strip() == w and w
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(_words, min_size=1, max_size=60), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=4),
    st.sampled_from([MORE, "Responda MAS para ver el resto."]),
)
def test_paging_never_exceeds_the_budget_and_never_loses_or_rewrites_a_word(
    paragraphs, max_segments, more
):
    blocks = [Block(" ".join(words), prose=n == 0) for n, words in enumerate(paragraphs)]
    pages = paginate(blocks, max_segments, more)
    for page in pages:
        assert segments.count(page) <= max_segments
    # Every word arrives whole and in order: no cut inside a word, no substitution.
    sent = " ".join(_content(pages, more)).split()
    assert sent == [w for words in paragraphs for w in " ".join(words).split()]


# -- every reply the bot can send ----------------------------------------------


def _every_reply(lang: str):
    """The engine's reply to every intent, picked as a resident would pick a menu
    number, so nothing here depends on how the matcher is tuned."""
    engine = services.engine()
    for intent_id in engine.knowledge.intents:
        reply, _ = engine.respond("1", State(lang=lang, menu=[intent_id]), services.listings)
        assert reply.intent == intent_id and reply.language == lang
        yield reply


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_intent_answer_fits_the_budget_in_both_languages(app, lang):
    max_segments = app.config["SMS_MAX_SEGMENTS"]
    with app.test_request_context():
        knowledge = services.engine().knowledge
        replies_seen = 0
        for reply in _every_reply(lang):
            replies_seen += 1
            with force_locale(lang):
                more = replies.more_prompt()
                pages = paginate(compose.blocks(reply, knowledge), max_segments, more)
            for page in pages:
                assert 1 <= segments.count(page) <= max_segments, (reply.intent, page)
            body = _content(pages, more)
            # The answer comes first, then one attribution, then numbers to call.
            assert pages[0].startswith(reply.answer.split()[0])
            joined = "\n\n".join(body)
            order = [joined.index(reply.answer.split()[-1])]
            if reply.attributions:
                order.append(joined.index("- " + reply.attributions[0]))
            for resource in reply.resources:
                if resource["phone"]:
                    assert resource["phone"] in joined, (reply.intent, resource["phone"])
                    order.append(joined.index(resource["phone"]))
            assert order == sorted(order), reply.intent
            # Nothing is rewritten: the answer's words all arrive unchanged.
            assert reply.answer.split() == " ".join(body).split()[: len(reply.answer.split())]
        assert replies_seen == len(services.engine().knowledge.intents)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_fixed_reply_is_one_message_within_the_budget(app, lang):
    with app.test_request_context():
        service = services.engine().service
        name, city = service["name"][lang], service["city"]
        with force_locale(lang):
            fixed = {
                "help": replies.help_text(name, city),
                "opted_out": replies.opted_out(name),
                "opted_in": replies.opted_in(name),
                "switched": replies.language_switched() + "\n" + replies.write_menu(),
                "forgotten": replies.forgotten(),
                "text_only": replies.text_only(),
                "empty": replies.empty_message(),
                "too_long": replies.too_long(app.config["MAX_MESSAGE_CHARS"]),
                "nothing_more": replies.nothing_more(),
            }
    for key, text in fixed.items():
        assert 1 <= segments.count(text) <= app.config["SMS_MAX_SEGMENTS"], (key, text)
        if lang == "en":  # English costs 160 a segment only while it stays GSM-7
            assert segments.encoding(text) == GSM7, (key, text)
    if lang == "es":
        assert segments.encoding(replies_more_es(app)) == GSM7


def replies_more_es(app) -> str:
    """The MORE prompt alone must not turn a GSM-7 page into UCS-2."""
    with app.test_request_context(), force_locale("es"):
        return replies.more_prompt()
