"""Who can reach the staff pages: sign-in, limits, CSRF, cookies, and every route guarded."""

import re
import time

import pytest
from staff_pages import (  # noqa: F401 (fixtures)
    EMAIL,
    PASSWORD,
    account,
    csrf_from,
    db,
    set_language,
    sign_in,
    staff_client,
)

from bot.staff import accounts as staff


def test_sign_in_and_out(client, account):  # noqa: F811
    assert client.get("/admin/listings").status_code == 302
    resp = sign_in(client)
    assert resp.status_code == 303 and resp.location.endswith("/admin/listings")
    page = client.get("/admin/listings")
    assert page.status_code == 200 and EMAIL in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/admin/sign-out", data={"csrf_token": token}).status_code == 303
    assert client.get("/admin/listings").status_code == 302


def test_session_cookie_flags(client, account):  # noqa: F811
    cookie = sign_in(client).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_flag_can_be_turned_off_for_local_http(tmp_path, account):  # noqa: F811
    from bot import create_app

    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "bot.sqlite3"),
                      "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": False})  # fmt: skip
    cookie = sign_in(app.test_client()).headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_wrong_password_and_unknown_account_look_the_same(client, account):  # noqa: F811
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@tucsonaz.gov")
    assert wrong.status_code == unknown.status_code == 401
    text = wrong.get_data(as_text=True)
    assert "do not match" in text and f'value="{EMAIL}"' in text  # the email is kept
    assert client.get("/admin/listings").status_code == 302


def test_no_default_account(client):
    for email, password in [("admin", "admin"), ("admin@localhost", "password")]:
        assert sign_in(client, email=email, password=password).status_code == 401


def test_disabled_account_is_signed_out_at_once(staff_client, db):  # noqa: F811
    assert staff_client.get("/admin/listings").status_code == 200
    staff.set_active(db, EMAIL, False)
    assert staff_client.get("/admin/listings").status_code == 302
    assert sign_in(staff_client).status_code == 401


def test_password_change_ends_other_sessions(staff_client, db):  # noqa: F811
    staff.set_password(db, EMAIL, "another long passphrase")
    assert staff_client.get("/admin/listings").status_code == 302
    assert sign_in(staff_client, password="another long passphrase").status_code == 303


# -- sign-in throttling that cannot lock staff out (issue 15, finding 2) --------------


@pytest.fixture
def waits(monkeypatch):
    """The slow-down's waits, recorded instead of slept."""
    from bot.staff import sign_in_limits

    seen = []
    monkeypatch.setattr(sign_in_limits, "sleep", seen.append)
    return seen


def sign_in_from(app, address, email=EMAIL, password=PASSWORD):
    client = app.test_client()
    where = {"REMOTE_ADDR": address}
    page = client.get("/admin/sign-in", environ_base=where)
    return client.post("/admin/sign-in", environ_base=where, data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
        "password": password})  # fmt: skip


def test_wrong_passwords_from_elsewhere_slow_the_owner_down_but_never_lock_them_out(
    app, account, waits  # noqa: F811
):
    """The finding: five wrong passwords from anywhere, case and space variants of the
    email, then the right one got 429 for 15 minutes, and repeating kept it locked."""
    variants = [EMAIL, EMAIL.upper(), f"  {EMAIL} ", EMAIL.title(), f"\t{EMAIL}"]
    for round_ in range(3):  # repeating it, as the attacker would
        for n, email in enumerate(variants):
            resp = sign_in_from(app, f"198.51.100.{round_ * 10 + n}", email, "wrong guess 123")
            assert resp.status_code == 401
        office = sign_in_from(app, "203.0.113.7")  # an address that has not failed
        assert office.status_code == 303, round_
    # Slowed: the owner's attempts after the fifth failure waited, growing, capped.
    assert waits and waits == sorted(waits)
    assert max(waits) <= app.config["SIGN_IN_MAX_DELAY_SECONDS"]


