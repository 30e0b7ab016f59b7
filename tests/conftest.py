from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the fuzz tests skip themselves
    pass
else:
    # Hypothesis profiles for tests/test_fuzz.py.
    #
    # ci (the default, everywhere): up to 100 examples a test (the slow tests take a share of
    # that, see `examples` in test_fuzz.py), derandomized. Every run, CI's and a developer's,
    # tries the same examples, so a red build is never luck and replays exactly with plain
    # `pytest`; the fuzz tests stay well under a minute on two cores.
    # fuzz: 50 times as many fresh random examples, failures kept in .hypothesis/ and replayed
    # first next time. For finding new bugs locally (an hour or so):
    #   HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py
    # A bug found that way gets a plain regression test, so that CI keeps it fixed.
    _SLOW_INPUTS = [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ]
    settings.register_profile(
        "ci",
        max_examples=100,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=_SLOW_INPUTS,
    )
    settings.register_profile(
        "fuzz",
        max_examples=5000,
        deadline=None,
        print_blob=True,
        suppress_health_check=_SLOW_INPUTS,
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
