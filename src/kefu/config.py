"""One typed settings object, read once from the environment (KEFU_*).

There is no built-in session key. ``KEFU_SECRET_KEY`` is used when set;
otherwise a random key is generated on first use and kept in
``<KEFU_DATA_DIR>/secret_key`` (mode 0600), so every worker on the machine and
every restart signs cookies with the same key. Production (``KEFU_ENV=production``)
never generates one: without ``KEFU_SECRET_KEY`` or an existing key file it
refuses to start.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from kefu.domain import timeutil
from kefu.domain.errors import ErrorCode, KefuError

SECRET_FILE = "secret_key"
MIN_SECRET_CHARS = 32
ENVIRONMENTS = ("development", "production")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Settings:
    """Process-wide settings. Defaults give a zero-setup embedded install.

    A shop's time zone is not a process setting: it is stored with the shop
    (``shops.timezone``, default Asia/Shanghai), and code without a shop uses
    ``kefu.domain.timeutil.SHOP_TZ``.
    """

    database_url: str = "sqlite:///var/kefu.db"
    configured_secret: str = ""  # KEFU_SECRET_KEY; empty: the generated key in data_dir/secret_key
    environment: str = "development"  # development | production
    data_dir: Path = field(default_factory=lambda: Path("var"))
    webhook_secret: str = ""  # HMAC-SHA256 key of POST /api/v1/webhooks/{source}; empty = webhooks refused
    retention_days: int = 0  # buyers' personal data older than this is anonymised (0 = kept); shops may override
    clock_start: datetime | None = None  # tests and demos only: the process's clock starts here (KEFU_CLOCK_START)
    api_docs: bool = True  # /docs and /api/v1/openapi.json (KEFU_API_DOCS; off by default in production)
    trusted_proxies: tuple[ProxyNetwork, ...] = ()  # KEFU_TRUSTED_PROXIES: whose X-Forwarded-For is believed
    background_interval_s: float = 5.0  # KEFU_BACKGROUND_INTERVAL_S: kefu serve's timers/outbox/sweep pass

    def __post_init__(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise KefuError(
                ErrorCode.CONFIG_INVALID,
                f"KEFU_ENV 只能是 development 或 production, 收到 {self.environment!r}",
                f"KEFU_ENV must be development or production, got {self.environment!r}",
            )
        if self.configured_secret and len(self.configured_secret) < MIN_SECRET_CHARS:
            raise KefuError(
                ErrorCode.CONFIG_INVALID,
                f"KEFU_SECRET_KEY 至少 {MIN_SECRET_CHARS} 个字符 (可用 `python -c \"import secrets; "
                f"print(secrets.token_urlsafe(48))\"` 生成)",
                f"KEFU_SECRET_KEY needs at least {MIN_SECRET_CHARS} characters (make one with "
                f"`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`)",
            )
        if self.environment == "production" and self.clock_start is not None:
            raise KefuError(
                ErrorCode.CONFIG_INVALID,
                "生产环境不能设置 KEFU_CLOCK_START (仅用于测试)",
                "KEFU_CLOCK_START is for tests only, not production",
            )

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def secret_key(self) -> str:
        """The key that signs session cookies and NiceGUI's storage (see the module docstring).

        Reading it may create the key file (development) or raise ``CONFIG_INVALID``
        (production without a key), so it is read where a server starts, not at import.
        """
        return self.configured_secret or _file_secret(self.data_dir.resolve(), self.production)


def _read_secret(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < MIN_SECRET_CHARS:
        raise KefuError(
            ErrorCode.CONFIG_INVALID,
            f"会话密钥文件 {path} 为空或太短; 删除它以重新生成, 或设置 KEFU_SECRET_KEY",
            f"the session key file {path} is empty or too short; delete it to generate a new one, "
            "or set KEFU_SECRET_KEY",
        )
    return key


@lru_cache(maxsize=8)
def _file_secret(data_dir: Path, production: bool) -> str:
    """Read the key file, creating it first if absent (never in production).

    Creation is atomic: the key is written to a private temporary file (0600)
    which is then hard-linked to its final name; ``link`` fails if another
    worker got there first, and then that worker's key is read. No process
    ever sees a half-written key.
    """
    path = data_dir / SECRET_FILE
    if path.exists():
        return _read_secret(path)
    if production:
        raise KefuError(
            ErrorCode.CONFIG_INVALID,
            f"生产环境 (KEFU_ENV=production) 必须设置 KEFU_SECRET_KEY (至少 {MIN_SECRET_CHARS} 个字符), "
            f"或提供密钥文件 {path}; 服务未启动",
            f"production (KEFU_ENV=production) needs KEFU_SECRET_KEY (at least {MIN_SECRET_CHARS} characters) "
            f"or a key file at {path}; not starting",
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".secret_key-", dir=data_dir)  # mkstemp creates it 0600
    try:
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode())
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process linked its key first: use theirs
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_secret(path)


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise KefuError(ErrorCode.CONFIG_INVALID, f"{name} 应为 1 或 0, 收到 {value!r}",
                    f"{name} must be 1 or 0, got {value!r}")


def _networks(value: str) -> tuple[ProxyNetwork, ...]:
    """``KEFU_TRUSTED_PROXIES``: comma-separated addresses or networks (``127.0.0.1,10.0.0.0/8``)."""
    out: list[ProxyNetwork] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            out.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise KefuError(ErrorCode.CONFIG_INVALID, f"KEFU_TRUSTED_PROXIES 中的地址无效: {part!r}",
                            f"KEFU_TRUSTED_PROXIES has an invalid address: {part!r}") from exc
    return tuple(out)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    environment = env.get("KEFU_ENV", "development")
    data_dir = Path(env.get("KEFU_DATA_DIR", "var"))
    return Settings(
        # the default SQLite file lives with kefu's other files in the data dir
        database_url=normalise_database_url(env.get("KEFU_DATABASE_URL", f"sqlite:///{data_dir / 'kefu.db'}")),
        configured_secret=env.get("KEFU_SECRET_KEY", ""),
        environment=environment,
        data_dir=data_dir,
        webhook_secret=env.get("KEFU_WEBHOOK_SECRET", ""),
        retention_days=int(env.get("KEFU_RETENTION_DAYS", "0") or 0),
        clock_start=_clock_start(env.get("KEFU_CLOCK_START", "")),
        api_docs=_flag("KEFU_API_DOCS", env.get("KEFU_API_DOCS"), environment != "production"),
        trusted_proxies=_networks(env.get("KEFU_TRUSTED_PROXIES", "")),
        background_interval_s=_interval(env.get("KEFU_BACKGROUND_INTERVAL_S", "")),
    )


def _interval(text: str) -> float:
    """``KEFU_BACKGROUND_INTERVAL_S``: seconds between background passes (default 5; 0.1 – 3600)."""
    try:
        value = float(text) if text.strip() else 5.0
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3600:
        raise KefuError(ErrorCode.CONFIG_INVALID, f"KEFU_BACKGROUND_INTERVAL_S 应为 0.1–3600 秒, 收到 {text!r}",
                        f"KEFU_BACKGROUND_INTERVAL_S must be 0.1–3600 seconds, got {text!r}")
    return value


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
