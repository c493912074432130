"""Seal each post's process in Linux namespaces, set up once per service and finished per post.

Once, in the service (`seal_service`): a user and a PID namespace of its own
(so this works for an ordinary user as for root), and a mount namespace
whose root is a new file system holding only the SYSTEM folders, the
interpreter's and the paths the build keeps, a few harmless devices and a
/proc, /sys and /tmp of its own; the homes, the project, /var, /run and the
rest of the machine are not in it, and every mount is made read-only. Root's
service then goes on as nobody, keeping its capabilities in its namespace,
so that its posts are nobody from the fork on (see _map_ids).

Per post, in the child just forked (`seal_child`): a PID namespace whose
first process is the post's (so when it ends, everything it started is
killed, and it sees no process but its own); a loopback-only network of its
own (one of a pool, see Networks) unless the post asked for the network;
its own IPC and mount namespaces, with a fresh /proc, /tmp, /dev/shm and
devpts, the only writable places; then every capability dropped for good,
so nothing can be unmounted or remounted.

What is per post costs a fraction of the fork itself; an exec per post
(bubblewrap) would cost many times the whole post. Standard library only,
with the system calls through ctypes.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
# statvfs's flags for a mount, and the mount flags that keep them: a remount inside a user
# namespace must keep the flags the mount came with.
KEPT_FLAGS = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
              os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME, os.ST_RELATIME: MS_RELATIME}
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_KEEPCAPS, PR_SET_SECUREBITS, PR_SET_NO_NEW_PRIVS = 1, 4, 8, 28, 38
# noroot and no-setuid-fixup, locked, and keep-caps locked off: no exec or setuid gives a
# capability back.
SECURE_BITS = 0x01 | 0x02 | 0x04 | 0x08 | 0x20
CAPABILITY_VERSION_3 = 0x20080522
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40
AF_INET, SOCK_DGRAM, IFNAMSIZ, IFREQ_SIZE = 2, 2, 16, 40  # struct ifreq: a name, then a union

# All of the machine a sealed post sees, besides the interpreter's folders and the paths the
# build keeps: its programs, libraries and settings. Homes, the project, /var, /run, /mnt and
# the rest are simply not there.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
STAGE = "/tmp"            # where the sealed view is put together, before it becomes "/"
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)
MNT_DETACH = 2
# The devices a sealed post's /dev holds: no disk, no terminal of the author's, nothing the
# author's groups would open to it. Its terminals come from a devpts of its own.
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
UNSHARED = b"\0"          # the child's first news: its user namespace exists (see seal_service)
NOBODY = 65534            # the uid and gid of root's sealed service and posts
POST_DIRECTORY = "/tmp"   # a sealed post's directory, HOME and TMPDIR: a file system of its own

libc = ctypes.CDLL(None, use_errno=True)


class SandboxUnavailable(OSError):
    """The kernel refused a namespace or a mount the sandbox needs; the message says which."""


class Seal:
    """What a sealed service keeps for its children: their networks, and the arguments of
    their system calls, made here once (a child copies each page it writes)."""

    def __init__(self, tmp_size: int, networks: Networks, under_tmp: list) -> None:
        self.networks = networks
        self.under_tmp = under_tmp  # kept paths that each post's own /tmp would cover (a venv there)
        self.pid_namespace_fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)  # the service's own
        # Each post's /tmp and /dev/shm: its own, as it is (nobody, for a build run as root).
        self.tmp_options = f"size={tmp_size},mode=1777,uid={os.getuid()},gid={os.getgid()}".encode()
        self.capability_header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
        self.no_capabilities = (ctypes.c_uint32 * 6)()
        self.secure_bits, self.one, self.zero = ctypes.c_ulong(SECURE_BITS), ctypes.c_ulong(1), ctypes.c_ulong(0)
        for name in ("setns", "unshare", "mount", "prctl", "capset"):
            getattr(libc, name)  # looked up once here: ctypes makes each function object on first use


def seal_service(hide: list, keep: list, tmp_size: int) -> Seal:
    """Go on sealed (see the module), in a new process; or raise SandboxUnavailable, unchanged.

    The sealed service is the first process of a PID namespace owned by its
    own user namespace: only there may it go back to its own PID namespace
    after making one for a post (see new_post_namespace). So it is a
    grandchild of this process, which stays behind, waits, and exits as the
    service does; a failure on the way leaves this process as it was.
    `hide` and `keep`: see _new_root.
    """
    news_read, news_write = os.pipe()   # the child's news: "unshared", then "sealed" or what failed
    mapped_read, mapped_write = os.pipe()  # this process's answer: its ids are mapped
    pid = os.fork()
    if pid == 0:
        os.close(news_read)
        os.close(mapped_write)
        try:
            _call(_prctl(PR_SET_PDEATHSIG, 9), "dying with its parent")
            _call(libc.unshare(CLONE_NEWUSER | CLONE_NEWPID), "a user namespace")
            os.write(news_write, UNSHARED)
            mapped = os.read(mapped_read, 1)
            os.close(mapped_read)
            if mapped != b"M":
                os._exit(1)
            seal = _enter(hide, keep, tmp_size, news_write)
        except BaseException as error:
            os.write(news_write, str(error).encode() or b"sealing failed")
            os._exit(1)
        os.close(news_write)
        return seal
    os.close(news_write)
    os.close(mapped_read)
    try:
        news = os.read(news_read, 1)
        if news == UNSHARED:
            _map_ids(pid)
            os.write(mapped_write, b"M")
            news = b""
        while chunk := os.read(news_read, 4096):
            news += chunk
    except SandboxUnavailable as error:
        news = str(error).encode()
    finally:
        os.close(news_read)
        os.close(mapped_write)
    if news != b"sealed":
        os.waitpid(pid, 0)
        raise SandboxUnavailable(news.decode(errors="replace") or "the sealed service did not start")
    _wait_and_exit_as(pid)


def _map_ids(pid):
    """Map the ids of the child's new user namespace, from outside it.

    An ordinary user's posts run as that user, as they would outside. Root's
    run as nobody: the machine's root may read and write what no post should
    (other users' files, the keys in /etc, the disks' device files). Mapping
    a second id takes root's capability in this, the parent, namespace. The
    service becomes nobody itself once sealed (_become_nobody), so each post
    is nobody from its fork on.
    """
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        _write(f"/proc/{pid}/uid_map", f"0 0 1\n{NOBODY} {NOBODY} 1")
        _write(f"/proc/{pid}/gid_map", f"0 0 1\n{NOBODY} {NOBODY} 1")
    else:
        _write(f"/proc/{pid}/setgroups", "deny")
        _write(f"/proc/{pid}/uid_map", f"{uid} {uid} 1")
        _write(f"/proc/{pid}/gid_map", f"{gid} {gid} 1")


def _enter(hide, keep, tmp_size, news):
    """In the child of seal_service, in its new user namespace: the service as the first process
    of the new PID namespace, then the rest of the sandbox."""
    pid = os.fork()
    if pid:
        os.close(news)
        _wait_and_exit_as(pid)
    _call(_prctl(PR_SET_PDEATHSIG, 9), "dying with its parent")
    _call(libc.unshare(CLONE_NEWNS), "a mount namespace")
    _call(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "a private mount namespace")
    _mount_proc()
    networks = Networks()
    keep = sorted({os.path.realpath(path) for path in list(keep) + interpreter_paths() if os.path.exists(path)})
    kept = _new_root(sorted({os.path.realpath(path) for path in hide}), keep)
    _make_read_only()
    os.chdir("/")
    if os.getuid() == 0:
        _become_nobody()
    seal = Seal(tmp_size, networks,
                [path for path in kept if _within(path, POST_DIRECTORY)])
    os.write(news, b"sealed")
    return seal


def _become_nobody():
    """Go on as nobody, with every capability still: root's posts are forked as nobody.

    Changing ids clears the effective capabilities (unless told to keep the
    permitted ones) and the signal that kills it with its parent, and makes
    the process undumpable, which would make its /proc entries, and its
    children's (/dev/stdout among them), root's. A post
    cannot reach the service as a process of the same user: it sees neither its
    PID nor its /proc, and has none of its capabilities, which ptrace requires.
    """
    _call(_prctl(PR_SET_KEEPCAPS, 1), "keeping capabilities")
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)
    _call(_prctl(PR_SET_PDEATHSIG, 9), "dying with its parent")
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable, twice (bits 0-31, 32-63)
    _call(libc.capget(header, data), "reading capabilities")
    data[0], data[3] = data[1], data[4]
    _call(libc.capset(header, data), "capabilities back")
    _call(_prctl(PR_SET_KEEPCAPS, 0), "keeping capabilities no more")
    _call(_prctl(PR_SET_DUMPABLE, 1), "a /proc of its own to read")


def _wait_and_exit_as(pid):
    """Wait for the child that goes on as the service, then exit as it did."""
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the build's socket is the service's alone
    try:
        status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except BaseException:
        os._exit(70)
    os._exit(status if status >= 0 else 128 - status)


def interpreter_paths() -> list:
    """What the interpreter needs to start and import: its prefixes, and the real folder of
    the executable (a virtual environment's is often a link into a home folder)."""
    return [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable))]


