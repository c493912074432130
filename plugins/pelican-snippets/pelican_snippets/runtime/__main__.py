"""`python RUNTIME service SOCKET_FD JOBS [spawn]` or `python RUNTIME worker PLAN_PATH`.

Running this folder puts it first on sys.path, where a post's own `worker`
or `wire` module would find ours instead of its own. So that entry goes, and
the package is loaded under a private name, its modules importing each
other relatively.
"""

import importlib.util
import os
import sys

NAME = "_snippets_runtime"


def load() -> object:
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]
    spec = importlib.util.spec_from_file_location(NAME, os.path.join(here, "__init__.py"),
                                                  submodule_search_locations=[here])
    package = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = package
    spec.loader.exec_module(package)
    return package


if __name__ == "__main__":
    load()
    role, arguments = sys.argv[1], sys.argv[2:]
    if role == "service":
        from _snippets_runtime.service import main as serve
        serve(int(arguments[0]), int(arguments[1]), arguments[2:] == ["spawn"])
        # Its children are gone and it has nothing to flush: the build waits for this
        # process to end, and tearing the interpreter down would only make it wait longer.
        os._exit(0)
    elif role == "worker":
        from _snippets_runtime.worker import main as work
        work(arguments[0])
    else:
        sys.exit(f"unknown role {role!r}: expected service or worker")
