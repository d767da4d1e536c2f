"""Masking of buyers' personal data (PIPL): phone numbers and addresses.

Phones and addresses are shown in full only to roles that need them to do the
job (admins; supervisors handling 核对地址 / returns may be granted it per
setting); everyone else sees ``138****1234`` and the address down to the
district. Logs always get the masked form.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
_ADMIN_UNIT = re.compile(
    r"^(?P<prov>[^省市区县]{2,}?(?:省|自治区|特别行政区))?"
    r"(?P<city>[^省市区县]+?(?:市|自治州|地区|盟))?"
    r"(?P<dist>[^区县旗市]+?(?:区|县|旗|市))?"
)

FULL_VIEW_ROLES = frozenset({"admin"})


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
    return f"{head}****"


def can_see_personal_data(role: str) -> bool:
    return role in FULL_VIEW_ROLES


def phone_for(role: str, phone: str) -> str:
    return phone if can_see_personal_data(role) else mask_phone(phone)


def address_for(role: str, address: str) -> str:
    return address if can_see_personal_data(role) else mask_address(address)
