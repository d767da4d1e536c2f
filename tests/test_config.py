"""Settings: the session key (env, generated file, production refusal), docs switch, trusted proxies.

Issue 15 hole 1: the key defaulted to a string in the source code.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.config import SECRET_FILE, Settings, _file_secret, get_settings
from kefu.domain.errors import ErrorCode, KefuError

KEY = "k" * 40


def test_a_key_is_generated_once_private_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path / "var").secret_key
    path = tmp_path / "var" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 60 and first != "kefu-dev-secret-change-me"
    _file_secret.cache_clear()  # as a new process would
    assert Settings(data_dir=tmp_path / "var").secret_key == first
    assert Settings(data_dir=tmp_path / "other").secret_key != first
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == [SECRET_FILE]  # no temporary file left


def _key_in_new_process(folder: str) -> str:
    return Settings(data_dir=Path(folder)).secret_key


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        keys = pool.map(_key_in_new_process, [str(tmp_path / "var")] * 12)
    assert len(set(keys)) == 1
    assert (tmp_path / "var" / SECRET_FILE).read_text().strip() == keys[0]
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == [SECRET_FILE]


def test_the_environment_key_wins(tmp_path: Path) -> None:
    assert Settings(configured_secret=KEY, data_dir=tmp_path).secret_key == KEY
    assert not (tmp_path / SECRET_FILE).exists()


def test_production_without_a_key_refuses_to_start(tmp_path: Path) -> None:
    prod = Settings(environment="production", data_dir=tmp_path / "var")
    with pytest.raises(KefuError) as info:
        _ = prod.secret_key
    assert info.value.code == ErrorCode.CONFIG_INVALID
    assert "KEFU_SECRET_KEY" in info.value.message and "生产环境" in info.value.message
    assert "KEFU_SECRET_KEY" in info.value.message_en and "not starting" in info.value.message_en
    assert not (tmp_path / "var").exists()
    # a key file made beforehand (e.g. by the operator) is used
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / SECRET_FILE).write_text(KEY + "\n")
    assert Settings(environment="production", data_dir=tmp_path / "var").secret_key == KEY
    assert Settings(environment="production", configured_secret=KEY, data_dir=tmp_path / "none").secret_key == KEY


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"configured_secret": "short"}, "at least 32"),
    ({"environment": "prod"}, "KEFU_ENV must be development or production"),
])
def test_bad_settings_are_refused(kwargs: dict[str, str], needle: str) -> None:
    with pytest.raises(KefuError) as info:
        Settings(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == ErrorCode.CONFIG_INVALID and needle in info.value.message_en


def test_a_truncated_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("\n")
    with pytest.raises(KefuError) as info:
        _ = Settings(data_dir=tmp_path).secret_key
    assert "empty or too short" in info.value.message_en


def test_docs_follow_the_environment_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    def settings(**env: str) -> Settings:
        for name in ("KEFU_ENV", "KEFU_API_DOCS", "KEFU_TRUSTED_PROXIES", "KEFU_SECRET_KEY"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return get_settings()
        finally:
            get_settings.cache_clear()

    assert settings().api_docs is True
    assert settings(KEFU_ENV="production").api_docs is False
    assert settings(KEFU_ENV="production", KEFU_API_DOCS="1").api_docs is True
    assert settings(KEFU_API_DOCS="off").api_docs is False
    with pytest.raises(KefuError):
        settings(KEFU_API_DOCS="maybe")
    proxies = settings(KEFU_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8").trusted_proxies
    assert [str(n) for n in proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    with pytest.raises(KefuError) as info:
        settings(KEFU_TRUSTED_PROXIES="localhost")
    assert "KEFU_TRUSTED_PROXIES" in info.value.message_en


def test_kefu_serve_in_production_without_a_key_exits_2_in_both_languages(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
           "KEFU_ENV": "production",
           "KEFU_DATA_DIR": str(tmp_path / "var"), "KEFU_DATABASE_URL": f"sqlite:///{tmp_path / 'k.db'}"}
    result = subprocess.run([sys.executable, "-m", "kefu", "serve", "--port", "0"], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "生产环境 (KEFU_ENV=production) 必须设置 KEFU_SECRET_KEY" in result.stderr
    assert "production (KEFU_ENV=production) needs KEFU_SECRET_KEY" in result.stderr
    assert not (tmp_path / "var" / SECRET_FILE).exists()
