"""Benchmark: the snippet plugin against a plain build and against a peer, on one corpus.

    python bench/run.py [--posts 200] [--scaling 1000]

Generates a synthetic blog (N posts x 3 Python blocks) in a temporary
directory and measures, on that same corpus and in one run:
  * a plain Pelican build without our plugin;
  * the build with the plugin, cold cache and warm cache;
  * an edit to one post's code (and how many blocks re-ran);
  * verifying every block cold with the `snippets` command (and, for
    information, with our pytest collection) against pytest-markdown-docs
    verifying the same blocks (the peer runs each block in-process; we
    isolate each post in its own sealed process);
  * the `snippets` command with sandbox="off", for the cost of sealing;
  * the matrix: the same corpus verified on every interpreter of the blog's
    `pythons` (3.10 to 3.13), cold with the command line against each
    interpreter alone, and a warm build against the plain one; what finding
    every environment costs a warm build; and, once, the cold cost of an
    environment with numpy.
The single-interpreter steps verify on the build's own Python. The plugin
runs with its default settings otherwise, so posts are sealed where the
kernel allows it. Each round runs every step; the comparisons of a few per
cent (warm builds against the plain one, the command against the peer) run
`--pairs` times a round, back to back, and each ratio is the median of its
pairs. With `--instructions`, the warm builds are also counted in machine
instructions under valgrind, which this VM's speed swings cannot move.
Prints the figures and the ratios against the targets. Not a test.
"""

import argparse
import importlib.util
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OWN = f"{sys.version_info.major}.{sys.version_info.minor}"
sys.path.insert(0, str(ROOT))
from pelicanconf import SNIPPETS as BLOG_SNIPPETS  # noqa: E402

MATRIX = BLOG_SNIPPETS["pythons"]
# The environments are kept where the project keeps them (as the tests do), not with the corpus in
# the temporary folder: a sealed post's own /tmp covers whatever is under /tmp, so a venv there is
# mounted again into every post's view, a cost a project outside /tmp does not pay.
ENVIRONMENTS = str(ROOT / ".snippets-cache" / "environments")

BLOCKS = [
    "import math\nvalues = [math.sqrt(n) for n in range({n} % 50 + 10)]\nprint(round(sum(values), 3))",
    "from collections import Counter\nwords = 'the quick brown fox jumps over the lazy dog the end'.split()\n"
    "print(Counter(words).most_common(1)[0][0], {n})",
    "def fib(k):\n    a, b = 0, 1\n    for _ in range(k):\n        a, b = b, a + b\n    return a\n\n"
    "print(fib({n} % 30))",
]


def write_corpus(content, posts):
    (content / "posts").mkdir(parents=True)
    for n in range(posts):
        body = "\n\n".join(
            f"Paragraph {i} of post {n}, with some prose to render.\n\n```python\n{code.format(n=n)}\n```"
            for i, code in enumerate(BLOCKS))
        (content / "posts" / f"post-{n:04d}.md").write_text(
            f"Title: Post {n}\nDate: 2024-01-01 {n % 24:02d}:{n % 60:02d}\nCategory: Bench\nTags: t{n % 7}\n"
            f"Slug: post-{n:04d}\nSummary: Post number {n}.\n\n{body}\n", encoding="utf-8")


def settings(work, plugin, pythons=(OWN,)):
    """Our publish settings (the site as deployed: feeds, absolute URLs), with or without the
    snippet plugin, verifying on `pythons`, caching into work/cache."""
    path = work / (("matrix.py" if len(pythons) > 1 else "with.py") if plugin else "plain.py")
    plugins = "PLUGINS" if plugin else "[name for name in PLUGINS if name != 'pelican_snippets']"
    path.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom publishconf import *\n"
        f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\nPLUGINS = {plugins}\n"
        f"SNIPPETS = {{**SNIPPETS, 'cache_dir': {str(work / 'cache')!r}, 'pythons': {list(pythons)!r}, "
        f"'environments_dir': {ENVIRONMENTS!r}}}\n")
    return path


def timed(command, cwd, env=None):
    # Python's default bytecode cache, as on an author's machine: with PYTHONDONTWRITEBYTECODE
    # (set on some CI machines) every run would compile the plugins' modules again.
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            env={**environment, **(env or {})}, timeout=1800)
    elapsed, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(map(str, command))}\n"
                 f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, cpu, result.stdout