def test_the_address_that_failed_is_refused_even_with_the_right_password(
    app, account, waits  # noqa: F811
):
    limit = app.config["SIGN_IN_MAX_FAILURES_PER_PAIR"]
    for _ in range(limit):
        assert sign_in_from(app, "198.51.100.1", password="wrong guess 123").status_code == 401
    blocked = sign_in_from(app, "198.51.100.1")  # its password is not even checked
    assert blocked.status_code == 429
    assert "Too many" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= app.config["SIGN_IN_WINDOW_SECONDS"]
    assert sign_in_from(app, "198.51.100.2").status_code == 303


def test_successes_are_never_counted(app, account, db):  # noqa: F811
    """The finding: about 20 good sign-ins from one office address locked it out."""
    for n in range(3 * app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]):
        assert sign_in_from(app, "203.0.113.7").status_code == 303, n
    assert db["sign_in_attempts"].count == 0


def test_a_right_password_clears_its_own_pair_only(app, account, db, waits):  # noqa: F811
    limit = app.config["SIGN_IN_MAX_FAILURES_PER_PAIR"]
    for _ in range(limit - 1):
        assert sign_in_from(app, "198.51.100.1", password="typo typo typo").status_code == 401
    for _ in range(limit - 1):
        assert sign_in_from(app, "198.51.100.9", password="someone guessing").status_code == 401
    assert sign_in_from(app, "198.51.100.1").status_code == 303
    # The owner's typos are forgiven: as many again and the pair is still not refused.
    for _ in range(limit - 1):
        assert sign_in_from(app, "198.51.100.1", password="typo typo typo").status_code == 401
    assert sign_in_from(app, "198.51.100.1").status_code == 303
    # The other address's failures still count against it.
    assert sign_in_from(app, "198.51.100.9", password="someone guessing").status_code == 401
    assert sign_in_from(app, "198.51.100.9", password="someone guessing").status_code == 429


def test_one_address_spraying_many_accounts_is_refused(app, account, db):  # noqa: F811
    app.config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        assert sign_in_from(app, "198.51.100.1", f"guess{n}@tucsonaz.gov").status_code == 401
    # The counts live in SQLite (shared by every worker) and hold no plain addresses.
    keys = [r["key"] for r in db.query("select key from sign_in_attempts")]
    assert keys and not any("198.51" in k or "@" in k for k in keys)
    assert sign_in_from(app, "198.51.100.1").status_code == 429
    assert sign_in_from(app, "203.0.113.9").status_code == 303


def test_many_failures_are_told_to_staff_in_the_audit_log(app, account, db, waits):  # noqa: F811
    alert = app.config["SIGN_IN_ALERT_AFTER_FAILURES"]
    for n in range(alert + 3):
        assert sign_in_from(app, f"198.51.100.{n}", password="wrong guess 123").status_code == 401
    entries = list(db.query("select * from audit_log where action = 'sign_in_failures'"))
    assert len(entries) == 1  # once per window, not once per failure
    assert entries[0]["staff_id"] == account["id"] and entries[0]["actor"] == "system"
    assert f'"failed_sign_ins": {alert}' in entries[0]["after"]
    # Guesses at an email with no account tell no one (there is no one to tell).
    for n in range(alert + 1):
        sign_in_from(app, f"198.51.101.{n}", "nobody@tucsonaz.gov", "wrong guess 123")
    assert db["audit_log"].count_where("action = 'sign_in_failures'") == 1
    reader = app.test_client()
    assert sign_in(reader).status_code == 303
    page = reader.get("/admin/audit").get_data(as_text=True)
    assert "Many failed sign-ins" in page and "Failed sign-ins in the last 15 minutes" in page
    set_language(reader, "es")
    page = reader.get("/admin/audit").get_data(as_text=True)
    assert "Muchos inicios de sesión fallidos" in page


