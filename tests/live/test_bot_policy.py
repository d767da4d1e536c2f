"""The shop's bot mode for routing: one setting, saved where the bot page saves it (issue 20 item 5)."""

from __future__ import annotations

import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.model import DEFAULT_MIXED_SHARE, BotMode, Policy


def test_the_care_settings_mode_is_the_routing_mode() -> None:
    assert Policy.from_shop_settings(None).bot_mode is BotMode.HUMAN_FIRST  # unset: chats go to people
    assert Policy.from_shop_settings({"care": {"bot_mode": "bot_first"}}).bot_mode is BotMode.BOT_FIRST
    both = {"live": {"bot_mode": "bot_first", "sticky_hours": 12}, "care": {"bot_mode": "human_first"}}
    policy = Policy.from_shop_settings(both)
    assert (policy.bot_mode, policy.sticky_hours) == (BotMode.HUMAN_FIRST, 12.0)  # the bot page wins, the rest stays
    assert Policy.from_shop_settings({"live": {"bot_mode": "bot_first"}}).bot_mode is BotMode.BOT_FIRST  # older set-ups


def test_mixed_takes_its_share() -> None:
    assert Policy.from_shop_settings({"care": {"bot_mode": "mixed"}}).bot_share_percent == DEFAULT_MIXED_SHARE == 50
    assert Policy.from_shop_settings({"care": {"bot_mode": "mixed", "bot_share_percent": 20}}).bot_share_percent == 20
    assert Policy.from_shop_settings({"care": {"bot_mode": "bot_first"}}).bot_share_percent == 0


@pytest.mark.parametrize("care", [{"bot_mode": "robot"}, {"bot_mode": "mixed", "bot_share_percent": 101}])
def test_a_bad_setting_is_a_bad_argument(care: dict[str, object]) -> None:
    with pytest.raises(KefuError) as err:
        Policy.from_shop_settings({"care": care})
    assert err.value.code is ErrorCode.BAD_ARGUMENT
