"""The field rules every listing write goes through (pages, CSV import, directory-check)."""

import csv

import pytest
from flask_babel import force_locale

from bot.directory.validation import clean_listing, email_problem, phone_problem, website_problem
from bot.platform.seed import SEED_FILE

GOOD = {"name": "Clínica", "description": "Free clinic", "description_es": "Clínica gratis",
        "categories": "health", "status": "active"}  # fmt: skip


@pytest.fixture
def ctx(app):
    with app.test_request_context("/admin/"):
        yield


@pytest.mark.parametrize("phone", [
    "(520) 791-4444", "520.791.4444", "+1 520 791 4444", "911; non-emergency (520) 791-4444",
    "2-1-1", "988", "TTY 711", "text START to 88788", "1-844-966-4283 (1-844-9-NO-HATE)",
    "(520) 724-5525 (advocates M-F 8am-5pm); Tucson City Court cases (520) 791-5483",
])  # fmt: skip
def test_phones_that_can_be_dialled(ctx, phone):
    assert phone_problem(phone) is None


@pytest.mark.parametrize("phone", [
    "(520) 55", "555-1234", "call us", "12345", "911;", "(520) 791-4444; 4444",
    "<script>", "520|791|4444",
])  # fmt: skip
def test_phones_that_cannot(ctx, phone):
    assert phone_problem(phone)


@pytest.mark.parametrize("url", ["https://example.org", "http://www.tucsonaz.gov/police?x=1"])
def test_good_web_addresses(ctx, url):
    assert website_problem(url) is None


@pytest.mark.parametrize("url", [
    "example.org", "ftp://example.org", "javascript:alert(1)", "https://", "https://localhost",
    "https://user:pw@example.org", "https://exa mple.org", "data:text/html,hi", "//example.org",
])  # fmt: skip
def test_bad_web_addresses(ctx, url):
    assert website_problem(url)


def test_emails(ctx):
    assert email_problem("help@example.org") is None
    assert email_problem("help@") and email_problem("no at sign") and email_problem("a@b")


def test_every_seed_listing_passes(ctx):
    with open(SEED_FILE, encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            data = {**rec, "description": rec["description_en"], "categories": rec["category"]}
            _clean, errors = clean_listing(data, None)
            assert errors == {}, (rec["name"], errors)


def test_errors_name_each_field(ctx):
    _clean, errors = clean_listing(
        {**GOOD, "phone": "12", "website": "x", "categories": "legal pizza", "status": "open",
         "email": "nope", "name": "", "featured_for": "report_crime nonsense"},
        known_intents=["report_crime"],
    )  # fmt: skip
    assert set(errors) == {"phone", "website", "categories", "status", "email", "name",
                           "featured_for"}  # fmt: skip
    assert "pizza" in errors["categories"] and "nonsense" in errors["featured_for"]


def test_clean_values_are_normalised(ctx):
    clean, errors = clean_listing(
        {**GOOD, "name": "  Cli\u0301nica \r\n", "categories": "health,food health"}
    )
    assert not errors
    assert clean["name"] == "Clínica"  # composed (NFC) and trimmed
    assert clean["categories"] == "health food"


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "@SUM(A1)", "-2+3", "+cmd"])
def test_spreadsheet_formulas_are_refused(ctx, value):
    _clean, errors = clean_listing({**GOOD, "description": value})
    assert "description" in errors


def test_messages_in_spanish(ctx):
    with force_locale("es"):
        _clean, errors = clean_listing({**GOOD, "phone": "12", "website": "ftp://x.org"})
    assert "número" in errors["phone"] and "https://" in errors["website"]
    assert "Write" not in errors["phone"]
