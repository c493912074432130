"""What several of the snippet plugin's test modules use: run Markdown through the plugin, build, example posts.

A plain module, imported as `from .helpers import ...`; the fixtures are in conftest.py.
"""

import contextlib
import os
import runpy
import subprocess
import sys
from pathlib import Path

from pelican_snippets.client.requests import run_job
from pelican_snippets.client.service import snippet_service
from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.plan import plan_document
from pelican_snippets.verify.judge import judge

ROOT = Path(__file__).resolve().parents[2]
# The interpreters the real settings verify on (CI's machine has every one): builds of the
# fixture sites run each block once on each.
PYTHONS = runpy.run_path(str(ROOT / "pelicanconf.py"))["SNIPPETS"]["pythons"]
N = len(PYTHONS)
ON_ALL = f"on Python {', '.join(PYTHONS)}"   # in the error line of a block that fails on every one



def on_each(counts):
    """The summary line's counts, the same on each of PYTHONS."""
    return "; ".join(f"Python {version}: {counts}" for version in PYTHONS)


THIS = f"{sys.version_info.major}.{sys.version_info.minor}"  # the build's own, which a project without
ON_THIS = f"on Python {THIS}"                                 # `pythons` verifies on


def run_markdown(text, source="content/posts/t.md", forked=True, **config):
    """Read Markdown text, run every job it plans, return {block number: result}.

    Forked children come from the service's pre-started interpreter, as in
    builds; otherwise each is a freshly started interpreter.
    """
    settings = Config(**{"timeout": 10, "memory_limit_mb": 512, "jobs": 1, **config})
    document = read_document(text, source)
    jobs, settled = plan_document(document)
    results = list(settled)

    with contextlib.closing(snippet_service(settings, spawn=not forked)) as service:
        for job in jobs:
            results += run_job(job, settings, service())
    return {result.block.number: result for result in results}


def judged(text, **config):
    """run_markdown, each result then judged against the output fence after its block, as builds do."""
    return {number: judge(result) for number, result in run_markdown(text, **config).items()}


def fence(code, info="python"):
    return f"```{info}\n{code}\n```\n"


# Posts of the fixture sites that real Pelican builds are run on.

BROKEN_POST = """Title: Broken
Date: 2024-05-01 10:00
Slug: broken
Summary: A post whose second snippet fails.

This block is fine.

```python
greeting = "hello"
print(greeting)
```

This one is not.

```python
print(greting)
```
"""

GOOD_POST = """Title: Fine
Date: 2024-05-02 10:00
Slug: fine
Summary: A post whose snippets pass.

```python output
print(sum(range(4)))
```
"""


def build(content, output, settings="pelicanconf.py", **env):
    """Build with the real settings; results are cached beside the content, not in the repo."""
    env = {**os.environ, "SNIPPETS_CACHE_DIR": str(Path(content).parent / "cache"), **env}
    return subprocess.run(
        [sys.executable, "-m", "pelican", str(content), "-s", settings, "-o", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)


def settings_file(path, extra):
    """The development settings plus `extra` lines, in a file outside the repository."""
    path.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
                    f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n" + extra)
    return str(path)


# The one post of the `project` fixture (conftest.py): a small project verified without Pelican.

PROJECT_POST = """Title: P
Date: 2024-01-01
Summary: s

Intro.

```python
import sys
print("fine")
```

```output
fine
```

```python
print(undefined)
```
"""


def processes_running(argv, wait=5.0):
    """The pids of live processes (on this machine, whatever their namespace) whose command
    line is argv, once those that are ending have had `wait` seconds to go."""
    import time

    wanted = ("\0".join(argv) + "\0").encode()
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes() == wanted \
                        and (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    found.append(int(entry.name))
            except OSError:
                continue  # it ended while we looked
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
