"""Interface language: 中文 or English, chosen per request.

The choice is, in order: the ``lang`` parameter of an API call, the
``lang`` cookie set by the switch on every page, the browser's
Accept-Language, English. Catalogues are shipped as ``.po`` files (text,
reviewable) and compiled with Babel when the app starts, into a cache folder
keyed by their content, so a fresh clone, a read-only install and a changed
translation all work without a build step or network.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "en"
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
LABELS = {"zh": "中文", "en": "English"}
COOKIE = "lang"
COOKIE_AGE = 365 * 24 * 3600
SOURCE = Path(__file__).resolve().parent / "translations"


def select_locale():
    """The interface language of the current request (one of LOCALES)."""
    if request.path.startswith("/api/"):
        asked = request.args.get("lang", "")
        if asked in LOCALES:
            return asked
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LOCALES:
        return chosen
    return (
        request.accept_languages.best_match(LOCALES)
        or _by_prefix(request.accept_languages)
        or DEFAULT_LOCALE
    )


def _by_prefix(accepted):
    """zh-TW, zh-Hant-HK, en-GB … match their language when Werkzeug's exact
    matching does not."""
    for value, _ in accepted:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in LOCALES:
            return primary
    return None


def compiled_catalogues(source=SOURCE):
    """A folder of compiled ``.mo`` files for the ``.po`` files under
    ``source`` (``<locale>/LC_MESSAGES/messages.po``), compiled once per
    content; returns its path for Flask-Babel."""
    sources = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha1()
    for po in sources:
        digest.update(po.relative_to(source).as_posix().encode())
        digest.update(po.read_bytes())
    target = Path(tempfile.gettempdir()) / f"zhen-i18n-{digest.hexdigest()[:16]}"
    if target.exists() and target.stat().st_uid != os.getuid():
        target = Path(tempfile.mkdtemp(prefix="zhen-i18n-"))  # not ours: don't trust it
    for po in sources:
        mo = target / po.relative_to(source).with_suffix(".mo")
        if not mo.exists():
            _compile(po, mo)
    return str(target)


def _compile(po, mo):
    """Compile one catalogue, atomically (other processes may be reading)."""
    mo.parent.mkdir(parents=True, exist_ok=True)
    with po.open("rb") as handle:
        catalog = read_po(handle)
    partial = mo.with_name(f".{mo.name}.{os.getpid()}")
    with partial.open("wb") as handle:
        write_mo(handle, catalog)
    os.replace(partial, mo)