def test_the_window_passes_and_refused_attempts_are_not_counted(app, account, db):  # noqa: F811
    from bot.staff.sign_in_limits import Limits

    limits = Limits("k", 60, per_pair=2, per_address=100, slow_after=5, max_delay=2,
                    alert_after=10)  # fmt: skip
    now = time.time()
    assert limits.begin(db, "a@x.org", "1.1.1.1", now).allowed
    assert limits.begin(db, "a@x.org", "1.1.1.1", now + 10).allowed
    refused = limits.begin(db, "a@x.org", "1.1.1.1", now + 20)
    assert not refused.allowed and refused.retry_after == 40  # when the first leaves
    assert not limits.begin(db, "a@x.org", "1.1.1.1", now + 59).allowed
    assert limits.begin(db, "a@x.org", "1.1.1.1", now + 61).allowed
    assert limits.begin(db, "a@x.org", "2.2.2.2", now + 20).allowed  # another address


def test_the_slow_down_doubles_and_is_capped():
    from bot.staff.sign_in_limits import Limits

    limits = Limits("k", 900, 5, 20, slow_after=5, max_delay=2, alert_after=10)
    assert [limits.delay_for(n) for n in (0, 4, 5, 6, 7, 8, 9, 10**6)] == [
        0, 0, 0.25, 0.5, 1, 2, 2, 2]


def test_csrf_missing_or_wrong_is_400(staff_client):  # noqa: F811
    form = {"name": "X", "description": "x", "description_es": "x", "categories": "legal"}
    assert staff_client.post("/admin/listings/new", data=form).status_code == 400
    resp = staff_client.post("/admin/listings/new", data={**form, "csrf_token": "forged"})
    assert resp.status_code == 400
    assert staff_client.post("/admin/listings/1/retire").status_code == 400
    assert staff_client.post("/admin/sign-out").status_code == 400


def test_sign_in_form_needs_csrf(client, account):  # noqa: F811
    resp = client.post("/admin/sign-in", data={"email": EMAIL, "password": PASSWORD})
    assert resp.status_code == 400


def _concrete(rule) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_admin_route_needs_staff(app, client, account, signed_in):  # noqa: F811
    """Every route under /admin, every method: a visitor without a session goes to sign-in."""
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin")]
    assert len(rules) >= 12
    open_routes = {"admin.sign_in", "admin.language"}
    checked = 0
    for rule in rules:
        if rule.endpoint in open_routes:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            visitor = app.test_client()
            if signed_in:  # a session for an account disabled since: no longer staff
                sign_in(visitor)
            if signed_in:
                from bot.platform.db import connect

                staff.set_active(connect(app.config["DATABASE"]), EMAIL, False)
            resp = visitor.open(_concrete(rule), method=method)
            assert resp.status_code in (302, 303, 401, 403), (rule.rule, method, resp.status_code)
            if resp.status_code in (302, 303):
                assert "/admin/sign-in" in resp.location
            if signed_in:
                staff.set_active(connect(app.config["DATABASE"]), EMAIL, True)
            checked += 1
    assert checked >= 13


def test_next_cannot_leave_the_admin(client, account):  # noqa: F811
    page = client.get("/admin/sign-in?next=https://evil.example/admin")
    resp = client.post("/admin/sign-in", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": EMAIL,
        "password": PASSWORD, "next": "https://evil.example/admin"})  # fmt: skip
    assert resp.location.endswith("/admin/listings")


def test_next_returns_to_the_page_asked_for(client, account):  # noqa: F811
    first = client.get("/admin/audit?listing=3")
    assert first.status_code == 302
    page = client.get(first.location)
    # the sign-in form's own "next" (the language switch has one too, before it)
    nxt = re.findall(r'name="next" value="([^"]*)"', page.get_data(as_text=True))[-1]
    resp = client.post("/admin/sign-in", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": EMAIL,
        "password": PASSWORD, "next": nxt.replace("&amp;", "&")})  # fmt: skip
    assert resp.location.endswith("/admin/audit?listing=3")


