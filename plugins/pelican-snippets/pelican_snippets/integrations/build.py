"""The Pelican side of the plugin: the reader, and the signal handlers around a build.

Kept apart from the rest so that the command line and the pytest plugin can
verify posts without importing Pelican.
"""

from __future__ import annotations

import gc
import logging
import time

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

from .. import internals
from ..config import ConfigError, load_config, sandbox_required_but
from ..extract.collect import INPUTS_KEY, METADATA_KEY, display_path, new_document
from ..extract.processors import AtomicPlaceholders, PlaceholdersIntoPre, SnippetCollector
from ..matrix.interpreters import this_interpreter
from ..matrix.pythons import Matrix, PythonMissing, resolve_pythons
from ..present.console import failure_lines, print_report, progress_bar
from ..present.html import fill_placeholders, summarize
from ..present.site_page import CONTEXT_KEY, SnippetReportGenerator, get_generators
from ..runtime.wire import REQUIRED
from ..verify.pipeline import Verifier


class VerificationFailed(SystemExit):
    """Ends the build with exit status 1 and the `file:line` lines, without a traceback."""

    def __init__(self, message):
        super().__init__(f"Snippet verification failed: {message}")
        self.message = message


_state = {"verifier": None, "verification": None}
log = logging.getLogger(__name__)


def configure(pelican_object) -> None:
    """Validate SNIPPETS once, before anything is read."""
    try:
        config = load_config(pelican_object.settings)
    except ConfigError as error:
        raise VerificationFailed(f"settings: {error}") from None
    settings = pelican_object.settings
    private = [settings.get(name) for name in ("PATH", "OUTPUT_PATH", "CACHE_PATH")]
    settings["SNIPPETS_CONFIG"] = config = config._replace(private_paths=tuple(filter(None, private)))
    try:
        # Disabled, nothing runs: the interpreters are not looked for.
        settings["SNIPPETS_MATRIX"] = resolve_pythons(config) if config.enabled else Matrix((this_interpreter(),))
    except PythonMissing as error:
        raise VerificationFailed(str(error).removeprefix("snippets: ")) from None


def start_run(pelican_object) -> None:
    """At the start of every run (autoreload runs many): a fresh verifier for the blocks read.

    Connected to get_generators, which Pelican sends once per run; returns no generator.
    """
    stale = _state["verifier"]
    if stale is not None:  # a run that stopped before verifying
        stale.close()
    config = pelican_object.settings["SNIPPETS_CONFIG"]
    matrix = pelican_object.settings["SNIPPETS_MATRIX"]
    _state["verifier"] = Verifier(config, matrix=matrix, report=_say) if config.enabled else None


def install_reader(readers) -> None:
    for extension in SnippetMarkdownReader.file_extensions:
        if extension in readers.reader_classes:
            readers.reader_classes[extension] = SnippetMarkdownReader


def verify(generators: list) -> None:
    """Run the blocks of every content object that has any, then fill in its HTML."""
    config = generators[0].settings["SNIPPETS_CONFIG"]
    for generator in generators:
        if isinstance(generator, SnippetReportGenerator):
            generator.render_with(generators[0])  # the articles', which render first
    contents = [content for content in generators[0].context["generated_content"].values()
                if getattr(content, METADATA_KEY, None) is not None]
    verifier, _state["verifier"] = _state["verifier"], None
    documents = [getattr(content, METADATA_KEY) for content in contents] if verifier else []
    if verifier is None:  # disabled: nothing is submitted, every placeholder is emptied
        verifier = Verifier(config, matrix=generators[0].settings["SNIPPETS_MATRIX"], report=_say)
    for document in documents:
        verifier.submit(document)  # those Pelican's own cache kept from being read; others are running
    # Pelican's heap is large by now; set it aside so collections while the
    # children run scan only what verification allocates (twice as fast).
    gc.freeze()
    try:
        runs = sum(len(document.blocks) for document in documents) * len(verifier.verification.pythons)
        with progress_bar(runs) as advance:
            verification = verifier.finish(on_result=advance)
    finally:
        gc.unfreeze()
    verification.pages = {getattr(c, METADATA_KEY).source: (c.title, c.url) for c in contents}
    _state["verification"] = verification
    generators[0].context[CONTEXT_KEY] = verification
    show_failures = config.on_failure == "report"
    today = time.strftime("%d %b %Y").lstrip("0")
    for content in contents:
        document = getattr(content, METADATA_KEY)
        results = verification.results.get(document.source, [])
        internals.replace_html(content, fill_placeholders(internals.raw_html(content), document, results,
                                                          show_failures))
        if results:
            content.snippet_summary = summarize(results, today, verification.pythons)
    if documents:
        print_report(verification)
    if verification.sealed is False and config.sandbox == REQUIRED:
        raise VerificationFailed(f"{sandbox_required_but(verification.unsealed_because)}; nothing was written")
    if verification.failed and config.on_failure == "fail":
        _fail(verification, "nothing was written")


