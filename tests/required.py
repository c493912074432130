"""What a test needs from the machine (a browser, a server, a tool): skipped where it is
missing, failed under CI (CI=true), where everything must run.

tests/ is on sys.path (pytest puts the folder of the top conftest.py there), so both
tests/browser and tests/publish import this as `required`.
"""

import os

import pytest


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require(available, reason):
    """`reason` says what is missing and how to get it."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)
