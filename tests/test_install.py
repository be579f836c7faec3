"""Spanish wherever the package is installed: a host that runs `pip install` and the
Procfile, never `make`, still serves the Spanish fixed strings (issue 16).

The project is copied as git would hand it to a host (tracked files only, so no
compiled .mo), installed with pip into a fresh virtualenv without `make`, then the
Procfile's release and web lines run from the copy. The virtualenv borrows this
one's installed dependencies through a .pth file instead of downloading them: the
point is what the package itself does, not the index (pip still builds it as it
would anywhere, with the build backend pyproject.toml names). A Spanish SMS, signed as
Twilio signs it, and a Spanish chat must come back with Spanish fixed strings.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from twilio.request_validator import RequestValidator

from bench.load_server import free_port, procfile_command, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "inst0123456789abcdef0123456789ab"
pytestmark = pytest.mark.server

# Console scripts pip would write for these dependencies; here they run the new
# virtualenv's interpreter, so `bot` is imported from the installed copy.
SCRIPTS = {
    "gunicorn": "from gunicorn.app.wsgiapp import run\nsys.exit(run())",
    "flask": "from flask.cli import main\nsys.exit(main())",
}


def _copy_tracked(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and not name.startswith(("tests/", "bench/heldout")):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = subprocess.run([python, "-c", where], capture_output=True, text=True,
                             check=True).stdout.strip()  # fmt: skip
    # This environment's packages (pip, setuptools and the dependencies) come after the
    # new one's own, and the .pth files in them (our editable install) are not run.
    Path(purelib, "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    for name, body in SCRIPTS.items():
        script = path / "bin" / name
        script.write_text(f"#!{python}\nimport sys\n{body}\n")
        script.chmod(0o755)
    return python


def _post(url: str, data: bytes, headers: dict) -> bytes:
    req = urllib.request.Request(url, data, headers)
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 (loopback)
        return resp.read()


def _sms(base: str, body: str, number: str = "+15205557777") -> list[str]:
    form = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "3" * 32,
            "From": number, "To": "+15205550000", "Body": body, "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TOKEN).compute_signature(base + "/sms", form)
    data = _post(base + "/sms", urlencode(form).encode(),
                 {"Content-Type": "application/x-www-form-urlencoded",
                  "X-Twilio-Signature": signature})  # fmt: skip
    root = ElementTree.fromstring(data)  # noqa: S314 (our own TwiML)
    return [m.text for m in root.findall("Message")]


def _chat(base: str, message: str) -> dict:
    data = _post(base + "/api/chat", json.dumps({"message": message}).encode(),
                 {"Content-Type": "application/json"})  # fmt: skip
    return json.loads(data)


def test_pip_install_and_the_procfile_serve_spanish_without_make(tmp_path):
    project, venv = tmp_path / "project", tmp_path / "venv"
    _copy_tracked(project)
    assert not list(project.glob("translations/*/LC_MESSAGES/*.mo"))  # as a host gets it
    python = _venv(venv)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TWILIO_"))},
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin",
        "VIRTUAL_ENV": str(venv),
        "BOT_SECRET_KEY": secrets.token_urlsafe(32),
        "BOT_SENDER_HASH_KEY": secrets.token_urlsafe(32),
        "BOT_TWILIO_AUTH_TOKEN": TOKEN,
        "BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
    }
    install = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(project)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    where = subprocess.run([python, "-c", "import bot; print(bot.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert where.stdout.strip() == str(project / "bot" / "__init__.py")  # the installed copy

    release = subprocess.run(procfile_command("release"), cwd=project, env=env,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert release.returncode == 0, release.stderr[-2000:]
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            procfile_command("web"), cwd=project, stdout=out, stderr=subprocess.STDOUT,
            env={**env, "PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": "1"},
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(proc, base, 60, log)
            first = _sms(base, "hola, me pueden deportar si llamo a la policia?")
            greeting = _sms(base, "hola")
            chat = _chat(base, "hola, necesito ayuda, me pueden deportar?")
        finally:
            stop(proc)

    sent = "\n".join(first)
    assert "Responda MAS." in sent or "Escriba MENU" in sent, sent
    for english in ("Reply MORE", "(unverified)", "Write MENU"):
        assert english not in sent, sent
    assert greeting[0].startswith("¡Hola! Soy Respuestas Comunitarias de Tucson"), greeting
    assert "Elija del 1 al 12:" in greeting[0]
    assert chat["language"] == "es"
    assert "Escriba MENU para ver todos los temas." in chat["reply"] or (
        "Responda con un número." in chat["reply"]
    ), chat["reply"]
    assert "(unverified)" not in chat["reply"] and "Write MENU" not in chat["reply"]
    assert list(project.glob("translations/es/LC_MESSAGES/messages.mo"))  # compiled at start
