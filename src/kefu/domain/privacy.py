"""Masking of buyers' personal data (PIPL): phone numbers, ID cards, emails and addresses.

What a role sees (docs/security.md, "What is masked where"):

* admins and integrations (the shop's own systems, which sent the data in) see it whole;
* supervisors see it masked and may *reveal* one conversation, ticket, order or logbook
  entry at a time, which writes a ``privacy.revealed`` event (who, what, when);
* agents always see it masked: ``138****1234``, the address down to the district.

Free text (chat messages, ticket summaries and notes, logbooks, survey comments,
handover notes) goes through :func:`mask_text`, which finds mobile and landline
numbers, 18/15-digit ID card numbers (date and check digit verified, so order
numbers are left alone), emails and street addresses inside a sentence. Logs
always get the masked form.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_DIGITS = re.compile(r"\d")
_ADMIN_UNIT = re.compile(
    r"^(?P<prov>[^省市区县]{2,}?(?:省|自治区|特别行政区))?"
    r"(?P<city>[^省市区县]+?(?:市|自治州|地区|盟))?"
    r"(?P<dist>[^区县旗市]+?(?:区|县|旗|市))?"
)

FULL_VIEW_ROLES = frozenset({"admin", "integration"})
REVEAL_ROLES = frozenset({"admin", "supervisor"})
MASK = "****"

_ID18 = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<!\d)[1-9]\d{14}(?!\d)")
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:-\d{1,5})?(?!\d)")
# Addresses: anchored on a house number (90号, 3幢, 201室), then looked at leftwards inside
# the same run of letters (no punctuation or space) for a street/estate word or an admin
# unit. Linear: each character is looked at a bounded number of times, whatever the text.
_HOUSE = re.compile(r"(?<!\d)\d+\s*(?:号|栋|幢|座|单元|楼|层|室|弄)")
_TAIL = re.compile(r"(?:[-\dA-Za-z]{0,8}(?:号|栋|幢|座|单元|楼|层|室))*[-\dA-Za-z]{0,8}")
_STREETS = ("路", "街", "巷", "弄", "胡同", "村", "道", "小区", "花园", "大厦", "公寓", "广场", "苑", "工业园")
_ADMIN_CHARS = "省市区县旗州盟镇乡"
_LOOK_LEFT = 30
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits of a mobile number: 13812341234 → 138****1234.

    Separators and a +86 prefix are dropped; numbers too short to mask keep only
    their last 2 digits visible, so no short number is ever shown whole.
    """
    digits = "".join(_DIGITS.findall(phone or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:2]}{'*' * (len(digits) - 6)}{digits[-4:]}"
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_address(address: str) -> str:
    """Keep province/city/district, hide the street and house number: 浙江省杭州市西湖区****."""
    text = (address or "").strip()
    if not text:
        return ""
    match = _ADMIN_UNIT.match(text)
    head = match.group(0) if match else ""
    if not head or len(head) >= len(text):
        head = text[: min(6, len(text) // 2)]
    return f"{head}{MASK}"


def _valid_birth(text: str) -> bool:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return born.year >= 1900


def is_id_card(number: str) -> bool:
    """A mainland resident ID number: 18 digits with a valid birth date and check digit (or the old 15)."""
    n = number.upper()
    if len(n) == 15:
        return n.isdigit() and _valid_birth("19" + n[6:12])
    if len(n) != 18 or not n[:17].isdigit() or not _valid_birth(n[6:14]):
        return False
    return _ID_CHECK[sum(int(c) * w for c, w in zip(n[:17], _ID_WEIGHTS, strict=True)) % 11] == n[17]


def _id_card(m: re.Match[str]) -> str:
    number = m.group(0)
    return f"{number[:3]}{'*' * (len(number) - 7)}{number[-4:]}" if is_id_card(number) else number


def _email(m: re.Match[str]) -> str:
    local, _, domain = m.group(0).partition("@")
    return f"{local[:1]}***@{domain}"


def _landline(m: re.Match[str]) -> str:
    text = m.group(0)
    area = re.match(r"\(?0\d{2,3}\)?", text)
    head = area.group(0) if area else ""
    digits = "".join(_DIGITS.findall(text[len(head):]))
    sep = "" if head.endswith(")") else "-"
    return f"{head}{sep}{MASK}{digits[-2:]}" if head else mask_phone(text)


def mask_text(text: str) -> str:
    """Free text with every phone, ID card number, email and street address in it masked.

    ID numbers go first (an 18-digit ID holds 11-digit runs that look like mobiles);
    an address keeps its province/city/district so the text still reads.
    """
    if not text:
        return text or ""
    out = _ID18.sub(_id_card, text)
    out = _ID15.sub(_id_card, out)
    out = _EMAIL.sub(_email, out)
    out = _MOBILE.sub(lambda m: mask_phone(m.group(0)), out)
    out = _LANDLINE.sub(_landline, out)
    return _mask_addresses(out)


def _is_place(ch: str) -> bool:
    return ch.isalnum() and ch not in "*"


def _mask_addresses(text: str) -> str:
    """Hide each street address from its street name to its room number; keep province/city/district."""
    out: list[str] = []
    pos = 0
    for m in _HOUSE.finditer(text):
        if m.start() < pos:
            continue
        left = m.start()
        while left > max(pos, m.start() - _LOOK_LEFT) and _is_place(text[left - 1]):
            left -= 1
        run = text[left : m.start()]
        street = max(run.rfind(word) for word in _STREETS)
        admin = max(run.rfind(ch, 0, street if street >= 0 else len(run)) for ch in _ADMIN_CHARS)
        if street < 0 and admin < 0:
            continue  # "5号发货", "第3栋": a number, not an address
        cut = left + (admin + 1 if admin >= 0 else max(0, street - 4))
        tail = _TAIL.match(text, m.end())
        end = tail.end() if tail else m.end()
        out += [text[pos:cut], MASK]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def can_see_personal_data(role: str) -> bool:
    return role in FULL_VIEW_ROLES


def may_reveal(role: str) -> bool:
    """Supervisors (and admins) may reveal one record's personal data; each reveal is an audit event."""
    return role in REVEAL_ROLES


def phone_for(role: str, phone: str) -> str:
    return phone if can_see_personal_data(role) else mask_phone(phone)


def address_for(role: str, address: str) -> str:
    return address if can_see_personal_data(role) else mask_address(address)


def text_for(role: str, text: str) -> str:
    """Buyer-typed free text as ``role`` may see it."""
    return text if can_see_personal_data(role) else mask_text(text)


def items_for(role: str, items: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Handover items (``{"kind", "id", "buyer", "note"}``) with their notes as ``role`` may see them."""
    return [{**i, "note": text_for(role, str(i.get("note", "")))} if "note" in i else dict(i) for i in items or []]
