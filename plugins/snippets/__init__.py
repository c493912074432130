"""Snippet verification: every Python block of every post runs on every build.

The data flows one way: the reader finds the blocks (reader, fences,
options), the plan groups them into processes (plan), the runner runs them
bounded, cached and in parallel (pipeline, cache, runner, worker), the results
are judged (compare), rendered into the pages (render) and the report page
(site_report), and reported to the author (report).
"""

import platform
import time

from pelican import signals

from .config import ConfigError, load_config
from .pipeline import verify_documents
from .reader import METADATA_KEY, SnippetMarkdownReader
from .render import fill_placeholders, summarize
from .report import print_report, progress_bar
from .site_report import CONTEXT_KEY, get_generators



class VerificationFailed(SystemExit):
    """Ends the build with exit status 1 and the `file:line` lines, without a traceback."""

    def __init__(self, message):
        super().__init__(f"Snippet verification failed: {message}")
        self.message = message

_state = {"verification": None}


def configure(pelican_object):
    """Validate SNIPPETS once, before anything is read."""
    try:
        config = load_config(pelican_object.settings)
    except ConfigError as error:
        raise VerificationFailed(f"settings: {error}") from None
    pelican_object.settings["SNIPPETS_CONFIG"] = config


def install_reader(readers):
    for extension in SnippetMarkdownReader.file_extensions:
        if extension in readers.reader_classes:
            readers.reader_classes[extension] = SnippetMarkdownReader


def verify(generators):
    """Run the blocks of every content object that has any, then fill in its HTML."""
    config = generators[0].settings["SNIPPETS_CONFIG"]
    contents = [content for content in generators[0].context["generated_content"].values()
                if getattr(content, METADATA_KEY, None) is not None]
    documents = [getattr(content, METADATA_KEY) for content in contents]
    if not config.enabled:
        documents = []
    with progress_bar(sum(len(document.blocks) for document in documents)) as advance:
        verification = verify_documents(documents, config, on_result=advance)
    verification.pages = {getattr(c, METADATA_KEY).source: (c.title, c.url) for c in contents}
    _state["verification"] = verification
    generators[0].context[CONTEXT_KEY] = verification
    show_failures = config.on_failure == "report"
    today = time.strftime("%d %b %Y").lstrip("0")
    for content in contents:
        document = getattr(content, METADATA_KEY)
        results = verification.results.get(document.source, [])
        _replace_content(content, fill_placeholders(content._content, document, results, show_failures))
        if results:
            content.snippet_summary = summarize(results, platform.python_version(), today)
    if documents:
        print_report(verification)
    if verification.failed and config.on_failure == "fail":
        _fail(verification, "nothing was written")


def finish(pelican_object):
    """In report mode the pages are written with their error boxes; now fail the process."""
    verification = _state["verification"]
    _state["verification"] = None
    if verification is not None and verification.failed:
        _fail(verification, "the pages were written with the errors shown in them")


def _fail(verification, consequence):
    failures = [result for result in verification.all_results() if result.failed]
    lines = [problem.error_line() for problem in verification.problems]
    lines += [result.error_line() for result in failures]
    raise VerificationFailed(f"{len(lines)} snippet error(s); {consequence}:\n" + "\n".join(lines))


def _replace_content(content, html):
    """Set the rendered HTML, forgetting any copy Pelican memoized before."""
    content._content = html
    cache = type(content).get_content.cache
    for key in [key for key in cache if key and key[0] is content]:
        del cache[key]


def register():
    signals.initialized.connect(configure)
    signals.readers_init.connect(install_reader)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(verify)
    signals.finalized.connect(finish)
