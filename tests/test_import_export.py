"""CSV export and import: the round trip, the preview, and all-or-nothing apply."""

import csv
import io

import pytest
from staff_pages import db  # noqa: F401 (fixture)

from bot.directory import import_export, listing_edits
from bot.directory.import_export import COLUMNS, Stale
from bot.directory.listing_edits import Actor
from bot.platform import audit

ACTOR = Actor("cli:test")


@pytest.fixture
def ctx(app):
    with app.test_request_context("/admin/import"):
        yield


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def to_csv(rows, columns=COLUMNS, bom=True) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def counts(db):  # noqa: F811
    return (db["listings"].count, db["audit_log"].count,
            db.execute("select count(*) from listings_fts").fetchone()[0])  # fmt: skip


def new_row(n: int, **extra) -> dict:
    return {"id": "", "name": f"Imported service {n}", "description": f"Service number {n}.",
            "description_es": f"Servicio número {n}.", "categories": "community",
            "status": "active", "phone": f"(520) 791-{n % 10000:04d}",
            "website": f"https://example.org/{n}", **extra}  # fmt: skip


def test_export_round_trips_unchanged(ctx, db):  # noqa: F811
    exported = import_export.export_csv(db)
    assert exported.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the accents
    plan = import_export.plan(db, exported)
    assert plan.ok and len(plan.of("unchanged")) == 39 and not plan.of("changed")
    before = counts(db)
    import_export.apply(db, exported, ACTOR, expected_digest=plan.digest())
    assert counts(db) == before
    assert import_export.export_csv(db) == exported
    # ... and without the BOM, as a spreadsheet may save it.
    assert import_export.plan(db, exported[3:]).of("unchanged")


def test_round_trip_after_edits_through_the_pages(ctx, db):  # noqa: F811
    current = listing_edits.get(db, 22)
    listing_edits.update(db, 22, {**current, "hours": "24/7", "description": "Línea “TPD”,\n2"},
                         ACTOR)  # fmt: skip
    exported = import_export.export_csv(db)
    assert not import_export.plan(db, exported).of("changed")


def test_preview_sorts_new_changed_unchanged(ctx, db):  # noqa: F811
    rows = rows_of(import_export.export_csv(db))
    rows[0]["phone"] = "(520) 868-0199"
    rows.append(new_row(1))
    plan = import_export.plan(db, to_csv(rows))
    assert plan.ok
    assert [r.listing_id for r in plan.of("changed")] == [1]
    assert plan.of("changed")[0].changes == {"phone": ("(520) 868-0191", "(520) 868-0199")}
    assert [r.name for r in plan.of("new")] == ["Imported service 1"]
    assert len(plan.of("unchanged")) == 38
    assert counts(db)[0] == 39  # a preview writes nothing


@pytest.mark.parametrize(("change", "expected"), [
    ({"phone": "(520) 12"}, "Phone"),
    ({"website": "www.example.org"}, "https://"),
    ({"categories": "legal pizza"}, "pizza"),
    ({"status": "closed"}, "closed"),
    ({"id": "9999"}, "9999"),
    ({"id": "abc"}, "abc"),
    ({"name": ""}, "Name"),
])  # fmt: skip
def test_each_bad_row_is_named_with_why(ctx, db, change, expected):  # noqa: F811
    rows = rows_of(import_export.export_csv(db))
    rows[4].update(change)
    plan = import_export.plan(db, to_csv(rows))
    assert not plan.ok
    [error] = plan.row_errors
    assert error.row == 6  # header is row 1: the fifth listing is on row 6
    assert any(expected in p for p in error.problems), error.problems


def test_wrong_encoding_is_refused(ctx, db):  # noqa: F811
    content = to_csv([new_row(1, name="Clínica Nueva")], bom=False).decode().encode("cp1252")
    plan = import_export.plan(db, content)
    assert plan.file_errors and "UTF-8" in plan.file_errors[0] and "line 2" in plan.file_errors[0]


