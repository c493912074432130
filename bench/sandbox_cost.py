"""What sealing a post's process in Linux namespaces costs, per process, on this machine.

    python bench/sandbox_cost.py [--processes 300]

The snippet service forks one process per post. This measures, for a batch
of such forks from one Python process (the shape of the service), the wall
time and CPU per process of:

  fork          a plain fork and exit: what runs today;
  pid           a new PID namespace per process (the process is its init);
  pid+mount     and a mount namespace of its own with a fresh /proc;
  pid+mount+net and a network namespace of its own;
  shared net    one network namespace, made once for every process (only the
                pid+mount part per process);
  bwrap         a fresh interpreter under bubblewrap with the same namespaces,
                against a fresh interpreter without it.

The namespaced variants first enter a user namespace of their own, made
once, as the service would, so they work as an ordinary user too. Not a test.
"""

import argparse
import ctypes
import os
import resource
import shutil
import subprocess
import sys
import time

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
SIGCHLD = 17
SYS_CLONE = {"x86_64": 56, "aarch64": 220}.get(os.uname().machine)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def fork_with(flags):
    """fork(), but the child starts in the new namespaces `flags` names (clone(2) without a stack).

    A process may unshare a PID namespace for its children only once, so a
    service forking one namespace per post needs clone's flags. Python's own
    fork hooks run around it, as os.fork runs them.
    """
    if not flags:
        return os.fork()
    ctypes.pythonapi.PyOS_BeforeFork()
    pid = libc.syscall(SYS_CLONE, ctypes.c_ulong(flags | SIGCHLD), None, None, None, None)
    if pid == 0:
        ctypes.pythonapi.PyOS_AfterFork_Child()
    else:
        ctypes.pythonapi.PyOS_AfterFork_Parent()
    if pid < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"clone: {os.strerror(error)}")
    return pid


def check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def enter_user_namespace():
    """Become root of a new user namespace (mapping our own uid and gid), as the service would."""
    uid, gid = os.getuid(), os.getgid()
    check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(user, mount)")
    with open("/proc/self/setgroups", "w") as file:
        file.write("deny")
    with open("/proc/self/uid_map", "w") as file:
        file.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as file:
        file.write(f"0 {gid} 1")
    check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")


def child(flags):
    """What a post's process would do first, then exit."""
    if flags & CLONE_NEWNS:
        check(libc.unshare(CLONE_NEWNS), "unshare(mount)")
        check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
    os._exit(0)


def forks(count, per_process, clone_flags):
    """Fork `count` processes three at a time (the service's default), each running `child`."""
    started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    running = set()
    for _ in range(count):
        if len(running) >= 3:
            pid, _ = os.wait()
            running.discard(pid)
        pid = fork_with(clone_flags)
        if pid == 0:
            try:
                child(per_process)
            finally:
                os._exit(70)
        running.add(pid)
    for pid in running:
        os.waitpid(pid, 0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.perf_counter() - started, after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)


def in_fresh_process(function, *args):
    """Run a measurement in a forked process (the user namespace cannot be left again)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            os.write(write_end, repr(function(*args)).encode())
        except Exception as error:  # say why, in the report
            os.write(write_end, repr(str(error)).encode())
        os._exit(0)
    os.close(write_end)
    answer = b""
    while chunk := os.read(read_end, 4096):
        answer += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return eval(answer)  # our own repr of a tuple or a message


def namespaced(count, per_process, clone_flags, shared=0):
    enter_user_namespace()
    if shared:
        check(libc.unshare(shared), "unshare shared")
    return forks(count, per_process, clone_flags)


def execs(count, command):
    started, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(count):
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.perf_counter() - started, after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="the best of this many rounds is shown")
    count = parser.parse_args().processes
    rounds = parser.parse_args().rounds
    cases = [
        ("fork", lambda: in_fresh_process(forks, count, 0, 0)),
        ("pid", lambda: in_fresh_process(namespaced, count, 0, CLONE_NEWPID)),
        ("pid+mount", lambda: in_fresh_process(namespaced, count, CLONE_NEWNS, CLONE_NEWPID)),
        ("pid+mount+net", lambda: in_fresh_process(namespaced, count, CLONE_NEWNS, CLONE_NEWPID | CLONE_NEWNET)),
        ("shared net", lambda: in_fresh_process(namespaced, count, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET)),
        ("user ns only", lambda: in_fresh_process(namespaced, count, 0, 0)),
    ]
    python = [sys.executable, "-I", "-S", "-c", "pass"]
    bwrap = shutil.which("bwrap")
    exec_count = max(count // 10, 10)
    print(f"{count} processes, three at a time; the best of {rounds} rounds; per process:")
    for name, measure in cases:
        results = [measure() for _ in range(rounds)]
        if isinstance(results[0], str):
            print(f"  {name:14s} not possible here: {results[0]}")
            continue
        wall, cpu = min(r[0] for r in results), min(r[1] for r in results)
        print(f"  {name:14s} {wall / count * 1000:6.3f} ms wall  {cpu / count * 1000:6.3f} ms CPU of the children")
    print(f"{exec_count} fresh interpreters, one at a time; per process:")
    plain = min((execs(exec_count, python) for _ in range(rounds)), key=lambda r: r[0])
    print(f"  {'python -S':14s} {plain[0] / exec_count * 1000:6.3f} ms wall  "
          f"{plain[1] / exec_count * 1000:6.3f} ms CPU")
    if bwrap:
        sealed = [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
                  "--dev", "/dev", "--tmpfs", "/tmp", *python]
        result = min((execs(exec_count, sealed) for _ in range(rounds)), key=lambda r: r[0])
        print(f"  {'bwrap python':14s} {result[0] / exec_count * 1000:6.3f} ms wall  "
              f"{result[1] / exec_count * 1000:6.3f} ms CPU")
    else:
        print("  bwrap          not installed (apt-get install bubblewrap)")


if __name__ == "__main__":
    main()
