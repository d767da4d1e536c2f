"""PIPL masking: phones keep 3+4 digits, addresses keep province/city/district."""

from __future__ import annotations

import pytest

from kefu.domain.privacy import (
    address_for,
    is_id_card,
    mask_address,
    mask_phone,
    mask_text,
    may_reveal,
    phone_for,
    text_for,
)


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


@pytest.mark.parametrize(("raw", "masked"), [
    ("我的手机13812341234, 地址浙江省杭州市西湖区文三路90号3幢201室, 谢谢",
     "我的手机138****1234, 地址浙江省杭州市西湖区****, 谢谢"),
    ("电话 +86 138-1234-1234 或 0571-88886666 转 12", "电话 138****1234 或 0571-****66 转 12"),
    ("座机(021)62345678", "座机(021)****78"),
    ("身份证 11010519491231002X 订单 2837465019283746501", "身份证 110***********002X 订单 2837465019283746501"),
    ("旧身份证 110105491231002", "旧身份证 110********1002"),
    ("订单号 110105194912310021", "订单号 110105194912310021"),  # wrong check digit: an order number, kept
    ("邮箱 zhang.san@qq.com 发票", "邮箱 z***@qq.com 发票"),
    ("上海市浦东新区张江镇科苑路88弄5号1202室", "上海市浦东新区张江镇****"),
    ("送到幸福小区3栋2单元501", "****"),  # no admin unit: the street name guessed 4 characters wide
    ("杭州市西湖区90号", "杭州市西湖区****"),
    ("5号发货吗? 买了3件, 12号到", "5号发货吗? 买了3件, 12号到"),
    ("在吗? 128.50 元, 客服电话 4008123123", "在吗? 128.50 元, 客服电话 4008123123"),
    ("", ""),
])  # fmt: skip
def test_mask_text_finds_personal_data_inside_sentences(raw: str, masked: str) -> None:
    assert mask_text(raw) == masked


@pytest.mark.parametrize("text", ["1" * 5000, "1号" * 3000, "a" * 5000, "市" * 5000, "a市b区c路1号" * 1000,
                                  "13812341234" * 400, "1-" * 3000])  # fmt: skip
def test_mask_text_is_linear_on_hostile_input(text: str) -> None:
    """A buyer's 5000-character message must not stall a page (no regex backtracking blow-up).

    No timing assertion: each pattern is anchored so it looks at every character a bounded
    number of times; the test just has to finish (a quadratic pattern takes minutes here).
    """
    assert len(mask_text(text)) <= len(text) + 4


def test_roles_full_masked_and_reveal() -> None:
    text = "手机13812341234"
    assert [text_for(r, text) for r in ("admin", "integration", "supervisor", "agent")] == [
        text, text, "手机138****1234", "手机138****1234"]
    assert [may_reveal(r) for r in ("admin", "supervisor", "agent", "integration")] == [True, True, False, False]
    assert is_id_card("11010519491231002X") and not is_id_card("110105194902300021")  # 30 Feb
