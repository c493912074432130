"""Make every error Pelican logs fail the build, after the pages are written.

Pelican logs a post it cannot read (a bad date, say) and carries on without it,
exiting 0: the post silently disappears from the site. This plugin collects the
errors logged during a build, names the file and line where it can, and ends
the build with a non-zero exit once everything else has been written.
"""

import logging
import sys
import traceback
from pathlib import Path

from pelican import signals

from .errors import BuildFailed

__all__ = ["BuildFailed", "register"]


class ErrorCollector(logging.Handler):
    """Remembers each ERROR record, with the exception being handled if any."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.problems = []
        self.content_path = Path.cwd()

    def emit(self, record):
        path, exc = failed_source(record, self.content_path)
        message = record.getMessage()
        if exc is not None:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            message = f"{message}: {detail}"
        where = _locate(path, exc) if path else None
        self.problems.append(f"{where}: error: {message}" if where else f"error: {message}")


CONTENT_SUFFIXES = (".md", ".markdown", ".rst", ".html")


def failed_source(record: logging.LogRecord, content_path: Path) -> tuple[Path | None, BaseException | None]:
    """The content file (under `content_path`, Pelican's PATH) an error record is about, and
    the exception behind it, when known.

    Pelican has no public hook for a file it failed to read, so this relies on an internal
    (pelican.generators, as of pelican==4.12.0): such a file is logged as "Could not process
    %s" with its path, relative to PATH, as the argument, from inside the `except` block, so
    the exception is the one being handled (the record carries it only with DEBUG).
    """
    exc = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
    for arg in record.args if isinstance(record.args, tuple) else ():
        if isinstance(arg, (str, Path)) and str(arg).endswith(CONTENT_SUFFIXES):
            return content_path / arg, exc  # an absolute path stays as it is
    return None, exc


def _locate(path, exc):
    """`file:line` for a bad metadata value: the header line whose value the error quotes."""
    line_number = 1
    if exc is not None and path.is_file():
        text = str(exc)
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                break  # end of the metadata header
            value = line.partition(":")[2].strip()
            if value and value in text:
                line_number = number
                break
    return f"{_display(path)}:{line_number}"


def _display(path):
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_collector = ErrorCollector()


def start_collecting(pelican_object) -> None:
    _collector.problems.clear()
    _collector.content_path = Path(pelican_object.settings["PATH"])
    logger = logging.getLogger("pelican")
    if _collector not in logger.handlers:
        logger.addHandler(_collector)


def fail_if_errors(pelican_object) -> None:
    if _collector.problems:
        problems = list(_collector.problems)
        _collector.problems.clear()
        raise BuildFailed(
            "the build logged {} error(s):\n{}".format(len(problems), "\n".join(problems))
        )


def register() -> None:
    signals.initialized.connect(start_collecting)
    signals.finalized.connect(fail_if_errors)
