"""The runtime package runs unchanged under every CPython from 3.9 on that this machine has.

Each interpreter starts its own snippet service, forks (or spawns) a post's
process and runs python, pycon and shell blocks, a failure with its
traceback, and a timeout: the same outcomes as on the build's own Python.
"""

import contextlib
import os

import pytest

from pelican_snippets.client.requests import job_request, job_results
from pelican_snippets.client.service import snippet_service
from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.matrix.interpreters import find_interpreters, search_places
from pelican_snippets.plan import plan_document

OLDEST = (3, 9)
# What this machine image has, so CI must find each of them (it runs on the same image).
EXPECTED_ON_CI = ["3.9", "3.10", "3.11", "3.12", "3.13"]
INTERPRETERS = {minor: found for minor, found in find_interpreters().items()
                if tuple(map(int, minor.split("."))) >= OLDEST}

POST = """Title: Versions

```python
import sys
print(sys.version_info[:2])
```

```pycon
>>> sorted({3, 1, 2})
[1, 2, 3]
```

```bash run
python -c 'import sys; print(sys.version_info.minor)'
```

```python isolated
def divide(a, b):
    return a / b

divide(1, 0)
```

```python isolated timeout=0.5
while True:
    pass
```
"""


def test_every_expected_interpreter_is_found():
    """CI runs on this machine's image; elsewhere, whatever is found is tested."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI's machine is known to have every version")
    missing = [minor for minor in EXPECTED_ON_CI if minor not in INTERPRETERS]
    assert not missing, f"no Python {', '.join(missing)} found in: {'; '.join(search_places())}"


@pytest.mark.parametrize("spawn", [False, True], ids=["forked", "spawned"])
@pytest.mark.parametrize("minor", sorted(INTERPRETERS, key=lambda v: tuple(map(int, v.split(".")))))
def test_the_runtime_runs_blocks_under(minor, spawn):
    interpreter = INTERPRETERS[minor]
    config = Config(timeout=20, memory_limit_mb=512, jobs=2, cache_dir=None)
    jobs, _ = plan_document(read_document(POST, "content/posts/versions.md"), [interpreter])
    service = snippet_service(config, spawn=spawn, python=interpreter.path)
    with contextlib.closing(service):
        answers = [service().submit(job_request(job, config)) for job in jobs]
        results = {result.block.number: result
                   for job, answer in zip(jobs, answers, strict=True) for result in job_results(job, answer)}
    major, minor_number = interpreter.version.split(".")[:2]
    assert results[1].status == "passed" and results[1].stdout == f"({major}, {minor_number})\n"
    assert results[2].status == "passed"
    assert results[3].status == "passed" and results[3].stdout == f"{minor_number}\n"
    assert results[4].status == "failed"
    assert results[4].message == "raised ZeroDivisionError: division by zero"
    assert results[4].line == 19
    assert 'File "content/posts/versions.md", line 19, in divide' in results[4].details
    assert results[5].status == "failed" and results[5].message.startswith("timed out after 0.5 s")
