"""The guard in front of every publish: a production build into a fresh directory.

Nothing is uploaded or pushed unless this build succeeds. The build runs in its
own Pelican process with publishconf.py, where a failing snippet stops the build
(SNIPPETS on_failure "fail") and strict_build turns any logged error into a
non-zero exit, so one check of the exit status covers both.
"""

import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import PublishError


@contextmanager
def fresh_build(build):
    """Yield the directory of a successful production build; remove it afterwards.

    `build(output_dir)` runs Pelican into output_dir and returns its exit status.
    The directory is new and empty, so no file left over from an earlier build
    (output/, say) can reach the server.
    """
    with tempfile.TemporaryDirectory(prefix="devnotes-publish-") as tmp:
        site = Path(tmp) / "site"
        print("==> building the site with publishconf.py into a fresh directory", flush=True)
        status = build(site)
        if status != 0:
            raise PublishError(
                f"the production build failed (exit status {status}): a snippet failed or "
                "the build logged an error (see above). Nothing was uploaded or pushed."
            )
        if not (site / "index.html").is_file():
            raise PublishError(
                "the build finished but wrote no index.html; refusing to publish an "
                "incomplete site. Nothing was uploaded or pushed."
            )
        yield site
