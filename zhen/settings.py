"""Every setting of zhen, declared once with its default and help text.

The CLI builds its options from :data:`SETTINGS`, the web app reads them into
its config, and the library takes them as keyword arguments, so a default is
never written twice. Each setting may be given by an environment variable
``ZHEN_<NAME>``.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from .compiler import DEFAULT_WEIGHTS, RECALL_WEIGHT
from .indexer import COMMIT_EVERY
from .records import MAX_FIELD_CHARS
from .results import DEFAULT_LIMIT


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    type: type = str

    @property
    def env(self):
        return "ZHEN_" + self.name.upper()

    def resolve(self, value=None):
        """The given value, else the environment variable, else the default."""
        if value is not None:
            return value
        raw = os.environ.get(self.env)
        if raw is None or raw == "":
            return self.default() if callable(self.default) else self.default
        return self.type(raw)


def _default_index():
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return str(Path(base) / "zhen" / "index")


PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLE_CORPUS = PACKAGE_DIR.parent / "corpus"

_LIST = [
    Setting(
        "index",
        _default_index,
        "Index directory (default: $XDG_DATA_HOME/zhen/index, i.e. ~/.local/share/zhen/index).",
        str,
    ),
    Setting(
        "userdict",
        None,
        "jieba-format user dictionary (one 'word [freq] [tag]' a line), "
        "used at index and query time.",
        str,
    ),
    Setting("jobs", os.cpu_count() or 1, "Processes that analyse documents in parallel.", int),
    Setting(
        "commit_every",
        COMMIT_EVERY,
        "Documents per committed chunk; a crash loses at most one chunk.",
        int,
    ),
    Setting("limit", DEFAULT_LIMIT, "Hits per page.", int),
    Setting("host", "127.0.0.1", "Address the web server listens on.", str),
    Setting("port", 8000, "Port the web server listens on.", int),
    Setting(
        "result_cache",
        256,
        "Search results each web server process keeps for repeated requests (0: none).",
        int,
    ),
    Setting(
        "max_field_chars",
        MAX_FIELD_CHARS,
        "Largest value a record field may hold, in characters.",
        int,
    ),
    Setting("weight_title", DEFAULT_WEIGHTS["title"], "Ranking weight of title fields.", float),
    Setting(
        "weight_summary",
        DEFAULT_WEIGHTS["summary_en"],
        "Ranking weight of the English summary.",
        float,
    ),
    Setting("weight_body", DEFAULT_WEIGHTS["body"], "Ranking weight of body fields.", float),
    Setting(
        "weight_recall",
        RECALL_WEIGHT,
        "Weight of the character-gram recall fields relative to words.",
        float,
    ),
]

SETTINGS = {s.name: s for s in _LIST}


def get(name, value=None):
    """Resolve one setting by name."""
    return SETTINGS[name].resolve(value)


def field_weights():
    """Ranking weight per logical text field, from the weight settings
    (for the front ends to give :class:`zhen.search.Searcher`)."""
    return {
        "title": get("weight_title"),
        "title_en": get("weight_title"),
        "summary_en": get("weight_summary"),
        "body": get("weight_body"),
        "body_en": get("weight_body"),
    }