def finish(pelican_object) -> None:
    """In report mode the pages are written with their error boxes; now fail the process."""
    verification = _state["verification"]
    _state["verification"] = None
    if verification is not None and verification.failed:
        _fail(verification, "the pages were written with the errors shown in them")


def _say(line):
    """A progress line (an environment being built), through Pelican's console."""
    from pelican.log import console

    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _fail(verification, consequence):
    lines = failure_lines(verification.all_results(), verification.problems, details=False)
    raise VerificationFailed(f"{len(lines)} snippet error(s); {consequence}:\n" + "\n".join(lines))


class SnippetMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, plus the block collector; the document goes into the metadata.

    Its `read` is Pelican's (internals.check() notices when that changes),
    except that it keeps one Markdown instance and resets it between files,
    as Python-Markdown intends: building one (loading every extension) costs
    about as much as converting a short post.
    """

    def read(self, source_path) -> tuple[str, dict]:
        config = self.settings["SNIPPETS_CONFIG"]
        document = new_document(display_path(source_path))
        md = self._reset_markdown()
        internals.start_reading(self, md, source_path)
        collector = SnippetCollector(md, document, config.languages)
        md.preprocessors.register(collector, "snippets", internals.COLLECTOR_PRIORITY)
        md.treeprocessors.register(AtomicPlaceholders(md, collector), "snippets", internals.ATOMIC_PRIORITY)
        md.postprocessors.register(PlaceholdersIntoPre(md, document), "snippets", internals.MOVE_PRIORITY)
        with pelican_open(source_path) as text:
            content = md.convert(text)
        metadata = internals.parse_metadata(self, md.Meta) if hasattr(md, "Meta") else {}
        metadata.pop(INPUTS_KEY, None)  # the collector read them with the header (extract/collect.py)
        if document.blocks or document.problems:
            metadata[METADATA_KEY] = document
            if _state["verifier"] is not None:
                _state["verifier"].submit(document)  # its blocks start now, while Pelican reads on
        return content, metadata

    def _reset_markdown(self):
        md = getattr(self, "_reusable", None)
        if md is None:
            md = self._reusable = Markdown(**self.settings["MARKDOWN"])
            self._meta = md.preprocessors[internals.META]
        md.reset()
        if internals.META not in md.preprocessors:  # parsing metadata removed it for the formatted fields
            md.preprocessors.register(self._meta, internals.META, internals.META_PRIORITY)
        return md


def warn_about_internals() -> None:
    """On a Pelican or Python-Markdown other than the one checked, say which internal changed."""
    import markdown
    import pelican

    if (pelican.__version__, markdown.__version__) == (internals.PELICAN_CHECKED, internals.MARKDOWN_CHECKED):
        return
    for change in internals.check():
        log.warning("snippets: %s", change)


def connect_signals() -> None:
    warn_about_internals()
    signals.initialized.connect(configure)
    signals.get_generators.connect(start_run)
    signals.readers_init.connect(install_reader)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(verify)
    signals.finalized.connect(finish)
