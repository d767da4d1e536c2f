"""One typed settings object, read once from the environment (KEFU_*)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from kefu.domain import timeutil

_DEV_SECRET = "kefu-dev-secret-change-me"


@dataclass(frozen=True)
class Settings:
    """Process-wide settings. Defaults give a zero-setup embedded install."""

    database_url: str = "sqlite:///var/kefu.db"
    secret_key: str = _DEV_SECRET
    environment: str = "development"  # development | production
    shop_timezone: str = "Asia/Shanghai"
    data_dir: Path = field(default_factory=lambda: Path("var"))
    redis_url: str = ""  # optional: live monitor fan-out across workers
    webhook_secret: str = ""  # HMAC-SHA256 key of POST /api/v1/webhooks/{source}; empty = webhooks refused
    retention_days: int = 0  # buyers' personal data older than this is anonymised (0 = kept); shops may override
    clock_start: datetime | None = None  # tests and demos only: the process's clock starts here (KEFU_CLOCK_START)

    def __post_init__(self) -> None:
        if self.environment == "production" and self.secret_key == _DEV_SECRET:
            raise RuntimeError("KEFU_SECRET_KEY must be set in production / 生产环境必须设置 KEFU_SECRET_KEY")
        if self.environment == "production" and self.clock_start is not None:
            raise RuntimeError("KEFU_CLOCK_START is for tests only / 生产环境不能设置 KEFU_CLOCK_START")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        database_url=normalise_database_url(env.get("KEFU_DATABASE_URL", "sqlite:///var/kefu.db")),
        secret_key=env.get("KEFU_SECRET_KEY", _DEV_SECRET),
        environment=env.get("KEFU_ENV", "development"),
        shop_timezone=env.get("KEFU_TZ", "Asia/Shanghai"),
        data_dir=Path(env.get("KEFU_DATA_DIR", "var")),
        redis_url=env.get("KEFU_REDIS_URL", ""),
        webhook_secret=env.get("KEFU_WEBHOOK_SECRET", ""),
        retention_days=int(env.get("KEFU_RETENTION_DAYS", "0") or 0),
        clock_start=_clock_start(env.get("KEFU_CLOCK_START", "")),
    )


def _clock_start(text: str) -> datetime | None:
    """``KEFU_CLOCK_START`` as an aware instant (ISO-8601 with offset); empty = the system clock."""
    if not text.strip():
        return None
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise RuntimeError("KEFU_CLOCK_START needs an offset, e.g. 2026-11-20T23:00:00+08:00")
    return value


_clock_installed: list[bool] = []


def install_clock(settings: Settings) -> None:
    """Start the process's clock where the settings say; only the first call of the process counts
    (the app and the CLI both call it; a test's own fixed clock is not replaced by a later app)."""
    if _clock_installed:
        return
    _clock_installed.append(True)
    if settings.clock_start is not None:
        timeutil.start_clock_at(settings.clock_start)


def new_token() -> str:
    return secrets.token_urlsafe(32)
