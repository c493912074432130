"""Sealed runs: each guarantee of the sandbox, tried by a block that sets out to break it.

Each test runs real blocks in real namespaces. Where the guarantee is about
something the block could otherwise do, the same block is also run with
`sandbox="off"`, to show that the test would catch the breach. CI's machine
has user namespaces: there these tests run, and a missing namespace fails them.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from required import require

from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.verify.pipeline import verify_documents

from .helpers import ROOT, fence, processes_running, run_markdown

PLUGIN = ROOT / "plugins" / "pelican-snippets"
# What a post's own /tmp shows besides its files: the way to the interpreter, when that lives
# under /tmp (a clone of the project there, with its .venv).
WAY_IN_TMP = sorted({Path(prefix).parts[2] for prefix in (sys.prefix, sys.base_prefix)
                     if Path(prefix).is_relative_to("/tmp")})


def _marker(base):
    """A command-line argument no other process on the machine has."""
    return f"{base + int.from_bytes(os.urandom(2), 'big') / 65536:.5f}"


@pytest.mark.parametrize("how", [
    "subprocess.Popen(['sleep', M], start_new_session=True)",
    "subprocess.Popen(['setsid', 'sleep', M])",
    "subprocess.Popen(['sh', '-c', 'sleep ' + M + ' & exit 0'])",  # the shell's child is orphaned at once
    "pid = os.fork()\nif pid == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execvp('sleep', ['sleep', M])\n"
    "    os._exit(0)\nos.waitpid(pid, 0)",  # a daemon's double fork
])
def test_nothing_a_post_starts_outlives_it(how):
    marker = _marker(300)
    code = f"import os, subprocess\nM = {marker!r}\n{how}\nprint('started')"
    result = run_markdown(fence(code))[1]
    assert result.status == "passed" and result.sealed, result.message
    assert not processes_running(["sleep", marker])


def test_without_the_sandbox_a_daemon_outlives_its_post():
    marker = _marker(300)
    code = f"import subprocess\nsubprocess.Popen(['sleep', {marker!r}], start_new_session=True)"
    assert run_markdown(fence(code), sandbox="off")[1].status == "passed"
    survivors = processes_running(["sleep", marker], wait=0)
    for pid in survivors:
        os.kill(pid, 9)
    assert survivors


SNOOP = """import os
found = {}
for pid in sorted(name for name in os.listdir('/proc') if name.isdigit()):
    try:
        found[pid] = (open(f'/proc/{pid}/environ', 'rb').read().decode(errors='replace'),
                      os.readlink(f'/proc/{pid}/cwd'))
    except OSError as error:
        found[pid] = ('', type(error).__name__)
