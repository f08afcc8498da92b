"""Parameters of the format contract (contract.py) that depend on the format under test."""

from __future__ import annotations

import pytest
from formats.contract import FormatContract, other_samples


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    cls = metafunc.cls
    if (
        cls is not None
        and issubclass(cls, FormatContract)
        and "other_sample" in metafunc.fixturenames
    ):
        samples = other_samples(cls.samples or cls.format)
        metafunc.parametrize(
            "other_sample", samples, ids=[f"{p.parent.name}/{p.name}" for p in samples]
        )
