"""The KPI scheme editor of ``/settings/rules`` (tab "KPI 方案"): items, weights, targets, grading
(thresholds, with a suggestion from the month's own scores, or a forced distribution), the month a
version applies from, and the grades of a month under the saved scheme.

Thin: the form edits a copy of the scheme document; 保存 hands the whole document to
:func:`kefu.service.credit.actions_kpi.save_kpi_scheme` (validated whole, a new version, an audit
event, or a bilingual notice and nothing stored). The grade table is what pay and the workbook
compute (:func:`kefu.service.credit.actions_pay.pay`), so a saved threshold moves it at once.
"""

from __future__ import annotations

import copy
from typing import Any

from nicegui import ui

from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.credit import actions_kpi
from kefu.service.credit import actions_pay as pay_actions
from kefu.service.org.schemas import UserOut
from kefu.ui.i18n import t
from kefu.ui.labels import shop_time
from kefu.ui.widgets import run, testid

SCHEMES = {"standard": ("标准方案", "standard"), "service_first": ("重服务方案", "service first")}


def kpi_tab(user: UserOut) -> None:
    state: dict[str, Any] = {"name": "standard", "doc": {}, "stamp": ""}
    def load(name: str) -> None:
        shown = run(actions_kpi.kpi_scheme, name)
        if shown is None:
            return
        state.update(name=name, doc=copy.deepcopy(shown.doc), metrics=shown.metrics, suggestion=None,
                     stamp=_stamp(shown.version, shown.saved_by, shown.saved_at),
                     versions=[(v.version, v.valid_from, v.saved_by) for v in shown.versions])  # fmt: skip
        form.refresh()
        grades.refresh()

    @ui.refreshable
    def form() -> None:
        doc = state["doc"]
        if not doc:
            return
        ui.label(state["stamp"]).classes("text-grey-7 text-sm").props('data-testid="kpi-version"')
        with ui.row().classes("items-end gap-3"):
            ui.input(t("生效月份 (YYYY-MM)", "Valid from (YYYY-MM)"), value=str(doc.get("valid_from", ""))).bind_value(
                doc, "valid_from").props('dense outlined data-testid="kpi-valid-from"').classes("w-48")
        ui.label(t("考核项 (权重合计 100)", "Items (weights sum to 100)")).classes("font-bold")
        for i, item in enumerate(doc.get("items", [])):
            with ui.row().classes("items-end gap-2 no-wrap"):
                ui.input(t("名称", "Label"), value=str(item.get("label", ""))).bind_value(item, "label").props(
                    "dense outlined").classes("w-40")
                ui.select(state["metrics"], value=item.get("metric"), label=t("指标", "Metric")).bind_value(
                    item, "metric").props("dense outlined").classes("w-48")
                _number(t("权重", "Weight"), item, "weight", f"kpi-weight-{i}")
                _number(t("目标", "Target"), item, "target", f"kpi-target-{i}")
                ui.checkbox(t("越低越好", "lower is better"), value=bool(item.get("lower_is_better"))).bind_value(
                    item, "lower_is_better")
                ui.button(icon="delete", on_click=lambda k=i: (doc["items"].pop(k), form.refresh())).props(
                    "flat dense color=negative")
        ui.button(t("添加考核项", "Add item"), on_click=lambda: (doc["items"].append(
            {"metric": "reply_rate", "label": "回复率", "weight": 0, "target": "0.98"}), form.refresh())).props(
            "flat dense no-caps")  # fmt: skip
        grading = doc.setdefault("grades", {"by": "thresholds", "thresholds": []})
        _grading(grading)
        ui.button(t("保存为新版本", "Save as a new version"), on_click=save).props('data-testid="kpi-save"')
        if state["versions"]:
            ui.label(t("已保存的版本: ", "Saved versions: ") + " · ".join(
                f"v{v} ({t('自', 'from')} {m}, {by})" for v, m, by in state["versions"])).classes("text-sm")  # fmt: skip

    def _grading(grading: dict[str, Any]) -> None:
        """Thresholds (with a suggestion from the month's own scores) or a forced distribution."""
        ui.label(t("评级方式", "Grading")).classes("font-bold")
        testid(ui.toggle({"thresholds": t("按分数线", "by thresholds"), "distribution": t("强制分布", "forced distribution")},
                         value=grading.get("by", "thresholds"), on_change=lambda e: switch(grading, str(e.value))),
               "kpi-grade-by")  # fmt: skip
        if grading.get("by") == "distribution":
            ui.label(t("各等级人数占比 (合计 100%, 按总分排名)", "Share of agents per grade (sum 100%, by rank)"))
            for i, pair in enumerate(grading.get("distribution", [])):
                with ui.row().classes("items-end gap-2"):
                    ui.label(str(pair[0])).classes("w-20")
                    share = ui.input(t("占比", "Share"), value=str(pair[1])).on_value_change(
                        lambda e, p=pair: p.__setitem__(1, e.value))
                    testid(share.props("dense outlined").classes("w-28"), f"kpi-share-{i}")
            return
        ui.label(t("评级分数线 (总分 ≥ 分数线)", "Grade thresholds (total ≥ threshold)")).classes("font-bold")
        for i, pair in enumerate(grading.get("thresholds", [])):
            with ui.row().classes("items-end gap-2"):
                ui.input(t("等级", "Grade"), value=str(pair[1])).on_value_change(
                    lambda e, p=pair: p.__setitem__(1, e.value)).props("dense outlined").classes("w-28")
                line = ui.input(t("分数线", "Threshold"), value=str(pair[0])).on_value_change(
                    lambda e, p=pair: p.__setitem__(0, e.value))
                testid(line.props("dense outlined").classes("w-28"), f"kpi-threshold-{i}")
        with ui.row().classes("items-center gap-2"):
            ui.button(t("按本月得分分布建议分数线", "Suggest thresholds from this month's scores"),
                      on_click=suggest).props('flat no-caps data-testid="kpi-suggest"')  # fmt: skip
            got = state.get("suggestion")
            if got is not None:
                text = " · ".join(f"{g} ≥ {v} ({got.counts.get(g, 0)})" for v, g in got.thresholds)
                testid(ui.label(t(f"{got.month} 参评 {got.graded} 人, 建议 (括号内为人数): {text}",
                                  f"{got.month}, {got.graded} agents graded, suggested (agents): {text}")),
                       "kpi-suggestion")
                ui.button(t("采用建议", "Use the suggestion"), on_click=lambda: adopt(grading)).props(
                    'flat no-caps color=positive data-testid="kpi-adopt"')

    def switch(grading: dict[str, Any], by: str) -> None:
        grading["by"] = by
        if by == "distribution" and not grading.get("distribution"):
            grading["distribution"] = copy.deepcopy(actions_kpi.DEFAULT_DISTRIBUTION)
        form.refresh()

    def suggest() -> None:
        state["suggestion"] = run(actions_kpi.grading_suggestion, state["name"], month.value or "", state["doc"])
        form.refresh()

    def adopt(grading: dict[str, Any]) -> None:
        got = state.get("suggestion")
        if got is not None:
            grading["thresholds"] = [list(pair) for pair in got.thresholds]
            ui.notify(t("已填入建议分数线, 保存后生效", "suggested thresholds filled in; save to apply"))
            form.refresh()

    def save() -> None:
        saved = run(actions_kpi.save_kpi_scheme, state["name"], state["doc"], by=user.username)
        if saved is not None:
            ui.notify(t(f"已保存为第 {saved.version} 版", f"saved as version {saved.version}"), type="positive")
            load(state["name"])

    @ui.refreshable
    def grades() -> None:
        got = run(pay_actions.pay, user, month.value or "", state["name"])
        if got is None:
            return
        ui.label(t(f"{got.month} 评级 (方案 {got.scheme} 第 {got.version} 版)",
                   f"Grades {got.month} (scheme {got.scheme} v{got.version})")).classes("font-bold").props(
            'data-testid="kpi-grades-title"')  # fmt: skip
        if got.elapsed_days < got.month_days:
            testid(ui.label(t(f"本月进行中: 按月累计的目标 (销售额等) 按已过 {got.elapsed_days}/{got.month_days} 天折算",
                              f"month in progress: monthly totals' targets prorated to {got.elapsed_days}/"
                              f"{got.month_days} days")).classes("text-grey-7 text-sm"), "kpi-prorated")  # fmt: skip
        rows = [{"agent": g.agent, "name": g.name, "score": g.score, "grade": g.grade or t("不参评", "not graded")}
                for g in got.grades]
        cols = [{"name": f, "label": lbl, "field": f, "align": "left"}
                for f, lbl in (("name", t("客服", "Agent")), ("score", t("总分", "Score")), ("grade", t("等级", "Grade")))]
        testid(ui.table(columns=cols, rows=rows, row_key="agent").classes("w-96").props("dense flat"), "kpi-grades")

    with ui.row().classes("items-end gap-3"):
        ui.select({k: t(*v) for k, v in SCHEMES.items()}, value="standard", label=t("方案", "Scheme"),
                  on_change=lambda e: load(str(e.value))).props('dense outlined data-testid="kpi-scheme"').classes(
            "w-48")  # fmt: skip
        month = ui.input(t("看哪个月的评级 (YYYY-MM)", "Grades of month (YYYY-MM)"),
                         value=utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")).props(
            'dense outlined data-testid="kpi-month"').classes("w-48")  # fmt: skip
        ui.button(t("查看评级", "Show grades"), on_click=lambda: grades.refresh()).props("flat no-caps")
    month.on("keydown.enter", lambda: grades.refresh())
    grades()
    form()
    load("standard")


def _stamp(version: int, by: str, at: str) -> str:
    if version == 0:
        return t("当前: 内置方案 (尚未修改)", "Now: the shipped scheme (not edited yet)")
    return t(f"当前: 第 {version} 版, {by} 保存于 {shop_time(at)}", f"Now: version {version}, saved by {by} at {shop_time(at)}")


def _number(label: str, item: dict[str, Any], key: str, tid: str) -> None:
    """A weight or target typed as text: the scheme keeps decimals exact ("0.98", not 0.98000001)."""
    box = ui.input(label, value=str(item.get(key, ""))).on_value_change(lambda e: item.__setitem__(key, e.value))
    testid(box.props("dense outlined").classes("w-28"), tid)
