"""The one identifier pattern (kefu.domain.codes): letters of any script, digits, ``_ . - :``."""

from __future__ import annotations

import pytest

from kefu.domain.codes import check_code, check_codes, is_code
from kefu.domain.errors import ErrorCode, KefuError

PROBE = 'x" onmouseover="alert(1)"'


@pytest.mark.parametrize("value", ["白班", "晚班", "售前", "kf01", "A", "shop-1", "early_2", "v1.2", "旗舰店:小美", "一组"])
def test_real_codes_pass(value: str) -> None:
    assert is_code(value) and check_code("code", value) == value


@pytest.mark.parametrize("value", [PROBE, "", " ", "a b", "<b>", "a'b", 'a"b', "a=b", "a>b", "a&b", "a\tb", "a\nb",
                                   "a/b", "a`b", "x" * 65])
def test_markup_spaces_and_long_values_are_refused(value: str) -> None:
    assert not is_code(value)
    with pytest.raises(KefuError) as exc:
        check_code("code", value)
    assert (exc.value.code, exc.value.http_status) == (ErrorCode.BAD_ARGUMENT, 400)
    assert exc.value.details["argument"] == "code"
    assert "引号" in exc.value.message and "quotes" in exc.value.message_en


def test_length_limit_and_lists() -> None:
    assert is_code("x" * 32, 32) and not is_code("x" * 33, 32)
    assert check_codes("skills", ["售前", "售后"]) == ["售前", "售后"]
    with pytest.raises(KefuError):
        check_codes("skills", ["售前", PROBE])