def ran(stdout):
    match = re.search(r"(\d+) run now, (\d+) from cache", stdout)
    return f"{match.group(1)} run, {match.group(2)} cached" if match else "?"


def instructions(commands, cwd):
    """The instructions each command's process executes (valgrind's cachegrind; not its
    children's), run as many at a time as there are cores. Hash seeds are fixed: with random
    ones, dictionaries and sets differ from run to run, and so do the counts."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONHASHSEED"] = "0"
    counts, waiting, cores = [], list(commands), os.cpu_count() or 1
    while waiting:
        batch, waiting = waiting[:cores], waiting[cores:]
        running = [subprocess.Popen(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                                     "--cachegrind-out-file=/dev/null", *command], cwd=cwd, env=environment,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                   for command in batch]
        for process in running:
            stderr = process.communicate(timeout=1800)[1]
            match = re.search(r"I\s+refs:\s+([\d,]+)", stderr)
            if process.returncode != 0 or not match:
                sys.exit(f"valgrind failed ({process.returncode}):\n{stderr[-2000:]}")
            counts.append(int(match.group(1).replace(",", "")))
    return counts


def measure(posts, repeat, pairs, count_instructions=False):
    work = Path(tempfile.mkdtemp(prefix="snippet-bench-"))
    try:
        content = work / "content"
        write_corpus(content, posts)
        plain, with_plugin, matrix = settings(work, False), settings(work, True), settings(work, True, MATRIX)
        outputs = iter(range(10**6))
        # Every build writes into a new, empty directory: overwriting the files of the
        # build just before makes the file system's timings swing by a second or more.
        def build(s):
            return [PYTHON, "-m", "pelican", str(content), "-s", str(s), "-o", str(work / f"out{next(outputs)}")]

        def clear():
            """The results go; the environments stay, made once (their cost is measured apart)."""
            (work / "cache" / "results.sqlite3").unlink(missing_ok=True)
        target = content / "posts" / "post-0000.md"
        original = target.read_text()
        edits = iter(range(10**6))
        def edit():
            return target.write_text(original.replace("range(0 % 50 + 10)", f"range({next(edits) + 11})"))
        (work / "pelicanconf.py").write_text(f"PATH = 'content'\nSNIPPETS = {{'cache_dir': {str(work / 'cache')!r}, "
                                             f"'environments_dir': {ENVIRONMENTS!r}}}\n")
        (work / "matrixconf.py").write_text(
            f"from pelicanconf import *\nSNIPPETS = {{**SNIPPETS, 'pythons': {MATRIX!r}}}\n")
        (work / "unsealed.py").write_text("from pelicanconf import *\nSNIPPETS = {**SNIPPETS, 'sandbox': 'off'}\n")
        (work / "pytest.ini").write_text("[pytest]\n")
        ours = [str(Path(PYTHON).parent / "snippets"), "--refresh"]
        ours_pytest = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "content", "--snippets-refresh"]
        # Our pytest plugin loads itself through its entry point: the peer runs without it.
        peer = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:snippets", "--markdown-docs",
                "content"]
        # (name, command, what to do first, environment, working directory). What a target compares
        # runs back to back, and the warm builds and the command against the peer `pairs` times a
        # round: they differ by a few per cent, less than this VM's speed swings between runs.
        steps = [
            ("build, cold cache", lambda: build(with_plugin), clear, None, ROOT),
            ("plain build", lambda: build(plain), None, None, ROOT),
            ("build after editing one post", lambda: build(with_plugin), edit, None, ROOT),
            *[step for _ in range(pairs) for step in (
                ("ours: snippets command, cold", lambda: ours, clear, None, work),
                ("peer: pytest-markdown-docs", lambda: peer, None, None, work))],
            ("ours: snippets command, unsealed", lambda: ours + ["--settings", "unsealed.py"], clear, None, work),
            ("ours: pytest content/, cold", lambda: ours_pytest, clear, None, work),
            # The matrix: every interpreter at once, then each alone, back to back.
            ("matrix: snippets command, cold", lambda: ours + ["--settings", "matrixconf.py"], clear, None, work),
            *[(f"alone: snippets --python {version}, cold",
               lambda version=version: ours + ["--settings", "matrixconf.py", "--python", version], clear, None, work)
              for version in MATRIX],
            # Its cold build leaves every result cached, the build's own Python's too: then the plain
            # build and the two warm ones, back to back.
            ("matrix: build, cold cache", lambda: build(matrix), clear, None, ROOT),
            *[step for _ in range(pairs) for step in (
                ("plain build, before warm", lambda: build(plain), None, None, ROOT),
                ("build, warm cache", lambda: build(with_plugin), None, None, ROOT),
                ("matrix: build, warm cache", lambda: build(matrix), None, None, ROOT))],
        ]
        # Rounds of every step, rather than each step repeated: this VM's speed drifts over
        # minutes. Within a round, what is compared runs back to back.
        times, cpus, outputs_of = {name: [] for name, *_ in steps}, {name: [] for name, *_ in steps}, {}
        for _ in range(repeat):
            for name, command, before, env, cwd in steps:
                if before:
                    before()
                elapsed, cpu, outputs_of[name] = timed(command(), cwd, env)
                times[name].append(elapsed)
                cpus[name].append(cpu)
        cold_ran = ran(outputs_of["build, cold cache"])
        warm_ran = ran(outputs_of["build, warm cache"])
        edit_ran = ran(outputs_of["build after editing one post"])
        matrix_ran = ran(outputs_of["matrix: build, warm cache"])
        lookup = environment_lookup(work)
        counted = (instructions([build(plain), build(with_plugin), build(matrix)], ROOT)
                   if count_instructions else None)
        return times, cpus, (cold_ran, warm_ran, edit_ran, matrix_ran, lookup), counted
    finally:
        shutil.rmtree(work, ignore_errors=True)


LOOKUP = """
import sys, time
started = time.perf_counter()
from pelican_snippets.config import read_settings_file
from pelican_snippets.matrix.environments import Environments
from pelican_snippets.matrix.pythons import resolve_pythons
loaded = time.perf_counter()
_, config = read_settings_file(sys.argv[1])
matrix = resolve_pythons(config)
with Environments(config.environments_dir) as environments:
    made = [environments.get(interpreter).result() for interpreter in matrix.interpreters]
