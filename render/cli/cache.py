"""``render cache``: list, prune or clear the cache of datasets, model scores and bases. Each command runs
inside the error boundary: a damaged entry or a bad size is one line, never a traceback."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from render.app import main
from render.cli import cli
from render.cli.options import CacheDir


cache_cli = typer.Typer(help="List, prune or clear the cache of datasets, model scores and bases.", no_args_is_help=True)
cli.add_typer(cache_cli, name="cache")


@cache_cli.command("list", help="List cached entries: kind, key, size, when last used, and what made them.")
def cache_list(cache_dir: CacheDir = None) -> None:
    def work() -> int:
        import time

        from render.cache import default_cache_dir

        cache = _opened(cache_dir or default_cache_dir())
        entries = sorted(cache.entries(), key=lambda e: e.used)
        broken = len({p.stem for p in cache.damaged()})
        typer.echo(f"{len(entries)} entries, {sum(e.bytes for e in entries) / 1e6:.1f} MB in {cache.root}"
                   + (f" ({broken} damaged, not listed: render cache prune removes them)" if broken else ""))
        for e in entries:
            made = ", ".join(f"{k}={_short(v)}" for k, v in e.parts.items())
            used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.used))
            typer.echo(f"{e.kind:8} {e.key[:12]}  {e.bytes / 1e6:8.2f} MB  used {used}  {made}")
        return 0

    raise typer.Exit(main(work))


def _opened(root):  # noqa: ANN001, ANN202
    """The cache at ``root``: a folder (or nothing yet); a file, or a loop of links, is one line."""
    from render.cache import Cache
    from render.errors import UsageError

    if root.is_symlink() and not root.exists():
        raise UsageError(f"{root}: is a link to nothing (or a loop of links); point --cache-dir (or "
                         "$HAPPY_FACES_CACHE) at the cache's folder")
    standing = next((place for place in (root, *root.parents) if place.exists() or place.is_symlink()), None)
    if standing is not None and standing != root and not standing.is_dir():
        raise UsageError(f"{root}: {standing} is a file, so there is no folder there; point --cache-dir (or "
                         "$HAPPY_FACES_CACHE) at the cache's folder")
    try:
        if root.exists() and not root.is_dir():
            raise UsageError(f"{root}: is not a folder, so not a cache; point --cache-dir (or $HAPPY_FACES_CACHE) "
                             "at the cache's folder")
    except OSError as exc:  # a loop of links
        raise UsageError(f"{root}: cannot be read ({exc.strerror}); point --cache-dir (or $HAPPY_FACES_CACHE) at "
                         "the cache's folder") from None
    return Cache(root)


def _short(value: object, most: int = 16) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= most else text[: most - 1] + "\u2026"  # shortened, and says so


@cache_cli.command("prune", help="Remove entries unused for a while, then the least recently used beyond a size.")
def cache_prune(
    cache_dir: CacheDir = None,
    older_than: Annotated[Optional[str], typer.Option("--older-than", metavar="AGE",
                                                      help="Remove entries unused for AGE: 30d, 12h, 2w...")] = None,
    max_size: Annotated[Optional[str], typer.Option("--max-size", metavar="SIZE",
                                                    help="Then keep at most SIZE: 500MB, 2GB... (default: "
                                                         "$HAPPY_FACES_CACHE_MAX, else 2GB)")] = None,
) -> None:
    from render.cache import default_cache_dir, max_bytes, parse_age, parse_size

    try:
        age = parse_age(older_than) if older_than else None
        size = parse_size(max_size) if max_size else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None

    def work() -> int:
        cache = _opened(cache_dir or default_cache_dir())
        removed, freed = cache.prune(age, size if size is not None else (None if age else max_bytes()))
        typer.echo(f"removed {removed} entries ({freed / 1e6:.1f} MB) from {cache.root}")
        return 0

    raise typer.Exit(main(work))


@cache_cli.command("clear", help="Remove every cached entry.")
def cache_clear(cache_dir: CacheDir = None) -> None:
    def work() -> int:
        from render.cache import default_cache_dir

        cache = _opened(cache_dir or default_cache_dir())
        typer.echo(f"removed {cache.clear()} files from {cache.root}")
        return 0

    raise typer.Exit(main(work))
