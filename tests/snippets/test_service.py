"""The processes blocks run in and their limits: runtime/service.py, children.py, inbox.py, client/service.py.

Each with real code in a real child process: timeouts, memory, crashes,
output capture and its cap, what a post's process starts with, nothing left
running after it, and the service itself: forking, its inbox, parallelism,
and dying mid-build.
"""

import ctypes
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pelican_snippets.client.requests import job_request, job_results
from pelican_snippets.client.service import ServiceStopped, SnippetService, snippet_service
from pelican_snippets.client.settings import service_settings
from pelican_snippets.config import Config
from pelican_snippets.extract.collect import read_document
from pelican_snippets.plan import plan_document
from pelican_snippets.runtime.inbox import Inbox
from pelican_snippets.runtime.wire import frame
from pelican_snippets.verify.pipeline import verify_documents

from .helpers import ROOT, fence, processes_running, run_markdown


# Time and memory limits
def test_infinite_loop_times_out_and_later_blocks_do_not_run(run):
    text = fence("while True:\n    pass", "python timeout=1") + "\n" + fence("print('after')")
    started = time.monotonic()
    results = run(text)
    assert time.monotonic() - started < 8
    assert results[1].status == "failed"
    assert results[1].message.startswith("timed out after 1 s")
    assert results[2].status == "not run"


def test_default_timeout_comes_from_the_settings(run):
    result = run(fence("import time\ntime.sleep(30)"), timeout=0.5)[1]
    assert result.message.startswith("timed out after 0.5 s")


def test_memory_bomb_is_stopped_by_the_limit(run):
    result = run(fence("hog = bytearray(8 * 1024**3)"), memory_limit_mb=256)[1]
    assert result.status == "failed"
    assert result.message.startswith("raised MemoryError")


# Crashes
def test_segfault_is_a_crash(run):
    results = run(fence("import ctypes\nctypes.string_at(0)") + "\n" + fence("print('after')"))
    assert results[1].status == "failed"
    assert results[1].message == "crashed: the process was killed by SIGSEGV"
    assert results[2].status == "not run"


def test_abort_is_a_crash(run):
    result = run(fence("import os\nos.abort()"), sandbox="off")[1]
    assert result.message == "crashed: the process was killed by SIGABRT"


def test_abort_in_a_sealed_run_is_a_crash_too(run):
    """A sealed post's process is the first of its PID namespace, which the kernel shields from
    the SIGABRT it sends itself: abort() then ends it with SIGSEGV (see README)."""
    result = run(fence("import os\nos.abort()") + fence("print('after')"))
    assert result[1].sealed and result[1].message == "crashed: the process was killed by SIGSEGV"
    assert result[2].status == "not run"


def test_os_exit_is_a_crash_even_with_status_zero(run):
    for status in (0, 7):
        result = run(fence(f"import os\nos._exit({status})"))[1]
        assert result.status == "failed"
        assert result.message == f"crashed: the process exited with status {status} in the middle of the block"


# Output capture
def test_a_flood_of_output_is_capped_with_a_note(run):
    results = run(fence("for _ in range(200_000):\n    print('x' * 99)") + "\n" + fence("print('next')"),
                  output_limit_kb=64)
    assert results[1].status == "passed"
    assert len(results[1].stdout) < 70 * 1024
    assert "[output truncated: 19,934,464 more bytes not shown]" in results[1].stdout
    assert results[2].stdout == "next\n"  # the boundary between blocks survived the flood


def test_a_block_that_prints_a_lot_is_read_as_fast_as_it_prints(run):
    """The service reads a child's pipes only now and then, until one is found full.

    Read 64 KiB at each look, these 40 MB would take over ten seconds; read as
    they come, a fraction of one. The block's timeout tells the two apart."""
    result = run(fence("import sys\nfor _ in range(400_000):\n    sys.stdout.write('x' * 99 + '\\n')",
                       "python timeout=5"), output_limit_kb=64)[1]
    assert result.status == "passed", result.message
    assert "[output truncated: 39,934,464 more bytes not shown]" in result.stdout


def test_output_of_child_processes_and_c_code_is_captured(run):
    code = ("import os, subprocess, sys\n"
            "subprocess.run([sys.executable, '-c', 'print(\"from a child\")'])\n"
            "os.write(1, b'raw fd write\\n')\n"
            "import ctypes\nctypes.CDLL(None).printf(b'from C printf\\n')")
    results = run(fence(code) + "\n" + fence("print('next block')"))
    result = results[1]
    assert result.status == "passed"
    assert "from a child\n" in result.stdout
    assert "raw fd write\n" in result.stdout
    assert "from C printf\n" in result.stdout
    assert results[2].stdout == "next block\n"  # C's output stays with the block that printed it


