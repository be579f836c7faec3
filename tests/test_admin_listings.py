"""The directory pages: list, search, create, edit, verify, retire, and the audit log."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from staff_pages import (  # noqa: F401 (fixtures)
    EMAIL,
    account,
    csrf_from,
    db,
    post_form,
    set_language,
    staff_client,
)

from bot.directory import listing_edits

TPD = 22  # seeded: "Tucson Police Department - emergency and non-emergency"


def form_of(db, listing_id, **changes):  # noqa: F811
    row = listing_edits.get(db, listing_id)
    data = {k: row[k] or "" for k in ("name", "name_es", "organization", "description",
            "description_es", "status", "phone", "phone_es", "website", "email", "address",
            "hours", "languages", "languages_es", "eligibility", "cost", "source",
            "source_date")}  # fmt: skip
    if row["serves_undocumented"]:  # a checkbox: sent only when ticked
        data["serves_undocumented"] = "1"
    data["categories"] = row["categories"].split()
    data["featured_for"] = row["featured_for"].split()
    data.update(changes)
    return data


def edit(client, db, listing_id, **changes):  # noqa: F811
    url = f"/admin/listings/{listing_id}"
    page = client.get(url).get_data(as_text=True)
    base = re.search(r'name="base" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "base": base, **form_of(db, listing_id, **changes)}
    return client.post(url, data=data)


def audit_rows(db):  # noqa: F811
    return list(db.query("select * from audit_log order by id"))


def test_list_flags_unverified_and_stale(staff_client, db):  # noqa: F811
    long_ago = (datetime.now(UTC) - timedelta(days=200)).isoformat(timespec="seconds")
    db["listings"].update(TPD, {"verified": 1, "last_verified_at": long_ago})
    page = staff_client.get("/admin/listings?staleness=stale").get_data(as_text=True)
    assert "Tucson Police Department - emergency" in page and "Stale" in page
    assert "Listings found: 1" in page
    page = staff_client.get("/admin/listings?staleness=unverified&category=food").get_data(
        as_text=True
    )
    assert "Community Food Bank" in page and "Unverified" in page


def test_search_page_is_accent_insensitive(staff_client):  # noqa: F811
    page = staff_client.get("/admin/listings?q=clinica").get_data(as_text=True)
    assert "Clínica Amistad" in page


def test_fix_a_phone_number(staff_client, db):  # noqa: F811
    resp = edit(staff_client, db, TPD, phone="911; non-emergency (520) 791-5555",
                phone_es="911; no emergencias (520) 791-5555")  # fmt: skip
    assert resp.status_code == 303
    assert listing_edits.get(db, TPD)["phone"] == "911; non-emergency (520) 791-5555"
    [entry] = audit_rows(db)
    assert entry["actor"] == EMAIL and entry["listing_id"] == TPD and entry["action"] == "update"
    assert json.loads(entry["before"]) == {"phone": "911; non-emergency (520) 791-4444",
                                           "phone_es": "911; no emergencias (520) 791-4444"}
    assert json.loads(entry["after"]) == {"phone": "911; non-emergency (520) 791-5555",
                                          "phone_es": "911; no emergencias (520) 791-5555"}
    audit_page = staff_client.get("/admin/audit").get_data(as_text=True)
    assert "(520) 791-5555" in audit_page and "(520) 791-4444" in audit_page


def test_bad_input_keeps_what_was_typed_and_writes_nothing(staff_client, db):  # noqa: F811
    before = listing_edits.get(db, TPD)
    resp = edit(staff_client, db, TPD, phone="(520) 79", website="ftp://tpd.example.org",
                categories=["police", "pizza"])  # fmt: skip
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert 'value="(520) 79"' in text and 'value="ftp://tpd.example.org"' in text
    assert re.search(r'id="e-phone">[^<]*not a phone number', text)
    assert re.search(r'id="e-website">[^<]*https://', text)
    assert 'aria-describedby="e-phone"' in text
    assert listing_edits.get(db, TPD) == before and audit_rows(db) == []


def test_validation_errors_in_spanish(staff_client, db):  # noqa: F811
    set_language(staff_client, "es")
    resp = edit(staff_client, db, TPD, phone="(520) 79", description_es="")
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'lang="es"' in text
    assert re.search(r'id="e-phone">[^<]*número', text)
    assert re.search(r'id="e-description_es">[^<]*español', text)
    assert "Teléfono" in text


def test_create_verify_retire(staff_client, db):  # noqa: F811
    data = {"name": "Tucson Legal Clinic", "description": "Free legal clinic.",
            "description_es": "Clínica legal gratis.", "categories": ["legal"],
            "status": "active", "phone": "(520) 555-0142",
            "website": "https://clinic.example.org"}  # fmt: skip
    resp = post_form(staff_client, "/admin/listings/new", "/admin/listings/new", data)
    assert resp.status_code == 303
    listing_id = int(resp.location.rsplit("/", 1)[1])
    row = listing_edits.get(db, listing_id)
    assert row["name"] == "Tucson Legal Clinic" and row["verified"] == 0
    url = f"/admin/listings/{listing_id}"
    assert post_form(staff_client, url, url + "/verify", {}).status_code == 303
    row = listing_edits.get(db, listing_id)
    assert row["verified"] == 1 and row["verified_by"] == EMAIL and row["last_verified_at"]
    assert post_form(staff_client, url, url + "/retire", {}).status_code == 303
    assert listing_edits.get(db, listing_id)["status"] == "inactive"
    assert [r["action"] for r in audit_rows(db)] == ["create", "verify", "retire"]
    page = staff_client.get(f"/admin/audit?listing={listing_id}").get_data(as_text=True)
    assert "Retired" in page and "Marked verified" in page and "Added" in page


def test_changing_contact_facts_needs_a_new_check(staff_client, db):  # noqa: F811
    listing_edits.verify(db, TPD, listing_edits.Actor("cli:x"))
    edit(staff_client, db, TPD, hours="24/7")
    assert listing_edits.get(db, TPD)["verified"] == 0
    edit(staff_client, db, TPD, hours="24 hours", confirmed="1")
    row = listing_edits.get(db, TPD)
    assert row["verified"] == 1 and row["verified_by"] == EMAIL
    edit(staff_client, db, TPD, description="The police: 911 in an emergency.")
    assert listing_edits.get(db, TPD)["verified"] == 1  # wording is not a contact fact


def test_edit_after_someone_elses_save_is_not_lost(staff_client, db):  # noqa: F811
    url = f"/admin/listings/{TPD}"
    page = staff_client.get(url).get_data(as_text=True)
    base = re.search(r'name="base" value="([^"]+)"', page).group(1)
    listing_edits.update(db, TPD, {**listing_edits.get(db, TPD), "hours": "24/7"},
                         listing_edits.Actor("cli:other"))  # fmt: skip
    data = {"csrf_token": csrf_from(page), "base": base,
            **form_of(db, TPD, hours="", phone="911; (520) 791-1111",
                      phone_es="911; no emergencias (520) 791-1111")}  # fmt: skip
    resp = staff_client.post(url, data=data)
    assert resp.status_code == 409
    assert 'value="911; (520) 791-1111"' in resp.get_data(as_text=True)
    assert listing_edits.get(db, TPD)["hours"] == "24/7"


def test_unknown_listing_is_404(staff_client):  # noqa: F811
    assert staff_client.get("/admin/listings/99999").status_code == 404


def test_no_route_changes_the_audit_log(app, staff_client, db):  # noqa: F811
    edit(staff_client, db, TPD, hours="24/7")
    for rule in app.url_map.iter_rules():
        assert "audit" not in rule.rule or rule.methods <= {"GET", "HEAD", "OPTIONS"}
    with pytest.raises(Exception, match="append-only"):
        db.execute("update audit_log set actor = 'someone else'")
    with pytest.raises(Exception, match="append-only"):
        db.execute("delete from audit_log")
    assert audit_rows(db)[0]["actor"] == EMAIL


def test_pages_in_spanish(staff_client):  # noqa: F811
    set_language(staff_client, "es")
    for url, words in [("/admin/listings", "Buscar"), ("/admin/listings/new", "Agregar"),
                       ("/admin/import", "Importar"), ("/admin/audit", "Registro")]:  # fmt: skip
        text = staff_client.get(url).get_data(as_text=True)
        assert words in text, url
        assert "Sign out" not in text and "Cerrar sesión" in text
