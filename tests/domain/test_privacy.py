"""PIPL masking: phones keep 3+4 digits, addresses keep province/city/district."""

from __future__ import annotations

import pytest

from kefu.domain.privacy import address_for, mask_address, mask_phone, phone_for


@pytest.mark.parametrize(("raw", "masked"), [
    ("13812341234", "138****1234"),
    ("+86 138-1234-1234", "138****1234"),
    ("8613812341234", "138****1234"),
    ("0571-8888123", "057****8123"),
    ("1234567", "12*4567"),
    ("123", "*23"),
    ("", ""),
])
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(("raw", "masked"), [
    ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区****"),
    ("北京市朝阳区建国路1号", "北京市朝阳区****"),
    ("上海市浦东新区张江路", "上海市浦东新区****"),
    ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市青秀区****"),
    ("江苏省苏州市昆山市玉山镇", "江苏省苏州市昆山市****"),
    ("某某路1号", "某某****"),
    ("", ""),
])
def test_mask_address(raw: str, masked: str) -> None:
    assert mask_address(raw) == masked


def test_only_admin_sees_full_data() -> None:
    assert phone_for("admin", "13812341234") == "13812341234"
    assert phone_for("supervisor", "13812341234") == "138****1234"
    assert phone_for("agent", "13812341234") == "138****1234"
    assert address_for("agent", "北京市朝阳区建国路1号") == "北京市朝阳区****"