print(sorted(found), SECRET in repr(found), sorted({cwd for _, cwd in found.values()}))
"""


def test_a_post_sees_only_its_own_processes_and_nothing_of_the_builders_environment(tmp_path):
    """The build runs in a process started with a secret in its environment, as a token would be:
    its /proc entry shows it to any process that can see it."""
    secret = f"token-{os.urandom(8).hex()}"
    script = tmp_path / "build.py"
    script.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                      "from tests.snippets.helpers import fence, run_markdown\n"
                      f"code = {('SECRET = ' + repr(secret) + chr(10) + SNOOP)!r}\n"
                      "print(run_markdown(fence(code), sandbox=sys.argv[1])[1].stdout, end='')\n")
    environment = {**os.environ, "SNIPPET_TEST_SECRET": secret}
    sealed, unsealed = (subprocess.run([sys.executable, str(script), sandbox], env=environment, cwd=ROOT,
                                       capture_output=True, text=True, timeout=120).stdout
                        for sandbox in ("auto", "off"))
    assert sealed == "['1'] False ['/tmp']\n"  # itself alone, in its own directory
    assert " True " in unsealed and str(ROOT) in unsealed  # unsealed, the build's environ and folder show


def test_a_post_cannot_signal_the_build_or_the_service(run):
    code = ("import os, signal\nfor pid in (os.getppid(), 0, -1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n"
            "    except OSError as error:\n        print(pid, type(error).__name__)\nprint('alive')")
    documents = [read_document(fence(code), "content/posts/killer.md")] + [
        read_document(fence(f"print({n})"), f"content/posts/p{n}.md") for n in range(3)]
    verification = verify_documents(documents, Config(jobs=2, cache_dir=None, timeout=20))
    results = {result.block.source: result for result in verification.all_results()}
    killer = results.pop("content/posts/killer.md")
    # Its parent is outside its PID namespace (0), and it is that namespace's first process,
    # which signals from inside do not reach: every kill lands on nothing it does not own.
    assert killer.status == "passed" and killer.stdout.endswith("alive\n"), killer.message
    assert all(result.status == "passed" and result.sealed for result in results.values())


def test_a_post_writes_only_in_its_own_directory(tmp_path):
    project_file = ROOT / "README.md"
    before = project_file.read_bytes()
    targets = [str(project_file), str(tmp_path / "outside.txt"), "/etc/snippet-test", "/usr/snippet-test",
               os.path.expanduser("~/snippet-test"), "/var/log/snippet-test", "/dev/shm/../snippet-test"]
    code = (f"import os\nfor path in {targets!r}:\n    try:\n        open(path, 'w').write('x')\n"
            "        print('wrote', path)\n    except OSError as error:\n        print(type(error).__name__)\n"
            "open('mine.txt', 'w').write('mine')\nopen('/tmp/also-mine.txt', 'w').write('mine')\n"
            "open('/var/tmp/mine-too.txt', 'w').write('mine')\n"  # /var/tmp is its /tmp
            "open('/dev/null', 'w').write('x')\nprint(sorted(os.listdir('.')))")
    result = run_markdown(fence(code))[1]
    assert result.status == "passed", result.details
    assert "wrote" not in result.stdout
    assert result.stdout.endswith(f"{sorted(['also-mine.txt', 'mine-too.txt', 'mine.txt'] + WAY_IN_TMP)}\n")
    assert project_file.read_bytes() == before and not (tmp_path / "outside.txt").exists()
    assert not Path("/etc/snippet-test").exists() and not Path(os.path.expanduser("~/snippet-test")).exists()
    # The post's directory went with it: the next post starts with an empty one.
    assert run_markdown(fence("import os\nprint(sorted(os.listdir('.')))"))[1].stdout == f"{WAY_IN_TMP}\n"


def test_a_post_cannot_read_the_authors_home_or_the_project(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\n")
    monkeypatch.setenv("HOME", str(home))
    paths = [str(home / ".ssh" / "id_ed25519"), str(home / ".aws" / "credentials"), str(ROOT / "pelicanconf.py"),
             str(ROOT / "content")]
    code = (f"import os\nfor path in {paths!r}:\n    try:\n        os.stat(path)\n        print('visible', path)\n"
            "    except OSError as error:\n        print(type(error).__name__)\n"
            "import json, markdown, sys\nprint(os.path.exists(sys.executable))")  # markdown: the venv's
    result = run_markdown(fence(code))[1]
    assert result.status == "passed", result.details
    assert result.stdout == "FileNotFoundError\n" * 4 + "True\n"  # while the interpreter keeps working
    assert "visible" in run_markdown(fence(code), sandbox="off")[1].stdout


def test_a_post_has_a_dev_of_its_own_without_disks_or_the_authors_terminals():
    code = ("import multiprocessing, os\nprint(sorted(os.listdir('/dev')))\nprint(os.listdir('/dev/pts'))\n"
            "leader, follower = os.openpty()\nprint(os.ttyname(follower))\n"
            "with multiprocessing.Pool(2) as pool:\n    print(pool.map(abs, [-1, -2]))")
    result = run_markdown(fence(code))[1]
    assert result.status == "passed" and result.sealed, result.details
    assert result.stdout.splitlines() == [
        "['fd', 'full', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', "
        "'zero']",
        "['ptmx']",          # no terminal but the ones it opens
        "/dev/pts/0",
        "[1, 2]",            # multiprocessing's semaphores live in its own /dev/shm
    ]


def test_a_root_build_runs_its_posts_as_nobody():
    """The machine's root could read other users' files and keys in /etc, and write to disks'
    device files: a post of a build run as root is nobody (real, effective, saved and file
    system ids alike), without a capability, and its own /proc stays readable."""
    code = ("import os\nprint(os.getuid(), os.getgid(), os.getgroups(), os.stat('.').st_uid)\n"
            "try:\n    open('/etc/shadow').read()\nexcept OSError as error:\n    print(type(error).__name__)\n"
            "print(os.readlink('/proc/self/cwd'), open('/dev/stdout', 'w').write(''))\n"
            "status = dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines())\n"
            "print([status[key].split() for key in ('Uid', 'Gid', 'CapInh', 'CapPrm', 'CapEff', 'CapAmb', "
            "'NoNewPrivs')])")
    result = run_markdown(fence(code))[1]
    assert result.status == "passed" and result.sealed, result.details
    uid, gid = (65534, 65534) if os.getuid() == 0 else (os.getuid(), os.getgid())
    no_capability = ["0000000000000000"]
    ids = [[str(uid)] * 4, [str(gid)] * 4, no_capability, no_capability, no_capability, no_capability, ["1"]]
    if os.getuid() == 0:
        assert result.stdout == f"65534 65534 [] 65534\nPermissionError\n/tmp 0\n{ids}\n"
    else:
        assert result.stdout.startswith(f"{os.getuid()} {os.getgid()} ")
        assert result.stdout.endswith(f"{ids}\n")


def test_a_post_sees_the_systems_programs_and_settings_and_nothing_else_of_the_machine():
    """Of a folder that holds the interpreter (the project's .venv, a home's pyenv), only the way to it."""
    paths = ["/usr/bin/env", "/etc/passwd", "/var/log", "/var/lib", "/run", "/home", "/mnt", "/srv"]
    code = (f"import os\nprint([os.path.exists(path) for path in {paths!r}])\nprint(sorted(os.listdir('/')))\n"
            f"print(os.listdir({str(ROOT)!r}) if os.path.isdir({str(ROOT)!r}) else [])")
    result = run_markdown(fence(code))[1]
    assert result.status == "passed", result.details
    exists, top, project = map(eval, result.stdout.splitlines())
    assert exists == [True, True] + [False] * 6
    ways = {part for prefix in (sys.prefix, sys.base_prefix) for part in Path(prefix).parts[1:]}
    assert set(top) <= {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "opt", "proc", "sys", "dev",
                        "tmp", "var"} | ways
    assert set(project) <= ways  # .venv, if the interpreter is the project's


@pytest.fixture
def loopback_server():
    """A TCP server on 127.0.0.1 that greets each connection, for the length of a test."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"hello from the build's network\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_posts_running_at_once_each_have_a_loopback_of_their_own():
    """Four posts serve on the same port at the same time, and each reaches its own server."""
    code = ("import socket, time\nserver = socket.create_server(('127.0.0.1', 8765))\n"
            "client = socket.create_connection(('127.0.0.1', 8765))\nconnection, _ = server.accept()\n"
            "connection.sendall(MINE)\nprint(client.recv(10).decode())\ntime.sleep(0.5)")
    documents = [read_document(fence(f"MINE = b'post {n}'\n" + code), f"content/posts/p{n}.md") for n in range(4)]
    verification = verify_documents(documents, Config(jobs=4, cache_dir=None, timeout=20))
    assert [(result.status, result.stdout) for result in verification.all_results()] == [
        ("passed", f"post {n}\n") for n in range(4)]