def test_stderr_is_captured_separately(run):
    result = run(fence("import sys\nprint('oops', file=sys.stderr)"))[1]
    assert result.stderr == "oops\n" and result.stdout == ""


# What a post's process starts with
def test_input_fails_at_once_instead_of_hanging(run):
    started = time.monotonic()
    result = run(fence("input('name? ')"))[1]
    assert time.monotonic() - started < 5
    assert result.message == "raised EOFError: EOF when reading a line"


def test_files_land_in_a_temporary_directory_that_is_removed(run):
    """Without the sandbox; a sealed post's directory is a file system of its own (test_sandbox.py)."""
    code = ("import os, tempfile\nopen('written.txt', 'w').write('x')\n"
            "print(os.getcwd(), os.environ['HOME'], tempfile.gettempdir())")
    result = run(fence(code), sandbox="off")[1]
    cwd, home, tmp = result.stdout.split()
    assert cwd == home == tmp  # home and temporary files land in the same, removed directory
    workdir = Path(cwd)
    assert workdir.name.startswith("snippet-") and workdir.parent.name.startswith("snippet-service-")
    assert not workdir.exists()
    assert not (ROOT / "written.txt").exists()
    assert not Path("written.txt").exists()


def test_a_module_written_by_a_block_can_be_imported(run):
    text = fence("open('helper.py', 'w').write('VALUE = 5\\n')") + "\n" + fence("import helper\nprint(helper.VALUE)")
    assert run(text)[2].stdout == "5\n"


