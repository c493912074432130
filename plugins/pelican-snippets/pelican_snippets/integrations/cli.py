"""`snippets [PATH ...]`: verify the posts' code blocks without building the site.

The same reading, options, bounds, cache and `file:line` report as a build,
without Pelican: the settings file is executed as plain Python for its PATH
and SNIPPETS. `--update` rewrites `output` fences from what the blocks print.
Exits 1 if any block fails, 2 for a wrong command line or settings file.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

# The snippet services start as soon as the settings are read and their environments found:
# the rest (the pipeline, the cache, the reader) is imported and the posts are read while they boot.


def markdown_files(paths) -> Iterator[Path]:
    for path in map(Path, paths):
        yield from [path] if path.is_file() else sorted(path.rglob("*.md"))


def run() -> None:
    """The `snippets` command: main(), then an exit that skips the interpreter's teardown.

    By then the cache is written, the service is gone and the report printed;
    freeing every object of the run one by one would only delay the shell.
    """
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv: list | None = None) -> int:
    # No collection until what the command imports is set aside (gc.freeze below): each one
    # meanwhile would go over everything imported so far, which is never garbage.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv):
    parser = argparse.ArgumentParser(prog="snippets", description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("paths", nargs="*", help="Markdown files or folders (default: the settings' PATH)")
    parser.add_argument("--settings", default="pelicanconf.py", help="Pelican settings file (default: %(default)s)")
    parser.add_argument("--python", action="append", metavar="VERSION",
                        help="verify on this interpreter only, e.g. 3.12 (repeatable; default: the settings' pythons)")
    parser.add_argument("--refresh", action="store_true", help="ignore cached results; run every block again")
    parser.add_argument("--refresh-environments", action="store_true",
                        help="rebuild the posts' environments (one per interpreter and dependency set)")
    parser.add_argument("--update", action="store_true", help="rewrite output fences from the real output")
    args = parser.parse_args(argv)
    from ..config import PYTHON_VERSION, ConfigError, read_settings_file, sandbox_required_but
    from ..runtime.wire import REQUIRED
    wrong = [version for version in args.python or () if not PYTHON_VERSION.fullmatch(version)]
    if wrong:
        parser.error(f"--python {wrong[0]}: expected a version such as 3.12")
    try:
        content, config = read_settings_file(args.settings)
    except (OSError, ConfigError) as error:
        parser.exit(2, f"{args.settings}: {error}\n")
    config = config._replace(refresh=config.refresh or args.refresh,
                             refresh_environments=config.refresh_environments or args.refresh_environments)
    from ..matrix.pythons import PythonMissing, resolve_pythons
    try:
        matrix = resolve_pythons(config, only=tuple(args.python or ()))
    except PythonMissing as error:
        parser.exit(2, f"{error}\n")
    paths = args.paths or [content]
    if args.update:
        return update(list(markdown_files(paths)), config, matrix)
    services, environments = boot(config, matrix)
    files = list(markdown_files(paths))  # listed while the services boot
    from ..present.console import print_report
    from ..verify.pipeline import verify_documents
    # What is imported by now lives as long as the command: set aside, so that collections
    # while the posts run (the reader and the services' threads allocate) scan only what they made.
    gc.freeze()
    gc.enable()
    verification = verify_documents(read_posts(files, config), config, matrix=matrix, services=services,
                                    environments=environments)
    print_report(verification, write=print)
    if verification.sealed is False and config.sandbox == REQUIRED:
        print(f"snippets: {sandbox_required_but(verification.unsealed_because)}", file=sys.stderr)
        return 2
    return 1 if verification.failed else 0


def boot(config, matrix):
    """Start the service of each interpreter's plain environment (most posts declare nothing)
    where it is made already: they boot while the rest of the command is imported and the
    posts are read. So the environments are looked up, and the services spawned, before
    what runs and makes them is imported."""
    from ..client.process import ServiceProcess
    from ..matrix.lookup import environments_folder, ready
    folder = environments_folder(config)
    found = []
    if folder is not None and not config.refresh_environments:  # refreshed, each is made anew
        found = [ready(folder, interpreter, ()) for interpreter in matrix.interpreters]
    booting = [(environment, ServiceProcess(environment.python)) for environment in found if environment]
    from ..client.services import Services
    from ..matrix.environments import environments_for
    services = Services(config)
    for environment, process in booting:
        services.boot(environment, process)
    return services, environments_for(config)


def read_posts(files, config) -> Iterator:
    """The documents of the posts with blocks, read one at a time: each post's
    blocks start running while the next posts are read."""
    from ..extract.collect import display_path, read_document
    for path in files:
        # Bytes, decoded: no text file object per post (read_document normalises line endings).
        document = read_document(path.read_bytes().decode("utf-8-sig"), display_path(path), config.languages)
        if document.blocks or document.problems:
            yield document


def update(files, config, matrix) -> int:
    from ..extract.collect import display_path
    from .update import update_file
    failed = False
    for path in files:
        lines, failures, problems = update_file(path, config, matrix)
        for line in lines:
            print(f"{display_path(path)}:{line}: updated the expected output")
        for problem in problems:
            failed = True
            print(problem.error_line())
        for result in failures:
            if result.failed:
                failed = True
                print(result.error_line())
    print(f"checked {len(files)} file(s)")
    return 1 if failed else 0