@pytest.mark.parametrize("kind", ["python", "shell"])
def test_the_network_is_refused_unless_a_block_asks_for_it(loopback_server, kind):
    port = loopback_server
    if kind == "python":
        code = (f"import socket\ntry:\n    with socket.create_connection(('127.0.0.1', {port}), timeout=5) as s:\n"
                "        print(s.recv(100).decode().strip())\n"
                "except OSError as error:\n    print(type(error).__name__)")
        info = "python"
    else:
        code = f"exec 3<>/dev/tcp/127.0.0.1/{port} && head -n1 <&3 || echo refused"
        info = "bash run"
    sealed = run_markdown(fence(code, info))[1]
    assert sealed.sealed and not sealed.network
    assert sealed.stdout.strip().splitlines()[-1] in ("ConnectionRefusedError", "refused")
    allowed = run_markdown(fence(code, f"{info} network"))[1]
    assert allowed.sealed and allowed.network
    assert allowed.stdout == "hello from the build's network\n"


@pytest.mark.parametrize("info, code, stdout", [
    ("bash run", "ls /proc | grep -c '^[0-9]*$'\n(touch /usr/x 2>&1 || true) | sed 's/.*Read-only.*/read-only/'\n"
                 "ls -a ~ | head -2\npwd", "4\nread-only\n.\n..\n/tmp\n"),  # the worker, bash, ls and grep
    ("console run", "$ ls /proc | grep -c '^[0-9]*$'\n4\n$ pwd\n/tmp", "4\n/tmp\n"),
])
def test_shell_blocks_are_sealed_the_same_way(info, code, stdout):
    result = run_markdown(fence(code, info))[1]
    assert result.status == "passed" and result.sealed, result.details
    assert result.stdout == stdout


def test_a_block_can_start_spawned_multiprocessing_workers():
    """A spawned worker re-runs its parent's main module unless that is `python -c` or a module
    run by name: the service's is the runtime's folder, run by name, so nothing outside the
    sealed view is asked for."""
    code = ("import multiprocessing\nwith multiprocessing.get_context('spawn').Pool(1) as pool:\n"
            "    print(pool.map(abs, [-1, -2]))")
    result = run_markdown(fence(code))[1]
    assert result.status == "passed" and result.sealed, result.details
    assert result.stdout == "[1, 2]\n"


# Where namespaces are missing. A user namespace whose limit of nested user namespaces is 0
# is such a place, made for real with unshare(1).

def _project(tmp_path, sandbox):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "p.md").write_text("Title: P\n\n" + fence("print('ran')"))
    (tmp_path / "pelicanconf.py").write_text(f"PATH = 'content'\nSNIPPETS = {{'sandbox': {sandbox!r}}}\n")
    return tmp_path