def test_declared_inputs_are_copied_next_to_the_blocks(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    post = tmp_path / "post.md"
    post.write_text("Title: T\nSnippet_inputs: data.csv\n\n" + fence("print(open('data.csv').read().splitlines()[1])"))
    document = read_document(post.read_text(), str(post))
    verification = verify_documents([document], Config(jobs=1))
    assert verification.all_results()[0].stdout == "1,2\n"


def test_secrets_in_the_builders_environment_are_not_visible(run, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("ALLOWED_VAR", "visible")
    code = "import os\nprint(sorted(os.environ))\nprint(os.environ.get('ALLOWED_VAR'))"
    result = run(fence(code), pass_env=("ALLOWED_VAR",))[1]
    assert "very-secret" not in result.stdout and "AWS_SECRET_ACCESS_KEY" not in result.stdout
    assert "SSH_AUTH_SOCK" not in result.stdout and "GITHUB_TOKEN" not in result.stdout
    assert result.stdout.strip().endswith("visible")


def test_hash_seed_is_fixed(run):
    first = run(fence("print(hash('abc'))"))[1].stdout
    assert first == run(fence("print(hash('abc'))"))[1].stdout


def test_the_build_interpreter_runs_the_blocks(run):
    result = run(fence("import sys\nprint(sys.executable)"))[1]
    assert os.path.realpath(result.stdout.strip()) == os.path.realpath(sys.executable)


# Nothing outlives its post
@pytest.mark.parametrize("sandbox", ["auto", "off"])
def test_a_child_process_that_outlives_the_block_is_killed(run, sandbox):
    marker = f"{300 + os.getpid() % 1000 / 1000:.3f}"  # a sleep no other process runs
    code = f"import subprocess\np = subprocess.Popen(['sleep', '{marker}'])\nprint(p.pid)"
    assert run(fence(code), sandbox=sandbox)[1].status == "passed"
    assert not processes_running(["sleep", marker])


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie is dead, only not yet reaped by init


def test_the_worker_of_a_timed_out_block_is_gone(run):
    code = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(30)"
    result = run(fence(code, "python timeout=0.5"), sandbox="off")[1]
    assert result.message.startswith("timed out")
    assert not _alive(int(result.stdout))


def test_a_timed_out_sealed_post_leaves_no_process(run):
    marker = f"{30 + os.getpid() % 1000 / 1000:.3f}"
    code = f"import subprocess, time\nsubprocess.Popen(['sleep', '{marker}'])\ntime.sleep(30)"
    result = run(fence(code, "python timeout=0.5"))[1]
    assert result.sealed and result.message.startswith("timed out")
    assert not processes_running(["sleep", marker])


def test_a_thread_left_running_does_not_hang_the_post(run):
    code = "import threading, time\nthreading.Thread(target=time.sleep, args=(300,)).start()\nprint('started')"
    started = time.monotonic()
    assert run(fence(code))[1].status == "passed"
    assert time.monotonic() - started < 5


# The service
def test_forked_children_come_from_the_service_and_spawned_ones_start_afresh():
    code = fence("import os, sys\nprint(os.getppid(), os.path.basename(sys.modules['__main__'].__file__))")
    forked_parent, forked_main = run_markdown(code, forked=True)[1].stdout.split()
    spawned_parent, spawned_main = run_markdown(code, forked=False)[1].stdout.split()
    assert int(forked_parent) not in (os.getpid(), 1) and int(spawned_parent) not in (os.getpid(), 1)
    assert forked_main == "__main__.py"  # a fork of the service's interpreter
    assert spawned_main == "__main__.py"    # a new interpreter running the worker


def test_the_service_imports_nothing_that_slows_every_fork():
    """threading, random and logging register at-fork hooks that would run in every child;
    the others would make the process every post is forked from bigger (doctest nearly
    doubles it). A session still gets doctest, in its own process."""
    heavy = "{'threading', 'random', 'logging', 'subprocess', 'doctest', 'socket', 'selectors', 'shutil'}"
    code = fence(f"import sys\nprint(sorted({heavy} & set(sys.modules)))")
    assert run_markdown(code, forked=True)[1].stdout == "[]\n"
    session = run_markdown(fence(">>> import sys\n>>> 'doctest' in sys.modules\nTrue", "pycon"), forked=True)
    assert session[1].status == "passed"


def test_an_interpreter_that_ends_at_once_fails_its_requests_and_is_not_started_for_ever(tmp_path):
    """A venv whose Python no longer starts: three tries, then every request says why."""
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho started >> "$0.log"\nexit 3\n')
    python.chmod(0o755)
    config = Config(jobs=1, cache_dir=None, timeout=10)
    [job], _ = plan_document(read_document(fence("print(1)"), "p.md"))
    service = SnippetService(service_settings(config), str(python))
    try:
        with pytest.raises(ServiceStopped, match=r"Python \(.*python\) ended before it was ready, 3 times in a row"):
            service.submit(job_request(job, config)).result(timeout=60)
        later = service.submit(job_request(job, config))
        with pytest.raises(ServiceStopped, match="ended before it was ready"):
            later.result(timeout=5)
        time.sleep(0.5)
        assert (tmp_path / "python.log").read_text().split() == ["started"] * 3
    finally:
        service.close()


def test_the_service_inbox_takes_whole_requests_however_they_arrive():
    """Requests cross the socket in pieces of any size; the inbox (memory a fork does not
    copy) moves and grows as needed and hands each one out whole, in order."""
    requests = [{"id": n, "code": "x" * random.Random(n).randrange(0, 300)} for n in range(200)]
    data = b"".join(frame(request) for request in requests)
    inbox, taken = Inbox(size=64), []
    read_end, write_end = os.pipe()
    pieces = random.Random(4)
    try:
        for start in range(0, len(data), 150):
            os.write(write_end, data[start:start + 150])
            assert inbox.read_from(read_end)  # at most what fits; the rest waits in the pipe
            while pieces.random() < 0.5 and (request := inbox.take()) is not None:
                taken.append(request)
        os.close(write_end)
        while inbox.read_from(read_end):
            pass
        while (request := inbox.take()) is not None:
            taken.append(request)
    finally:
        os.close(read_end)
    assert taken == requests
    assert not inbox.has_request() and len(inbox.buffer) > 64  # it grew


def test_the_service_inbox_is_not_in_a_forked_child():
    def mapped(address):
        with open("/proc/self/maps") as maps:
            return any(int(low, 16) <= address < int(high, 16)
                       for low, high in (line.split()[0].split("-") for line in maps))

    inbox = Inbox()
    address = ctypes.addressof(ctypes.c_char.from_buffer(inbox.buffer))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write_end, b"mapped" if mapped(address) else b"absent")
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 16)
    os.close(read_end)
    os.waitpid(pid, 0)
    assert answer == b"absent" and mapped(address)


def test_a_service_killed_mid_build_is_restarted_and_its_posts_run_again(tmp_path):
    """Killed from outside: the post it was running is run again, alone, and passes; so do the
    posts it had not started; and nothing the dead service started is left running."""
    settings = Config(timeout=60, memory_limit_mb=512, jobs=1)
    marker = f"{60 + os.getpid() % 1000 / 1000:.3f}"
    slow = f"import subprocess, time\nsubprocess.Popen(['sleep', '{marker}'])\ntime.sleep(1)\nprint('slow done')"
    jobs = [plan_document(read_document(fence(code), f"content/posts/{name}.md"))[0][0]
            for name, code in (("slow", slow), ("next", "print('next done')"))]
    service = snippet_service(settings)
    try:
        answers = [service().submit(job_request(job, settings)) for job in jobs]
        deadline = time.monotonic() + 10
        while not processes_running(["sleep", marker], wait=0):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        service().current.kill()
        [slow_result], [next_result] = [job_results(job, answer) for job, answer in zip(jobs, answers, strict=True)]
        assert (slow_result.status, slow_result.stdout) == ("passed", "slow done\n")
        assert (next_result.status, next_result.stdout) == ("passed", "next done\n")
        later = job_results(jobs[1], service().submit(job_request(jobs[1], settings)))
        assert later[0].status == "passed"  # the restarted service takes new jobs
    finally:
        service.close()
    assert not processes_running(["sleep", marker])


