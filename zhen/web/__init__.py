"""The web front end: a Flask application factory, as in flaskr.

Settings are read here, once, from :mod:`zhen.settings`; views read
``current_app.config``. Every response carries the security headers; the
interface language comes from :mod:`zhen.web.i18n`.
"""

import threading

from flask import Flask
from flask_babel import Babel
from markupsafe import Markup

from .. import settings
from ..engines import open_searcher
from ..render import fragment_html
from ..urls import link_url
from . import i18n
from .cache import ResultCache
from .format import as_date, as_timestamp, count_text, file_size
from .links import doc_href, search_href

API_MAX_LIMIT = 100  # the most hits /api/search returns per page
# Scripts, styles and images come from this site only (static files, no
# inline code); no page may be framed.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(test_config=None):
    """Create the app; ``test_config`` overrides settings (e.g. INDEX)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=settings.get("index"),
        USERDICT=settings.get("userdict"),
        LIMIT=settings.get("limit"),
        WEIGHTS=settings.field_weights(),
        WEIGHT_RECALL=settings.get("weight_recall"),
        API_MAX_LIMIT=API_MAX_LIMIT,
        RESULT_CACHE=settings.get("result_cache"),
        BABEL_DEFAULT_LOCALE=i18n.DEFAULT_LOCALE,
        BABEL_TRANSLATION_DIRECTORIES=i18n.compiled_catalogues(),
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # Chinese as Chinese in JSON
    app.extensions["zhen_searchers"] = threading.local()
    app.extensions["zhen_cache"] = ResultCache(app.config["RESULT_CACHE"])
    Babel(app, locale_selector=i18n.select_locale)
    _add_template_helpers(app)
    app.after_request(_security_headers)

    from . import api, views

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    views.register_error_pages(app)
    return app


def _add_template_helpers(app):
    app.jinja_env.filters.update(
        link_url=link_url,
        as_date=as_date,
        as_timestamp=as_timestamp,
        count_text=count_text,
        file_size=file_size,
        fragment_html=lambda f: Markup(fragment_html(f)),
    )
    app.jinja_env.globals.update(
        link_url=link_url,
        search_href=search_href,
        doc_href=doc_href,
        LOCALES=i18n.LOCALES,
        LOCALE_LABELS=i18n.LABELS,
        HTML_LANG=i18n.HTML_LANG,
    )


def _security_headers(response):
    """The security headers, and ``Vary`` for pages whose language comes
    from the request (so a shared cache keeps one copy per language)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def get_searcher(app):
    """One open Searcher per app and thread (Whoosh searchers are not
    shared across threads); it follows index updates by itself."""
    local = app.extensions["zhen_searchers"]
    if getattr(local, "searcher", None) is None:
        local.searcher = open_searcher(
            app.config["INDEX"],
            app.config["USERDICT"],
            app.config["WEIGHTS"],
            app.config["WEIGHT_RECALL"],
            warm=not app.config.get("TESTING"),
        )
    return local.searcher
