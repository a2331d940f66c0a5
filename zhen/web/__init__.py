"""The web front end: a Flask application factory, as in flaskr."""

import threading

from flask import Flask

from .. import settings
from ..search import Searcher


def create_app(test_config=None):
    """Create the app; ``test_config`` overrides settings (e.g. INDEX)."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX=settings.get("index"),
        USERDICT=settings.get("userdict"),
        LIMIT=settings.get("limit"),
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.extensions["zhen_searchers"] = threading.local()

    from . import views
    app.register_blueprint(views.bp)
    return app


def get_searcher(app):
    """One open Searcher per app and thread (Whoosh searchers are not
    shared across threads); it follows index updates by itself."""
    local = app.extensions["zhen_searchers"]
    if getattr(local, "searcher", None) is None:
        local.searcher = Searcher(app.config["INDEX"], app.config["USERDICT"])
    return local.searcher