def test_sign_in_page_in_spanish(client, account):  # noqa: F811
    set_language(client, "es")
    text = client.get("/admin/sign-in").get_data(as_text=True)
    assert 'lang="es"' in text and "Iniciar sesión" in text
    wrong = sign_in(client, password="nope nope nope").get_data(as_text=True)
    assert "no coinciden" in wrong


def test_security_headers(staff_client):  # noqa: F811
    resp = staff_client.get("/admin/listings")
    assert resp.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


# -- sessions that really end (issue 15, finding 1) ----------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The wall clock, moved forward by the test (itsdangerous and the app read it)."""

    class Clock:
        now = time.time()

        def advance(self, seconds):
            self.now += seconds

    c = Clock()
    monkeypatch.setattr(time, "time", lambda: c.now)
    return c


def copy_of_cookie(app, client):
    """Another browser holding a copy of this one's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_cookie_copied_before_sign_out_no_longer_reads_or_changes(app, staff_client, db):  # noqa: F811
    page = staff_client.get("/admin/listings/1")
    token = csrf_from(page.get_data(as_text=True))
    stolen = copy_of_cookie(app, staff_client)
    assert stolen.get("/admin/listings").status_code == 200  # the copy works until sign-out
    assert staff_client.post("/admin/sign-out", data={"csrf_token": token}).status_code == 303
    before = db["listings"].get(1)
    assert stolen.get("/admin/listings").status_code == 302
    resp = stolen.post("/admin/listings/1/verify", data={"csrf_token": token})
    assert resp.status_code == 303 and "/admin/sign-in" in resp.location
    assert db["listings"].get(1) == before
    assert db["audit_log"].count_where("action = 'verify'") == 0


def test_signing_out_on_one_device_ends_the_others(app, client, account):  # noqa: F811
    phone = app.test_client()
    assert sign_in(client).status_code == 303 and sign_in(phone).status_code == 303
    token = csrf_from(client.get("/admin/listings").get_data(as_text=True))
    client.post("/admin/sign-out", data={"csrf_token": token})
    assert phone.get("/admin/listings").status_code == 302
    assert sign_in(phone).status_code == 303  # signing in again works
    assert phone.get("/admin/listings").status_code == 200


def test_an_idle_session_ends(app, staff_client, clock):  # noqa: F811
    idle = app.permanent_session_lifetime.total_seconds()
    clock.advance(idle - 60)
    assert staff_client.get("/admin/listings").status_code == 200  # a request renews it
    stolen = copy_of_cookie(app, staff_client)
    clock.advance(idle + 1)
    assert stolen.get("/admin/listings").status_code == 302
    assert staff_client.get("/admin/listings").status_code == 302


def test_a_busy_session_still_ends_at_its_absolute_lifetime(app, staff_client, clock):  # noqa: F811
    limit = app.config["STAFF_SESSION_MAX_SECONDS"]
    step = app.permanent_session_lifetime.total_seconds() / 2
    used = 0
    while used + step < limit:
        clock.advance(step)
        used += step
        assert staff_client.get("/admin/listings").status_code == 200, used
    stolen = copy_of_cookie(app, staff_client)  # renewed a moment ago, so not idle
    clock.advance(limit - used + 1)
    assert stolen.get("/admin/listings").status_code == 302
    assert staff_client.get("/admin/listings").status_code == 302
    assert sign_in(staff_client).status_code == 303


def test_session_lifetimes_are_checked_at_start(make_app):
    with pytest.raises(ValueError, match="STAFF_SESSION_MAX_SECONDS"):
        make_app(STAFF_SESSION_MAX_SECONDS=0)


def test_only_one_attempt_per_process_waits_so_residents_keep_their_threads(waits):
    from bot.staff import sign_in_limits

    assert sign_in_limits.wait(0.5) and waits == [0.5]
    assert not sign_in_limits.wait(0)
    with sign_in_limits._waiting:  # another attempt is waiting already
        assert not sign_in_limits.wait(2)
    assert waits == [0.5]