@pytest.mark.parametrize("killers", [1, 3])
def test_posts_that_kill_an_unsealed_service_are_the_only_posts_lost(killers):
    """Without the sandbox a block can kill the service (its parent). The posts it was running
    run again alone; only those that kill the service again are lost, and say why."""
    killer = fence("import os, signal, time\ntime.sleep(0.3)\nos.kill(os.getppid(), signal.SIGKILL)")
    documents = [read_document(killer, f"content/posts/killer{n}.md") for n in range(killers)] + [
        read_document(fence(f"import time\ntime.sleep(0.2)\nprint({n})"), f"content/posts/p{n}.md")
        for n in range(6)]
    verification = verify_documents(documents, Config(jobs=3, cache_dir=None, timeout=20, sandbox="off"))
    results = {result.block.source: result for result in verification.all_results()}
    for n in range(killers):
        lost = results.pop(f"content/posts/killer{n}.md")
        assert lost.status == "failed"
        assert lost.message == ("could not run: the snippet service stopped (exit status -9) while this post "
                                "ran, and again when it ran alone: one of its blocks ends the service")
    assert [(result.status, result.stdout) for _, result in sorted(results.items())] == [
        ("passed", f"{n}\n") for n in range(6)]


def test_a_service_that_dies_while_idle_is_replaced():
    settings = Config(timeout=20, memory_limit_mb=512, jobs=1)
    [job], _ = plan_document(read_document(fence("print('ran')"), "content/posts/p.md"))
    service = snippet_service(settings)
    try:
        assert job_results(job, service().submit(job_request(job, settings)))[0].status == "passed"
        dead = service().current
        dead.kill()
        dead.reader.join(10)
        assert not os.path.exists(dead.scratch)  # a process that dies leaves no folder behind
        [result] = job_results(job, service().submit(job_request(job, settings)))
        assert (result.status, result.stdout) == ("passed", "ran\n") and service().current is not dead
    finally:
        service.close()


def _most_at_once(intervals):
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_posts_run_in_parallel_at_most_jobs_at_a_time(jobs):
    """Five posts, each in its own process; never more than `jobs` of them at once, and all of them when allowed."""
    code = "import os, time\nstarted = time.time()\ntime.sleep(0.4)\nprint(os.getpid(), started, time.time())"
    documents = [read_document(fence(code), f"content/posts/p{n}.md") for n in range(5)]
    # Unsealed, for the pids: every sealed post's process is the first of its own PID namespace.
    verification = verify_documents(documents, Config(jobs=jobs, cache_dir=None, timeout=20, sandbox="off"))
    runs = [result.stdout.split() for result in verification.all_results()]
    assert len({pid for pid, _, _ in runs}) == 5  # a process per post
    assert _most_at_once([(float(start), float(end)) for _, start, end in runs]) == jobs


def test_large_requests_and_large_answers_at_once_do_not_deadlock(tmp_path):
    """The build sends while the service answers, both more than a socket holds.

    Each post carries some 100 KB of code and prints nearly 1 MB back: the build
    blocks sending while the service blocks answering, and each must still be
    able to read what the other sends. Run in a process of its own, so that a
    deadlock fails the test instead of hanging it."""
    script = tmp_path / "verify.py"
    script.write_text(
        "from pelican_snippets.config import Config\n"
        "from pelican_snippets.extract.collect import read_document\n"
        "from pelican_snippets.verify.pipeline import verify_documents\n"
        "code = 'padding = ' + repr('p' * 100_000) + '\\nprint(\"y\" * 1000_000)'\n"
        "posts = [read_document('```python\\n' + code + '\\n```\\n', f'content/posts/p{n}.md') for n in range(40)]\n"
        "verification = verify_documents(posts, Config(jobs=3, cache_dir=None, timeout=30, output_limit_kb=1024))\n"
        "print(sorted({result.status for result in verification.all_results()}))\n")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['passed']\n"