def new_post_namespace(seal: Seal) -> None:
    """Make the next child forked the first process of a PID namespace of its own.

    A process has one PID namespace for its children at a time: the service
    goes back to its own first, then unshares a new one.
    """
    _call(libc.setns(seal.pid_namespace_fd, CLONE_NEWPID), "back to the service's PID namespace")
    _call(libc.unshare(CLONE_NEWPID), "a PID namespace for the post")


def seal_child(seal: Seal, network_fd: int | None, files: dict) -> None:
    """In a post's process, just forked: the rest of its sandbox, then no capability left.

    `network_fd`: the loopback-only network it has to itself (None: it shares the build's);
    `files`: name -> bytes, written into the post's directory (its inputs).
    """
    if network_fd is not None:
        _call(libc.setns(network_fd, CLONE_NEWNET), "a network of its own")
    _call(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC), "namespaces of its own")
    _mount_proc()
    under_tmp = [(path, _handle(path)) for path in seal.under_tmp]  # opened in this namespace, while in view
    for path in (b"/tmp", b"/dev/shm"):
        _call(libc.mount(b"tmpfs", path, b"tmpfs", MS_NOSUID | MS_NODEV, seal.tmp_options), "a /tmp of its own")
    for path, handle in under_tmp:  # mounted again on its /tmp: the way to them shows there, nothing else
        _way_in(path)
        _bind(handle, path, MS_REC)
        os.close(handle)
    _call(libc.mount(b"devpts", b"/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC, b"newinstance,ptmxmode=0666,mode=620"),
          "terminals of its own")
    # No capability left, and no exec or setuid that gives one back: nothing can be unmounted.
    zero = seal.zero
    _call(libc.prctl(PR_SET_SECUREBITS, seal.secure_bits, zero, zero, zero), "locked secure bits")
    _call(libc.prctl(PR_SET_NO_NEW_PRIVS, seal.one, zero, zero, zero), "no new privileges")
    _call(libc.capset(seal.capability_header, seal.no_capabilities), "dropping capabilities")
    for name, data in files.items():  # theirs, to change as they like
        with open(os.path.join(POST_DIRECTORY, name), "wb") as file:
            file.write(data)


def _way_in(path):
    """The folders on the way to a kept path in a post's own /tmp. A root build's post is nobody,
    as its service is: the folders go to the namespace's root, so that the post cannot write in
    them (the project's own files would seem to be there, as they are not)."""
    os.makedirs(path, exist_ok=True)
    if os.getuid() == NOBODY:
        folder = path
        while folder != POST_DIRECTORY:
            os.chown(folder, 0, 0)
            folder = os.path.dirname(folder)


def _mount_proc(where=b"/proc"):
    """A /proc of this process's PID namespace, showing its processes only."""
    _call(libc.mount(b"proc", where, b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "a /proc of its own")


class Networks:
    """Loopback-only network namespaces, each lent to one post's process at a time.

    Making one costs more than the rest of a post's sandbox, so they are
    reused: one is lent at a fork and comes back when that process has been
    reaped, by which time every process of its post is gone. What a post can
    leave in one is a port in TIME_WAIT. They are made as needed, by a small
    process forked for that alone: the service stays in the build's network
    namespace, which a post that asks for the network shares, and which it
    could not enter again.
    """

    def __init__(self) -> None:
        self.free = []
        self.lent = {}   # pid -> fd
        self.requests, self.replies, self.maker = _network_maker()

    def take(self) -> int:
        if self.free:
            return self.free.pop()
        os.write(self.requests, b"n")
        reply = os.read(self.replies, 4096)
        if reply != b"y":
            raise SandboxUnavailable(reply.decode(errors="replace") or "the network maker stopped")
        return os.open(f"/proc/{self.maker}/ns/net", os.O_RDONLY | os.O_CLOEXEC)

    def lend(self, pid: int, fd: int) -> None:
        self.lent[pid] = fd

    def give_back(self, fd: int) -> None:
        self.free.append(fd)

    def reaped(self, pid: int) -> None:
        """A process of the service has been reaped: its network, if it had one, is free."""
        fd = self.lent.pop(pid, None)
        if fd is not None:
            self.free.append(fd)


def _network_maker():
    """A process that, for each byte it reads, moves into a new network namespace with its
    loopback up and answers b"y" (or what failed); the service opens that namespace through
    its /proc entry."""
    requests_read, requests_write = os.pipe()
    replies_read, replies_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            _call(_prctl(PR_SET_PDEATHSIG, 9), "dying with the service")
            os.close(requests_write)
            os.close(replies_read)
            flags = (IFF_UP | IFF_LOOPBACK | IFF_RUNNING).to_bytes(2, sys.byteorder)
            request = ctypes.create_string_buffer(b"lo".ljust(IFNAMSIZ, b"\0") + flags, IFREQ_SIZE)
            while os.read(requests_read, 1):
                try:
                    _call(libc.unshare(CLONE_NEWNET), "a network namespace")
                    _loopback_up(request)
                    os.write(replies_write, b"y")
                except SandboxUnavailable as error:
                    os.write(replies_write, str(error).encode())
        finally:
            os._exit(0)
    os.close(requests_read)
    os.close(replies_write)
    os.set_inheritable(requests_write, False)
    os.set_inheritable(replies_read, False)
    return requests_write, replies_read, pid


def _loopback_up(request):
    """ip link set lo up: ioctl(SIOCSIFFLAGS) with `request`, a struct ifreq, on a datagram socket."""
    probe = libc.socket(AF_INET, SOCK_DGRAM, 0)
    if probe < 0:
        _call(probe, "a socket to bring the loopback up")
    try:
        _call(libc.ioctl(probe, SIOCSIFFLAGS, request), "the loopback up")
    finally:
        os.close(probe)


def _new_root(hide, keep) -> list:
    """Make "/" a new file system that holds only the SYSTEM folders, the kept paths (and the file
    /etc/resolv.conf points at), and a /dev, /proc, /sys and /tmp of its own.

    `hide`: paths within the SYSTEM folders to cover still (a project under /opt, say); `keep`:
    paths beyond them to mount in (the interpreter's). What is mounted in is opened first, while
    all of it is in view. Returns the kept paths mounted in.
    """
    system = [(path, os.readlink(path) if os.path.islink(path) else _handle(path))
              for path in SYSTEM if os.path.isdir(path)]
    visible = [os.path.realpath(path) for path in SYSTEM if os.path.isdir(path)]
    wanted = set(keep) | ({os.path.realpath("/etc/resolv.conf")} if os.path.exists("/etc/resolv.conf") else set())
    outermost = [path for path in wanted if not any(_within(path, other) and path != other for other in wanted)]
    kept = [(path, _handle(path)) for path in sorted(outermost) if not any(_within(path, top) for top in visible)]
    # Kept paths inside a system folder are there already, unless a hidden path covers them
    # (a project under /opt, and its environments): those are mounted again over the cover.
    uncovered = [(path, _handle(path)) for path in sorted(outermost)
                 if any(_within(path, top) for top in visible) and any(_within(path, cover) for cover in hide)]
    devices = [(name, _handle(f"/dev/{name}")) for name in DEVICES if os.path.exists(f"/dev/{name}")]
    machine = _handle("/sys")
    _call(libc.mount(b"tmpfs", STAGE.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=755"), "a new root")
    for path, source in system:
        if isinstance(source, str):  # a link, as /bin is to usr/bin on merged systems
            os.symlink(source, STAGE + path)
        else:
            os.mkdir(STAGE + path)
            _bind(source, STAGE + path, MS_REC)
    for path, source in kept:
        if os.path.isdir(f"/proc/self/fd/{source}"):
            os.makedirs(STAGE + path)
        else:
            os.makedirs(os.path.dirname(STAGE + path), exist_ok=True)
            open(STAGE + path, "w").close()
        _bind(source, STAGE + path, MS_REC)
    for path in hide:
        if any(_within(path, top) for top in visible) and os.path.isdir(STAGE + path) \
                and not any(_within(path_kept, path) for path_kept, _ in kept):
            _call(libc.mount(b"tmpfs", (STAGE + path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k"),
                  f"covering {path}")
    for path, source in uncovered:
        if os.path.isdir(f"/proc/self/fd/{source}"):
            os.makedirs(STAGE + path, exist_ok=True)
            _bind(source, STAGE + path, MS_REC)
    for name in ("proc", "sys", "dev", "tmp", "var"):
        os.makedirs(f"{STAGE}/{name}", exist_ok=True)
    os.symlink("/tmp", f"{STAGE}/var/tmp")  # programs that keep files there keep them in the post's /tmp
    _mount_proc(f"{STAGE}/proc".encode())
    _bind(machine, f"{STAGE}/sys", MS_REC)  # with its submounts: a user namespace may not part them
    _own_dev(f"{STAGE}/dev", devices)
    for _, source in system + kept + uncovered + devices + [(None, machine)]:
        if isinstance(source, int):
            os.close(source)
    if SYS_PIVOT_ROOT is None:
        raise SandboxUnavailable(f"pivot_root: not known on {os.uname().machine}")
    os.chdir(STAGE)
    _call(libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "the new root")  # the old root now lies under it
    _call(libc.umount2(b".", MNT_DETACH), "leaving the old root")
    os.chdir("/")
    return [path for path, _ in kept]


def _own_dev(dev, devices):
    """A /dev of its own: the harmless devices mounted back, and the usual links."""
    _call(libc.mount(b"tmpfs", dev.encode(), b"tmpfs", MS_NOSUID | MS_NOEXEC, b"size=64k,mode=755"),
          "a /dev of its own")
    for name, source in devices:
        open(f"{dev}/{name}", "w").close()
        _bind(source, f"{dev}/{name}", 0)
    os.mkdir(f"{dev}/pts")  # each post mounts its own
    os.mkdir(f"{dev}/shm")  # likewise
    for link, target in (("ptmx", "pts/ptmx"), ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{link}")


def _handle(path):
    return os.open(path, os.O_PATH | os.O_CLOEXEC)


def _bind(handle, target, flags):
    _call(libc.mount(f"/proc/self/fd/{handle}".encode(), target.encode(), None, MS_BIND | flags, None),
          f"mounting {target}")


def _make_read_only():
    """Remount every mount of this namespace read-only, keeping the flags it came with."""
    for path in _mount_points():
        try:
            flags = os.statvfs(path).f_flag
        except OSError:
            continue  # under a covered path: out of reach
        kept = sum(flag for bit, flag in KEPT_FLAGS.items() if flags & bit)
        result = libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None)
        if result != 0 and not flags & os.ST_RDONLY:
            _call(result, f"making {path} read-only")


def _mount_points():
    with open("/proc/self/mountinfo", "rb") as file:
        lines = file.read().decode("utf-8", "surrogateescape").splitlines()
    # The fifth field, with spaces and the like written as octal escapes (\040).
    return [_unescape(line.split()[4]) for line in lines]


def _unescape(field):
    out, index = "", 0
    while index < len(field):
        if field[index] == "\\" and field[index + 1:index + 4].isdigit():
            out += chr(int(field[index + 1:index + 4], 8))
            index += 4
        else:
            out += field[index]
            index += 1
    return out


def _within(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _prctl(option, value):
    return libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def _write(path, text):
    try:
        with open(path, "w") as file:
            file.write(text)
    except OSError as error:
        raise SandboxUnavailable(f"could not write {path}: {error.strerror}") from None


def _call(result, what):
    if result != 0:
        raise SandboxUnavailable(f"{what}: {os.strerror(ctypes.get_errno())}")
