"""Where an uncached web request spends its time: cProfile of the keyword
mix of ``bench_web.py`` (each keyword to ``/api/search`` and to the HTML
page) through the real app in this process (Flask's test client, result
cache off), after one unprofiled round that opens the index.

Prints the profiled time per request, its share by component (Whoosh,
templates, each zhen module, the built-ins they call) and the functions of
most own time. cProfile slows Python code about twice, so shares matter
here, not milliseconds; ``bench_web.py`` measures the real thing.

    python bench/profile_web.py              # the twlaw index of bench_web.py
    python bench/profile_web.py --top 30 --only html
"""

import argparse
import collections
import cProfile
import pstats
from pathlib import Path
from urllib.parse import quote

from bench_web import INDEX, KEYWORDS

LIBRARIES = ("whoosh", "jinja2", "flask_babel", "flask", "werkzeug", "markupsafe", "babel")


def component(function):
    """A short name for the part of the code a profiled function is in."""
    path, _, name = function
    for library in LIBRARIES:
        if f"/{library}/" in path:
            return library
    if "/zhen/" in path:
        return "zhen/" + path.split("/zhen/")[-1]
    if name.startswith(("<built-in", "<method")):
        return "built-in " + name.strip("<>").split(" of ")[0][:50]
    return Path(path).name


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, default=INDEX)
    parser.add_argument("--only", choices=("api", "html"), help="one kind of request")
    parser.add_argument("--top", type=int, default=15, help="functions of most own time")
    args = parser.parse_args()
    from zhen.web import create_app

    client = create_app({"INDEX": str(args.index), "RESULT_CACHE": 0}).test_client()
    keywords = [k for k in KEYWORDS.read_text(encoding="utf-8").splitlines() if k.strip()]
    prefixes = {"api": "/api/search?q=", "html": "/?q="}
    kinds = [args.only] if args.only else ["api", "html"]
    paths = [prefixes[kind] + quote(word) for word in keywords for kind in kinds]
    for path in paths:  # opens the index, fills Whoosh's and jieba's caches
        assert client.get(path).status_code == 200, path
    profile = cProfile.Profile()
    profile.enable()
    for path in paths:
        client.get(path)
    profile.disable()
    stats = pstats.Stats(profile)
    shares = collections.Counter()
    for function, (_, _, own, _, _) in stats.stats.items():
        shares[component(function)] += own
    total = sum(shares.values())
    print(f"{len(paths)} requests, {1000 * total / len(paths):.1f} ms each (profiled)")
    for name, seconds in shares.most_common(20):
        print(f"{100 * seconds / total:5.1f}%  {name}")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
