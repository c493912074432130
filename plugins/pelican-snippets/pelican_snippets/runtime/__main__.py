"""`python RUNTIME service SOCKET_FD` or `python RUNTIME worker PLAN_PATH`.

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


def import_roles():
    """The runtime's modules, with their bytecode cache written if it is missing or stale.

    The environment says not to write bytecode (PYTHONDONTWRITEBYTECODE), for
    the posts' own modules. The runtime's is worth keeping: compiling it at
    every start leaves the compiler's garbage in the process every child is
    forked from, and each fork then costs more.
    """
    previous, sys.dont_write_bytecode = sys.dont_write_bytecode, False
    try:
        load()
        from _snippets_runtime import service, worker
    finally:
        sys.dont_write_bytecode = previous
    return service, worker


if __name__ == "__main__":
    service, worker = import_roles()
    role, arguments = sys.argv[1], sys.argv[2:]
    if role == "service":
        service.main(int(arguments[0]))
        # Its children are gone and it has nothing to flush: the build waits for this
        # process to end, and tearing the interpreter down would only make it wait longer.
        os._exit(0)
    elif role == "worker":
        worker.main(arguments[0])
    else:
        sys.exit(f"unknown role {role!r}: expected service or worker")
