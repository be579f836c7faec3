"""SMS cost and paging: segment counts as carriers bill them, pages that never cut a
word or a phone number, and every reply the bot can send measured in both languages."""

import re
import shutil

import phonenumbers
import pytest
import yaml
from conftest import scaled
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import services
from bot.channels.sms import compose, replies
from bot.channels.sms.pages import Block, cut_points, paginate
from bot.engine import sms_budget as budget
from bot.engine import sms_segments as segments
from bot.engine.knowledge import KnowledgeError, load
from bot.engine.sessions import State
from bot.engine.sms_segments import GSM7, GSM7_BASIC, GSM7_EXTENSION, UCS2
from bot.platform.config import ROOT

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


@settings(max_examples=scaled(150), deadline=None)
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


def test_a_block_that_does_not_fit_whole_is_sent_in_its_first_shorter_form_that_fits():
    answer = Block("a" * 100, prose=True)
    listing = Block("Name (a long detail): (520) 868-0191 " + "x" * 40,
                    shorter=("Name: (520) 868-0191", "(520) 868-0191"))  # fmt: skip
    pages = paginate([answer, listing, Block("tail " * 30)], 1, MORE)
    assert pages[0] == "a" * 100 + "\n\nName: (520) 868-0191\n\n" + MORE


def test_a_preview_ends_the_page_and_the_whole_block_heads_the_next():
    whole = "Biblioteca Pública del Condado de Pima: (520) 791-4010 (sin verificar)"
    block = Block(whole, preview="(520) 791-4010 (sin verificar)")
    pages = paginate([Block("á" * 140, prose=True), block, Block("Y más.")], 3, MORE)
    assert pages[0] == "á" * 140 + "\n\n(520) 791-4010 (sin verificar)\n\n" + MORE
    assert pages[1] == whole + "\n\nY más."


def test_the_attribution_shortens_to_leave_the_number_its_place_but_never_leaves_the_page():
    attribution = Block("- " + "Chris Magnus, Police Chief, op-ed, 2017 " * 2,
                        shorter=("- Chris Magnus, 2017",), makes_room=True)  # fmt: skip
    number = Block("Tucson Police: (520) 791-4444 (unverified)",
                   preview="(520) 791-4444 (unverified)")  # fmt: skip
    # UCS-2, 201 characters: the answer (130) and the whole number line fit with the
    # prompt, but not with the whole attribution too: it shortens, and stays first.
    pages = paginate([Block("á" * 130, prose=True), attribution, number], 3, "Responda MAS.")
    assert pages == ["\n\n".join(["á" * 130, "- Chris Magnus, 2017", number.text])]
    # With room for both (GSM-7), the attribution is sent whole.
    roomy = paginate([Block("a" * 130, prose=True), attribution, number], 3, "Responda MAS.")
    assert roomy == ["\n\n".join(["a" * 130, attribution.text, number.text])]
    # Short of room even for the number's line, the number alone stays on the first page,
    # after the short attribution; its whole line follows.
    tight = paginate([Block("á" * 136, prose=True), attribution, number], 3, "MAS")
    assert tight[0] == "\n\n".join(["á" * 136, "- Chris Magnus, 2017", number.preview, "MAS"])
    assert tight[1] == number.text


def test_a_preview_waits_for_the_other_numbers_before_its_whole_line():
    first = Block("A long name of a first service (detail): (520) 111-1111", shorter=(),
                  preview="(520) 111-1111", makes_room=True)  # fmt: skip
    second = Block("Second: (520) 222-2222", "\n", preview="Second: (520) 222-2222",
                   makes_room=True)  # fmt: skip
    pages = paginate([Block("á" * 150, prose=True), first, second, Block("- who, 2016")], 3,
                     "MAS")  # fmt: skip
    sent = _content(pages, "MAS")
    # Both numbers on the first text; the first one's whole line only after them.
    assert sent[0].endswith("(520) 111-1111\nSecond: (520) 222-2222")
    assert sent[1].startswith(first.text)


_forms = st.lists(_words, min_size=1, max_size=8).map(" ".join)


