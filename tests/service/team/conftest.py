"""The ``world`` fixture of the team use-case tests (see ``team_world``)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from team_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)