assert not any(environment.built for environment in made), "an environment was made"
print(len(made), (time.perf_counter() - loaded) * 1000)
"""


def environment_lookup(work):
    """What a warm build spends finding its interpreters and every environment (a fresh
    interpreter, as a build is; its imports not counted): (environments, milliseconds)."""
    result = subprocess.run([PYTHON, "-c", LOOKUP, str(work / "matrixconf.py")], cwd=work, capture_output=True,
                            text=True, timeout=120, check=True)
    count, milliseconds = result.stdout.split()
    return int(count), float(milliseconds)


def numpy_environment_cost():
    """Seconds to make an environment with numpy for the newest interpreter of the matrix:
    with uv's download cache as it is, and with an empty one (downloading every wheel)."""
    import pelican_snippets.matrix.environments as environments
    from pelican_snippets.matrix.interpreters import find_interpreters

    interpreter = find_interpreters()[MATRIX[-1]]
    costs = []
    for uv_cache in (None, tempfile.mkdtemp(prefix="snippet-bench-uv-")):
        folder = tempfile.mkdtemp(prefix="snippet-bench-env-")
        saved = os.environ.get("UV_CACHE_DIR")
        if uv_cache:
            os.environ["UV_CACHE_DIR"] = uv_cache
        try:
            started = time.perf_counter()
            with environments.Environments(folder, report=lambda line: None) as made:
                environment = made.get(interpreter, ("numpy",)).result()
            costs.append((time.perf_counter() - started, environment.packages))
        finally:
            if uv_cache:
                os.environ.pop("UV_CACHE_DIR") if saved is None else os.environ.update(UV_CACHE_DIR=saved)
                shutil.rmtree(uv_cache, ignore_errors=True)
            shutil.rmtree(folder, ignore_errors=True)
    return interpreter.version, costs