def _without_user_namespaces(command, cwd):
    script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"'
    return subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", *command],
                          cwd=cwd, capture_output=True, text=True, timeout=120)


def test_auto_says_in_one_line_what_holds_where_runs_cannot_be_sealed(tmp_path):
    project = _project(tmp_path, "auto")
    ran = _without_user_namespaces([sys.executable, "-m", "pelican_snippets", "--settings", "pelicanconf.py"], project)
    assert ran.returncode == 0, ran.stderr + ran.stdout
    lines = [line for line in (ran.stdout + ran.stderr).splitlines() if "not sealed" in line]
    assert len(lines) == 1
    assert "a user namespace: No space left on device" in lines[0]
    assert "own process group, directory, time, memory and output limits" in lines[0]


def test_required_stops_the_build_where_runs_cannot_be_sealed(tmp_path):
    project = _project(tmp_path, "required")
    ran = _without_user_namespaces([sys.executable, "-m", "pelican_snippets", "--settings", "pelicanconf.py"], project)
    assert ran.returncode != 0
    assert "the sandbox is required" in ran.stdout + ran.stderr
    assert "a user namespace: No space left on device" in ran.stdout + ran.stderr


def test_a_run_served_from_the_cache_says_nothing_of_sealing(tmp_path):
    """The command starts its service before it knows whether anything will run; when nothing
    does, whether runs could be sealed there does not matter, even to `required`."""
    project = _project(tmp_path, "required")
    command = [sys.executable, "-m", "pelican_snippets", "--settings", "pelicanconf.py"]
    first = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    again = _without_user_namespaces(command, project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 run now, 1 from cache" in again.stdout
    assert "sealed" not in again.stdout + again.stderr and "sandbox" not in again.stdout + again.stderr


def test_runs_are_sealed_for_an_ordinary_user_too(tmp_path):
    """As the unprivileged user `nobody`, with the system's Python and a copy of the plugin where
    that user can read it: the run is sealed, and the author's files are out of its reach."""
    if os.getuid() != 0 and not os.environ.get("CI"):
        pytest.skip("an ordinary user already runs this whole file; making another needs root")
    place = Path(tempfile.mkdtemp(prefix="snippets-nobody-"))
    try:
        shutil.copytree(PLUGIN / "pelican_snippets", place / "pelican_snippets")
        os.chmod(place, 0o755)
        (place / "check.py").write_text(NOBODY_CHECK)
        ran = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                              "/usr/bin/python3", str(place / "check.py")],
                             cwd=place, capture_output=True, text=True, timeout=120,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(place), "PYTHONPATH": str(place)})
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout == "passed True FileNotFoundError 65534 ['1']\n"
    finally:
        shutil.rmtree(place)


NOBODY_CHECK = """
import os
from pelican_snippets.client.service import snippet_service
from pelican_snippets.config import Config

code = ("import os\\ntry:\\n    open(CHECK)\\nexcept OSError as error:\\n    print(type(error).__name__)\\n"
        "print(os.getuid(), sorted(p for p in os.listdir('/proc') if p.isdigit()))")
block = {"number": 1, "label": "python block 1", "filename": "t.md", "kind": "python", "first_line": 1,
         "code": f"CHECK = {os.path.abspath('check.py')!r}\\n" + code, "timeout": 10.0, "ellipsis": False,
         "raises": None, "compiled": None}
request = {"id": 0, "memory_limit": 0, "output_limit": 1 << 20, "network": False, "inputs": {}, "blocks": [block]}
service = snippet_service(Config(jobs=1, cache_dir=None))
[outcome] = service().submit(request).result(60)
service.close()
print(outcome["status"], outcome["sealed"], " ".join(outcome["stdout"].split()))
"""


def test_an_environment_under_a_hidden_system_folder_is_still_seen_and_nothing_beside_it(tmp_path):
    """Environments kept under /opt (a shared environments_dir there, or a project under /opt):
    the hidden folder is covered, and the post's own environment mounted again over the cover."""
    require(os.geteuid() == 0, "making a folder under /opt needs root (CI runs as root)")
    shared = Path(tempfile.mkdtemp(prefix="snippets-test-environments-", dir="/opt"))
    try:
        (shared / "secret.txt").write_text("not for posts")
        text = ("Dependencies: six==1.16.0\n\n"
                + fence(f"import os, six\nprint(six.__version__, os.path.exists({str(shared / 'secret.txt')!r}))"))
        config = Config(environments_dir=str(shared), cache_dir=str(tmp_path / "cache"), pythons=("3.12",),
                        timeout=20)
        [result] = verify_documents([read_document(text, "content/posts/e.md")], config).all_results()
        assert result.status == "passed" and result.sealed, result.message + result.details
        assert result.stdout == "1.16.0 False\n"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
