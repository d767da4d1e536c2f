"""Reply templates: variables, rendering errors, validation, keyword and pinyin search."""

from __future__ import annotations

import pytest

from kefu.care.templates import (
    VARIABLES,
    Template,
    load_seed_templates,
    parse_seeds,
    render,
    search,
    step_list,
    validate,
    variables_in,
)
from kefu.domain.errors import ErrorCode, KefuError


def _lib() -> list[Template]:
    return [
        Template(1, "物流", "物流进度查询", "{买家}您好, 单号{物流单号}", ("查轨迹",), usage_count=3),
        Template(2, "退换", "退换货说明", "退货地址: {退货地址}", ("发地址", "收到后退款"), usage_count=9),
        Template(3, "质量", "质量问题处理", "请拍照, 来回运费我们承担", ("要照片", "登记工单")),
        Template(4, "物流", "快递延误安抚", "联系快递查询延误原因", usage_count=1),
    ]


def test_variables_in_order_and_literal_braces() -> None:
    assert variables_in("{买家}您好 {订单号} {买家} {{不是变量}}") == ["买家", "订单号"]


def test_render_fills_every_variable() -> None:
    out = render(
        "{买家}您好, 订单{订单号}预计{预计天数}天到 {{备注}}",
        {"买家": "小王", "订单号": "123", "预计天数": 2},
    )
    assert out == "小王您好, 订单123预计2天到 {备注}"


def test_render_names_every_missing_or_blank_variable() -> None:
    with pytest.raises(KefuError) as exc:
        render("{买家} {订单号} {物流单号}", {"买家": "小王", "订单号": "  "})
    assert exc.value.code is ErrorCode.TEMPLATE_VARIABLE_MISSING
    assert exc.value.details["missing"] == ["订单号", "物流单号"]
    assert exc.value.http_status == 422
    assert "订单号" in exc.value.message


def test_validate_rejects_bad_templates() -> None:
    validate("物流", "t", "{买家} ok")
    for cat, title, body in [
        ("火星", "t", "b"),
        ("物流", " ", "b"),
        ("物流", "t", "{买家 坏了"),
        ("物流", "t", "x } y"),
    ]:
        with pytest.raises(KefuError) as exc:
            validate(cat, title, body)
        assert exc.value.code is ErrorCode.BAD_ARGUMENT


def test_seed_library_covers_the_after_sales_cases() -> None:
    seeds = load_seed_templates()
    cats = {s.category for s in seeds}
    assert {"售前", "物流", "签收", "退换", "尺码", "质量", "错发", "未发货", "加急", "差评"} <= cats
    quality = next(s for s in seeds if s.category == "质量")
    assert len(quality.steps) >= 5
    used = {v for s in seeds for v in variables_in(s.body)}
    assert used == set(VARIABLES)


def test_parse_seeds_rejects_unknown_variable_and_missing_field() -> None:
    with pytest.raises(KefuError):
        parse_seeds({"templates": [{"category": "物流", "title": "t", "body": "{快递员}"}]})
    with pytest.raises(KefuError):
        parse_seeds({"templates": [{"category": "物流", "title": "t"}]})


def test_keyword_search_ranks_category_then_title_then_usage() -> None:
    hits = search(_lib(), "物流")
    assert [t.id for t in hits] == [1, 4]  # both category 物流; more used first
    assert [t.id for t in search(_lib(), "退货地址")] == [2]
    assert [t.id for t in search(_lib(), "登记工单")] == [3]  # found in steps


def test_pinyin_initials_search() -> None:
    assert [t.id for t in search(_lib(), "wl")] == [1, 4]
    assert [t.id for t in search(_lib(), "zl")] == [3]
    assert [t.id for t in search(_lib(), "thh")] == [2]
    assert [t.id for t in search(_lib(), "WL")] == [1, 4]  # case-insensitive


def test_full_pinyin_and_multi_term_search() -> None:
    assert [t.id for t in search(_lib(), "wuliu")] == [1, 4]
    assert [t.id for t in search(_lib(), "wl 延误")] == [4]
    assert search(_lib(), "不存在的词") == []


def test_empty_query_lists_by_usage_and_limit_applies() -> None:
    assert [t.id for t in search(_lib(), "", limit=2)] == [2, 1]
    with pytest.raises(KefuError):
        search(_lib(), "wl", limit=0)


def test_step_list_numbering() -> None:
    assert step_list(["a", "b"]) == "步骤1: a\n步骤2: b"
