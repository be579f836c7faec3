"""The README is a few screens that lead to docs/, one page per audience; the docs hold
the rest. Every `flask` command is in docs/cli.md (as sqlite-utils documents each of
its commands), every docs page is linked from the README, and no relative link or
#anchor in them leads nowhere: a page moved or a heading renamed fails here, not in a
reader's browser."""

import re
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from bot.platform.config import ROOT

README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
CLI_PAGE = ROOT / "docs" / "cli.md"

MD = MarkdownIt("commonmark").enable("table")


def rel(path):
    return path.relative_to(ROOT).as_posix()


def tokens(path):
    return MD.parse(path.read_text(encoding="utf-8"))


def links(path):
    """(target, line) of every link and image in the page, outside code."""
    found = []
    for block in tokens(path):
        for child in block.children or ():
            if child.type == "link_open":
                found.append((child.attrs["href"], block.map[0] + 1))
            elif child.type == "image":
                found.append((child.attrs["src"], block.map[0] + 1))
    return found


def anchors(path):
    """The #fragments GitHub gives the page's headings."""
    seen, out = Counter(), set()
    stream = tokens(path)
    for i, tok in enumerate(stream):
        if tok.type != "heading_open":
            continue
        inline = stream[i + 1].children
        text = "".join(c.content for c in inline if c.type in ("text", "code_inline"))
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        out.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return out


def relative_links():
    cases = []
    for page in PAGES:
        for target, line in links(page):
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:
                continue  # http(s), mailto: not ours to check here
            cases.append(pytest.param(page, target, id=f"{rel(page)}:{line}:{target}"))
    return cases


def commands():
    from bot import create_app

    app = create_app({"TESTING": True, "DB_UPGRADE_ON_START": False, "SECRET_KEY": "k",
                      "DATABASE": "/nonexistent/never-opened.sqlite3"})  # fmt: skip
    return sorted(app.cli.commands)


@pytest.mark.parametrize("name", commands())
def test_command_is_in_the_cli_table(name):
    table = CLI_PAGE.read_text(encoding="utf-8")
    assert f"| `flask {name}" in table, f"add `flask {name}` to the table in {rel(CLI_PAGE)}"


def test_the_cli_table_names_no_command_the_app_lacks():
    table = CLI_PAGE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `flask ([a-z-]+)", table, flags=re.MULTILINE))
    assert documented, "the CLI table is gone"
    assert documented <= set(commands()), documented - set(commands())


@pytest.mark.parametrize("page", DOCS, ids=rel)
def test_every_docs_page_is_linked_from_the_readme(page):
    targets = {(README.parent / unquote(urlsplit(t).path)).resolve() for t, _ in links(README)}
    assert page.resolve() in targets, f"link {rel(page)} from the README"


@pytest.mark.parametrize(("page", "target"), relative_links())
def test_relative_link_leads_somewhere(page, target):
    parts = urlsplit(target)
    dest = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
    assert dest.exists(), f"{rel(page)} links {target}: no such file"
    if parts.fragment and dest.suffix == ".md":
        assert parts.fragment in anchors(dest), f"{rel(page)} links {target}: no such heading"


@pytest.mark.parametrize("page", DOCS, ids=rel)
def test_each_docs_page_says_who_it_is_for(page):
    text = page.read_text(encoding="utf-8")
    first = text.split("\n\n")[1]  # the paragraph under the title
    assert first.startswith("**For "), f"{rel(page)}: start with who the page is for"


def test_the_readme_fits_on_a_few_screens_and_shows_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "make run" in text and "make test" in text
    assert "http://localhost:8000/chat" in text and "http://localhost:8000/admin/" in text


def test_the_docs_page_list_is_what_the_tests_walk():
    # A page under docs/ in a subfolder would escape every test above.
    assert not [p for p in Path(ROOT / "docs").rglob("*.md") if p.parent != ROOT / "docs"]
    assert len(DOCS) >= 8
