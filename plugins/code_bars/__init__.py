"""A bar above every highlighted code block: the fence's language and a copy button.

Both are in the HTML, so the label shows without JavaScript and the page's script adds
nothing to the page as it loads; the stylesheet shows the button only when the head
script found a clipboard. This module is the one place that knows the bar's markup: it
writes it (through the Pygments formatter that Markdown's codehilite uses) and removes
it where it does not belong: from the text whose words are counted (the Jinja filter
`without_code_bars`), and the copy button from feeds, whose readers never run the
site's script.
"""

import re
from html import escape

from pelican import signals
from pygments.formatters import HtmlFormatter
from pygments.token import Token

__all__ = ["CodeFormatter", "code_bar", "register", "strip_code_bars", "strip_copy_buttons"]

CODEHILITE = "markdown.extensions.codehilite"

_BAR_START = '<div class="code-bar" data-pagefind-ignore>'
_BUTTON_START = '<button type="button" class="copy-button">'
# A bar still matches once a sanitizer (a feed reader's, say) has dropped its data- attribute.
_BAR = re.compile(r'<div class="code-bar"[^>]*>.*?</div>', re.S)
_BUTTON = re.compile(re.escape(_BUTTON_START) + ".*?</button>", re.S)


def code_bar(lang_str: str) -> str:
    """The bar of a block whose codehilite `lang_str` is e.g. `language-python` ("" without one)."""
    lang = lang_str.removeprefix("language-") or "text"
    label = "Expected output" if lang == "output" else lang
    bar = f"{_BAR_START}<span>{escape(label)}</span>"
    if lang != "output":  # expected output is there to be read, not run
        bar += (f"{_BUTTON_START}<span>Copy</span>"
                f'<span class="visually-hidden"> {escape(lang)} code</span></button>')
    return bar + "</div>"


def strip_code_bars(html: str) -> str:
    """`html` without its code bars, whose labels and buttons are not words of the post."""
    return _BAR.sub("", html)


def strip_copy_buttons(html: str) -> str:
    """`html` with its code bars' labels but without their copy buttons."""
    return _BUTTON.sub("", html)


class CodeFormatter(HtmlFormatter):
    """Pygments' HTML with the code bar above each block and the fence's language on <code>.

    Markdown's codehilite passes `lang_str` only to a formatter class of its own, never
    to Pygments' one: the theme styles ```output blocks by it. Tokens the theme never
    colours (plain names, punctuation, spaces) get no <span>: on a code-heavy page those
    would be much of its weight and most of its elements.
    """

    PLAIN = {Token.Text, Token.Text.Whitespace, Token.Name, Token.Punctuation}

    def __init__(self, lang_str="", **options):
        super().__init__(**options)
        self.lang_str = lang_str

    def format(self, tokensource, outfile):
        # A plain token becomes the root type, which has no class: no <span> for it.
        plain = ((Token if ttype in self.PLAIN else ttype, value) for ttype, value in tokensource)
        return super().format(plain, outfile)

    def wrap(self, source):
        code_class = f' class="{escape(self.lang_str)}"' if self.lang_str else ""
        yield 0, f"{code_bar(self.lang_str)}<pre><code{code_class}>"
        yield from source
        yield 0, "</code></pre>"


def configure(pelican_object) -> None:
    """Have codehilite use the formatter, and give the templates the filter."""
    settings = pelican_object.settings
    markdown = settings["MARKDOWN"]
    configs = dict(markdown.get("extension_configs", {}))
    configs[CODEHILITE] = {**configs.get(CODEHILITE, {}), "pygments_formatter": CodeFormatter}
    settings["MARKDOWN"] = {**markdown, "extension_configs": configs}
    settings["JINJA_FILTERS"] = {**settings.get("JINJA_FILTERS", {}), "without_code_bars": strip_code_bars}


def clean_feed(context, feed) -> None:
    """Drop the copy buttons from each feed entry's HTML (the labels stay)."""
    for entry in feed.items:
        for key in ("description", "content"):
            if entry.get(key):
                entry[key] = strip_copy_buttons(entry[key])


def register() -> None:
    signals.initialized.connect(configure)
    signals.feed_generated.connect(clean_feed)
