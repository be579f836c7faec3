"""Staff accounts: the CLI is the only way in, passwords are Argon2id hashes."""

from staff_pages import EMAIL, PASSWORD, db  # noqa: F401 (fixture)

from bot.staff import accounts as staff


def test_create_hashes_with_argon2id(runner, db):  # noqa: F811
    result = runner.invoke(args=["staff-create", EMAIL], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    account = staff.find(db, EMAIL)
    assert account["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in account["password_hash"]
    assert staff.authenticate(db, EMAIL.upper(), PASSWORD)["id"] == account["id"]
    assert staff.authenticate(db, EMAIL, PASSWORD + "x") is None


def test_refusals(runner, db):  # noqa: F811
    short = runner.invoke(args=["staff-create", EMAIL], input="short\nshort\n")
    assert short.exit_code == 1 and "12 characters" in short.output
    assert runner.invoke(args=["staff-create", "not-an-email"],
                         input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 1  # fmt: skip
    runner.invoke(args=["staff-create", EMAIL], input=f"{PASSWORD}\n{PASSWORD}\n")
    again = runner.invoke(args=["staff-create", EMAIL], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code == 1 and "already exists" in again.output
    assert db["staff"].count == 1


def test_disable_enable_password_list(runner, db):  # noqa: F811
    runner.invoke(args=["staff-create", EMAIL], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert runner.invoke(args=["staff-disable", EMAIL]).exit_code == 0
    assert staff.authenticate(db, EMAIL, PASSWORD) is None
    assert "disabled" in runner.invoke(args=["staff-list"]).output
    assert runner.invoke(args=["staff-enable", EMAIL]).exit_code == 0
    new = "a different long passphrase"
    assert runner.invoke(args=["staff-password", EMAIL], input=f"{new}\n{new}\n").exit_code == 0
    assert staff.authenticate(db, EMAIL, PASSWORD) is None
    assert staff.authenticate(db, EMAIL, new)
    assert runner.invoke(args=["staff-disable", "nobody@x.org"]).exit_code == 1


def test_no_account_exists_until_one_is_made(db):  # noqa: F811
    assert db["staff"].count == 0
