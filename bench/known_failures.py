"""Print the dev-set sentences the matcher gets wrong today, as known_failures.yaml.

    .venv/bin/python -m bench.known_failures > tests/data/known_failures.yaml

Run it after a matcher or data change that fixes misses (the test fails on any
listed sentence that now passes); never to hide a new miss without looking at it.
"""

import sys

import yaml

from bot.config import ROOT
from bot.knowledge import load
from bot.matcher import Matcher

from .quality import DEV_SET, evaluate, load_sentences


def main() -> None:
    matcher = Matcher(load(ROOT / "intents", ROOT / "resources"))
    failures = []
    for lang in ("en", "es"):
        for miss in evaluate(matcher, load_sentences(DEV_SET, lang))["misses"]:
            failures.append({"lang": lang, **miss})
    sys.stdout.write(
        "# Dev-set sentences the matcher gets wrong today (python -m bench.known_failures).\n"
        "# Each must keep failing: when one passes, the test says so; remove it here.\n"
    )
    yaml.safe_dump({"failures": failures}, sys.stdout, allow_unicode=True, sort_keys=False,
                   width=100)  # fmt: skip


if __name__ == "__main__":
    main()