@settings(max_examples=scaled(150), deadline=None)
@given(
    st.lists(
        st.tuples(_forms, st.lists(_forms, max_size=2), st.booleans(), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    st.integers(min_value=1, max_value=4),
)
def test_shorter_forms_previews_and_making_room_never_exceed_the_budget_or_lose_a_block(
    specs, max_segments
):
    blocks = [
        Block(text, shorter=tuple(shorter), makes_room=room,
              preview=text.split()[0] if preview else "")  # fmt: skip
        for text, shorter, room, preview in specs
    ]
    pages = paginate(blocks, max_segments, MORE)
    for page in pages:
        assert segments.count(page) <= max_segments
    sent = set("\n\n".join(_content(pages)).split())
    # Every block arrives in one of its forms (a preview is followed by the whole block).
    for block in blocks:
        assert any(set(form.split()) <= sent for form in (block.text, *block.shorter)), block


# -- every reply the bot can send ----------------------------------------------


def _every_reply(lang: str):
    """The engine's reply to every intent, picked as a resident would pick a menu
    number, so nothing here depends on how the matcher is tuned."""
    engine = services.engine()
    for intent_id in engine.knowledge.intents:
        reply, _ = engine.respond("1", State(lang=lang, menu=[intent_id]), services.listings)
        assert reply.intent == intent_id and reply.language == lang
        yield reply


def _pages(app, reply):
    with force_locale(reply.language):
        more = replies.more_prompt()
        knowledge = services.engine().knowledge
        service = services.engine().service
        pages = compose.pages(reply, knowledge, app.config["SMS_MAX_SEGMENTS"], more, service)
    return pages, more


def _numbers(phone: str) -> list[str]:
    """The dialable numbers in a listing's phone field, as written."""
    return [m.raw_string for m in phonenumbers.PhoneNumberMatcher(phone, "US")]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_intent_answer_fits_the_budget_in_both_languages(app, lang):
    max_segments = app.config["SMS_MAX_SEGMENTS"]
    with app.test_request_context():
        knowledge = services.engine().knowledge
        replies_seen = 0
        for reply in _every_reply(lang):
            replies_seen += 1
            pages, more = _pages(app, reply)
            for page in pages:
                assert 1 <= segments.count(page) <= max_segments, (reply.intent, page)
            body = _content(pages, more)
            if reply.menu:  # the SMS menu: test_the_greeting_and_the_menu_cost_two_segments
                continue
            answer = compose.answer_text(reply, knowledge)
            # The (short) answer comes first, whole, and before any number.
            assert pages[0].startswith(answer.split()[0])
            joined = "\n\n".join(body)
            end_of_answer = joined.index(answer.split()[-1])
            if reply.attributions:  # in full, or as "- speaker, year", on the first text
                first = reply.sources[0]
                assert (
                    "- " + reply.attributions[0] in body[0]
                    or budget.short_attribution(first["speaker"], first["date"]) in body[0]
                ), reply.intent
            for resource in reply.resources:
                if resource["phone"]:  # every number arrives, after the answer
                    if reply.intent == "emergency":
                        continue  # one text: what does not fit is the web chat's
                    # after the answer (which may name a number too: "Call 911 now")
                    assert resource["phone"] in joined[end_of_answer:], (reply.intent,
                                                                         resource["phone"])
            # Nothing is rewritten: the answer's words all arrive unchanged.
            assert answer.split() == " ".join(body).split()[: len(answer.split())]
        assert replies_seen == len(services.engine().knowledge.intents)


def _whole_lines(reply, knowledge) -> set[str]:
    """Every line the first page may hold, each whole: the answer, the attribution
    in either form, and each listing in any of its forms."""
    lines = {compose.answer_text(reply, knowledge), replies.write_menu()}
    if reply.attributions:
        first = reply.sources[0]
        lines |= {"- " + a for a in reply.attributions}
        lines.add(budget.short_attribution(first["speaker"], first["date"]))
    for n, resource in enumerate(r for r in reply.resources if r["phone"]):
        lines.update(compose.listing_block(resource, "\n", first=n == 0).forms)
    for resource in reply.resources:
        if not resource["phone"]:
            lines.add(compose._listing(resource))
    return lines


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_first_text_of_every_answer_with_listings_carries_a_phone_number(app, lang):
    """Issue 3: a resident in trouble gets a number on the first text, in both languages,
    within the budget, with no word or number cut."""
    max_segments = app.config["SMS_MAX_SEGMENTS"]
    with app.test_request_context():
        knowledge = services.engine().knowledge
        checked = []
        for reply in _every_reply(lang):
            numbers = [n for r in reply.resources if r["phone"] for n in _numbers(r["phone"])]
            if not numbers:
                continue
            pages, more = _pages(app, reply)
            first = _content(pages, more)[0]
            assert segments.count(pages[0]) <= max_segments, (reply.intent, pages[0])
            assert any(n in first for n in numbers), (reply.intent, lang, pages[0])
            with force_locale(lang):
                allowed = _whole_lines(reply, knowledge)
            for line in first.split("\n"):
                assert not line or line in allowed, (reply.intent, lang, line)
            checked.append(reply.intent)
    # The intents people text in trouble are among them, whatever the directory holds.
    assert {"report_crime", "hate_crime", "legal_help", "human", "racial_profiling"} <= set(checked)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_emergency_is_one_text_that_starts_with_911(app, lang):
    with app.test_request_context():
        engine = services.engine()
        fear = {"en": "my husband is hitting me and i have no papers",
                "es": "mi esposo me esta pegando y no tengo papeles"}[lang]
        reply, _ = engine.respond(fear, State(lang=lang), services.listings)
        pages, _more = _pages(app, reply)
    assert len(pages) == 1, pages  # nothing waits behind MORE
    first_sentence = pages[0].split(".")[0]
    assert "911" in first_sentence and first_sentence.index("911") < 15, pages[0]
    source = reply.sources[0]  # who said it, in full or as "- speaker, year"
    assert ("- " + reply.attributions[0] in pages[0]
            or budget.short_attribution(source["speaker"], source["date"]) in pages[0])


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


# -- the short `sms` answers in intents/ ----------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_budget_counts_the_prompt_and_mark_that_replies_send(app, lang):
    with app.test_request_context(), force_locale(lang):
        sent = (replies.more_prompt(), replies.unverified())
    assert budget.fixed_strings(app.config["BABEL_TRANSLATION_DIRECTORIES"], lang) == sent


@pytest.fixture
def data(tmp_path):
    intents, resources = tmp_path / "intents", tmp_path / "resources"
    shutil.copytree(ROOT / "intents", intents)
    shutil.copytree(ROOT / "resources", resources)
    return intents, resources


def _set(path, change):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _problems(intents, resources, **kw) -> list[str]:
    with pytest.raises(KnowledgeError) as exc:
        load(intents, resources, **kw)
    return exc.value.problems


def test_every_shipped_sms_answer_fits_and_has_both_languages():
    knowledge = load(ROOT / "intents", ROOT / "resources")
    with_sms = [i for i in knowledge.intents.values() if i.text("en", "sms")]
    assert all(i.text("es", "sms") for i in with_sms)
    # emergency's replies, one per kind of danger, are short enough as they are
    assert {"report_crime", "legal_help", "hate_crime", "human"} <= {
        i.id for i in with_sms
    }


def test_a_too_long_sms_answer_is_named_with_its_file_intent_language_and_limit(data):
    intents, resources = data
    path = intents / "report_crime.yaml"
    long = "En 2017, según las reglas de TPD, las víctimas y testigos no serán el foco " * 3
    _set(path, lambda d: d["es"].update(sms=long))
    (problem,) = _problems(intents, resources)
    assert problem.startswith(f"{path}: es.sms: report_crime (es): {len(long.strip())} characters")
    assert "SMS_MAX_SEGMENTS=3" in problem and "UCS-2" in problem
    assert "the claim and who said it would land on different texts" in problem
    limit = int(re.search(r"at most (\d+) characters", problem).group(1))
    # The limit is exact: the segment maths, not a rounded guess.
    _set(path, lambda d: d["es"].update(sms="2017 " + "á" * (limit - 5)))
    load(intents, resources)
    _set(path, lambda d: d["es"].update(sms="2017 " + "á" * (limit - 4)))
    assert _problems(intents, resources)[0].startswith(f"{path}: es.sms:")
    # More segments per reply leave more room.
    load(intents, resources, sms_max_segments=4)


def test_an_sms_answer_in_one_language_only_is_refused(data):
    intents, resources = data
    path = intents / "legal_help.yaml"
    _set(path, lambda d: d["en"].pop("sms"))
    (problem,) = _problems(intents, resources)
    assert problem.startswith(f"{path}: en.sms: missing: legal_help has an sms answer in es")


def test_an_sms_answer_on_a_conversation_intent_is_refused(data):
    intents, resources = data
    path = intents / "thanks.yaml"
    _set(path, lambda d: (d["en"].update(sms="You're welcome."), d["es"].update(sms="De nada.")))
    (problem,) = _problems(intents, resources)
    assert problem == f"{path}: sms: conversation replies come from the catalogs; remove it"


def test_an_empty_or_non_text_sms_answer_is_a_schema_error(data):
    intents, resources = data
    path = intents / "citizenship.yaml"
    _set(path, lambda d: d["es"].update(sms=""))
    assert any(p.startswith(f"{path}: es.sms:") for p in _problems(intents, resources))
    _set(path, lambda d: d["es"].update(sms=["a", "list"]))
    assert any(p.startswith(f"{path}: es.sms:") for p in _problems(intents, resources))