def report(posts, times, cpus, counts, counted=None):
    """Each time is the best of the rounds; each ratio the median of its pairs' own ratios."""
    print(f"\n{posts} posts x {len(BLOCKS)} Python blocks (best of {len(times['plain build'])} rounds; "
          f"the ratios: medians of every pair)")
    for name, values in times.items():
        print(f"  {name:34s} {min(values):7.2f} s")
    cold, warm, edit, matrix_warm, (environments, lookup) = counts
    print(f"  blocks: cold {cold}; warm {warm}; after one edit {edit}")
    checks = [
        ("cold build / plain build", "build, cold cache", "plain build", 1.30),
        ("warm build / plain build", "build, warm cache", "plain build, before warm", 1.05),
        ("ours cold / peer", "ours: snippets command, cold", "peer: pytest-markdown-docs", 0.50),
    ]
    for name, ours, base, target in checks:
        ratios = sorted(a / b for a, b in zip(times[ours], times[base], strict=True))
        ratio = statistics.median(ratios)
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"  {name:34s} {ratio:7.3f}x  (rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; "
              f"target <= {target:.2f}x: {verdict})")
    # What sealing costs: the snippets command against itself with sandbox="off" (CPU: of the
    # command and every process it started).
    sealed, unsealed = "ours: snippets command, cold", "ours: snippets command, unsealed"
    for what, values in (("wall", times), ("CPU", cpus)):
        cost = statistics.median(values[sealed]) - statistics.median(values[unsealed])
        print(f"  {'sealing, per post (' + what + ')':34s} {cost / posts * 1000:7.2f} ms")
    edit_ok = edit.startswith(f"{len(BLOCKS)} run")
    print(f"  an edit re-runs only that post: {'yes' if edit_ok else 'NO'} ({edit})")
    # The matrix: on N interpreters at once, against the sum of each alone (each is measured:
    # their speeds differ), and against N times the build's own.
    n = len(MATRIX)
    alone = [f"alone: snippets --python {version}, cold" for version in MATRIX]
    each = [sum(round_times) for round_times in zip(*(times[name] for name in alone), strict=True)]
    ratios = sorted(a / b for a, b in zip(times["matrix: snippets command, cold"], each, strict=True))
    ratio = statistics.median(ratios)
    print(f"  {'matrix cold / each alone, summed':34s} {ratio:7.3f}x  (rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; "
          f"target <= 1.10x: {'meets' if ratio <= 1.10 else 'MISSES'})")
    own = statistics.median(a / b for a, b in zip(times["matrix: snippets command, cold"],
                                                   times[f"alone: snippets --python {OWN}, cold"], strict=True))
    print(f"  {'matrix cold / the build' + chr(39) + 's own':34s} {own:7.2f}x  (for {n} interpreters; "
          f"{own / n:.2f} x N)")
    ratios = sorted(a / b for a, b in zip(times["matrix: build, warm cache"], times["plain build, before warm"],
                                          strict=True))
    ratio = statistics.median(ratios)
    print(f"  {'matrix warm build / plain build':34s} {ratio:7.3f}x  (rounds {ratios[0]:.2f}-{ratios[-1]:.2f}; "
          f"target <= 1.05x: {'meets' if ratio <= 1.05 else 'MISSES'}; {matrix_warm})")
    over_one = statistics.median(a / b for a, b in zip(times["matrix: build, warm cache"],
                                                       times["build, warm cache"], strict=True))
    print(f"  {'matrix warm build / one interpreter':34s} {over_one:7.3f}x  (what the matrix adds to a warm build)")
    print(f"  {'finding every environment, warm':34s} {lookup:7.1f} ms  ({environments} environments; "
          f"target <= 50 ms: {'meets' if lookup <= 50 else 'MISSES'})")
    if counted:
        plain, warm, matrix = counted
        print(f"  instructions of a warm build (valgrind; the plain build: {plain / 1e9:.2f} billion)")
        for name, count in (("warm build / plain build", warm), ("matrix warm build / plain build", matrix)):
            ratio = count / plain
            print(f"  {name:34s} {ratio:7.3f}x  (target <= 1.05x: {'meets' if ratio <= 1.05 else 'MISSES'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--scaling", type=int, default=1000, help="a second, larger corpus (0 to skip)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of runs (times: the best; ratios: the median)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="warm builds and command-against-peer pairs in each round (default: 3)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count the warm builds' instructions under valgrind (a few minutes)")
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind: apt-get install valgrind")
    if importlib.util.find_spec("pytest_markdown_docs") is None:
        sys.exit("the peer is missing: pip install -r bench/requirements.txt")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for posts in [args.posts] + ([args.scaling] if args.scaling else []):
        times, cpus, counts, counted = measure(posts, args.repeat, args.pairs, args.instructions)
        report(posts, times, cpus, counts, counted)
    version, costs = numpy_environment_cost()
    (warm_uv, packages), (cold_uv, _) = costs
    print(f"\nan environment with numpy for Python {version} ({packages}): {warm_uv:.1f} s with uv's download "
          f"cache, {cold_uv:.1f} s with an empty one")


if __name__ == "__main__":
    main()
