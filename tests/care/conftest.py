"""The shipped KB's matcher, built once per test session (building reads jieba's dictionary)."""

from __future__ import annotations

import pytest

from kefu.care.bot import FaqMatcher, load_knowledge_base


@pytest.fixture(scope="session")
def matcher() -> FaqMatcher:
    return FaqMatcher(load_knowledge_base())