def test_missing_and_unknown_columns(ctx, db):  # noqa: F811
    columns = [c for c in COLUMNS if c != "phone"] + ["phon"]
    plan = import_export.plan(db, to_csv([new_row(1)], columns=columns))
    text = " ".join(plan.file_errors)
    assert "Missing columns: phone" in text and "Unknown columns: phon" in text


def test_duplicate_ids_and_short_rows(ctx, db):  # noqa: F811
    rows = rows_of(import_export.export_csv(db))
    rows[3]["id"] = rows[2]["id"]
    content = to_csv(rows) + b"5,too,short\r\n"
    plan = import_export.plan(db, content)
    problems = {e.row: " ".join(e.problems) for e in plan.row_errors}
    assert "also on row 4" in problems[5]
    assert "cells" in problems[41]


def test_bad_row_in_the_middle_of_a_large_file_writes_nothing(ctx, db):  # noqa: F811
    rows = [new_row(n) for n in range(2000)]
    rows[1000]["phone"] = "(520) 791-44"  # one digit short
    content = to_csv(rows)
    before = counts(db)
    plan = import_export.plan(db, content)
    assert [e.row for e in plan.row_errors] == [1002]
    with pytest.raises(Stale):
        import_export.apply(db, content, ACTOR)
    assert counts(db) == before

    rows[1000]["phone"] = "(520) 791-4400"
    content = to_csv(rows)
    plan = import_export.plan(db, content)
    import_export.apply(db, content, ACTOR, expected_digest=plan.digest())
    assert counts(db) == (before[0] + 2000, before[1] + 2000, before[2] + 2000)
    assert db["audit_log"].count_where("action = 'import_create'") == 2000


def test_a_failure_while_applying_rolls_everything_back(ctx, db, monkeypatch):  # noqa: F811
    rows = rows_of(import_export.export_csv(db))
    for row in rows:
        row["hours"] = "Mon-Fri"
    rows += [new_row(n) for n in range(50)]
    content = to_csv(rows)
    before = counts(db)
    real, calls = audit.record, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 60:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):
        import_export.apply(db, content, ACTOR)
    assert counts(db) == before
    assert db.execute("select count(*) from listings where hours = 'Mon-Fri'").fetchone()[0] == 0


def test_apply_refuses_a_plan_that_changed_since_the_preview(ctx, db):  # noqa: F811
    rows = rows_of(import_export.export_csv(db))
    rows[0]["hours"] = "9-5"
    content = to_csv(rows)
    digest = import_export.plan(db, content).digest()
    current = listing_edits.get(db, 2)
    listing_edits.update(db, 2, {**current, "hours": "someone else's edit"}, ACTOR)
    before = counts(db)
    with pytest.raises(Stale) as caught:
        import_export.apply(db, content, ACTOR, expected_digest=digest)
    assert counts(db) == before
    assert {r.listing_id for r in caught.value.fresh.of("changed")} == {1, 2}


def test_cli_export_and_import(runner, db, tmp_path):  # noqa: F811
    path = tmp_path / "directory.csv"
    assert runner.invoke(args=["directory-export", "-o", str(path)]).exit_code == 0
    rows = rows_of(path.read_bytes())
    rows[21]["phone"] = "911; (520) 791-4445"
    rows[21]["phone_es"] = "911; no emergencias (520) 791-4445"
    rows[5]["website"] = "not a url"
    path.write_bytes(to_csv(rows))
    result = runner.invoke(args=["directory-import", str(path), "--yes"])
    assert result.exit_code == 1 and "Row 7" in result.output and "Nothing" in result.output
    assert listing_edits.get(db, 22)["phone"] == "911; non-emergency (520) 791-4444"
    rows[5]["website"] = "https://derechoshumanosaz.net"
    path.write_bytes(to_csv(rows))
    result = runner.invoke(args=["directory-import", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "0 new, 1 changed" in result.output
    assert listing_edits.get(db, 22)["phone"] == "911; (520) 791-4445"
    entry = next(db.query("select * from audit_log"))
    assert entry["actor"].startswith("cli:") and entry["action"] == "import_update"
