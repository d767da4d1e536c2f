"""Reply templates (话术): the shipped library, search by keyword or pinyin initials, render with usage counts.

:mod:`kefu.care.templates` does the matching and rendering; this module maps
``ReplyTemplate`` rows to it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kefu.care import templates as tpl
from kefu.domain.errors import not_found
from kefu.store.models.care import ReplyTemplate


def _tpl(r: ReplyTemplate) -> tpl.Template:
    return tpl.Template(r.id, r.category, r.title, r.body, tuple(r.steps or ()), r.usage_count or 0)


def _tpl_view(r: ReplyTemplate) -> dict[str, Any]:
    return {"id": r.id, "shop_id": r.shop_id, "category": r.category, "title": r.title, "body": r.body,
            "steps": list(r.steps or []), "variables": tpl.variables_in(r.body), "usage_count": r.usage_count or 0}  # fmt: skip


def seed_templates(session: Session, shop_id: str | None = None) -> int:
    """Load the shipped library; idempotent (a template with the same title is left alone)."""
    have = set(session.scalars(select(ReplyTemplate.title).where(
        ReplyTemplate.shop_id.is_(None) if shop_id is None else ReplyTemplate.shop_id == shop_id)))  # fmt: skip
    added = 0
    for seed in tpl.load_seed_templates():
        if seed.title not in have:
            session.add(ReplyTemplate(shop_id=shop_id, category=seed.category, title=seed.title, body=seed.body,
                                      steps=list(seed.steps), usage_count=0))  # fmt: skip
            added += 1
    session.flush()
    return added


def create_template(session: Session, *, category: str, title: str, body: str, steps: list[str] | None = None,
                    shop_id: str | None = None) -> dict[str, Any]:  # fmt: skip
    tpl.validate(category, title, body)
    r = ReplyTemplate(
        shop_id=shop_id,
        category=category,
        title=title[:100],
        body=body,
        steps=list(steps or []),
        usage_count=0,
    )
    session.add(r)
    session.flush()
    return _tpl_view(r)


def search_templates(
    session: Session, query: str, *, shop_id: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Keyword / category / pinyin-initials search over the shop's and the shared templates."""
    q = select(ReplyTemplate)
    q = q.where(ReplyTemplate.shop_id.is_(None) | (ReplyTemplate.shop_id == shop_id)) if shop_id else q
    rows = {r.id: r for r in session.scalars(q)}
    return [_tpl_view(rows[t.id]) for t in tpl.search([_tpl(r) for r in rows.values()], query, limit)]


def render_template(session: Session, template_id: int, variables: dict[str, Any]) -> dict[str, Any]:
    """Fill the variables and count one use (atomic increment, safe under many workers)."""
    r = session.get(ReplyTemplate, template_id)
    if r is None:
        raise not_found("模板 / template", template_id)
    text = tpl.render(r.body, variables)
    session.execute(update(ReplyTemplate).where(ReplyTemplate.id == template_id)
                    .values(usage_count=ReplyTemplate.usage_count + 1))  # fmt: skip
    session.refresh(r)
    return {
        "id": r.id,
        "title": r.title,
        "text": text,
        "steps": list(r.steps or []),
        "usage_count": r.usage_count,
    }
