"""A cancellation policy reads the way a student needs it, in each language: every tier, and "nothing
after" when the last one ends before the start."""

import pytest

from bot.texts.policies import policy_text
from core.languages import SUPPORTED_LANGUAGES
from core.refund_policy import FULL_REFUND, PRESETS, parse_policy
from l10n.catalogs import build_i18n


def test_policies_read_tier_by_tier() -> None:
    i18n = build_i18n("en")
    with i18n.use_locale("en"), i18n.context():
        assert policy_text(FULL_REFUND) == "full refund until the start"
        assert policy_text(parse_policy("1h 100%")) == "full refund up to 1 hour before the start; nothing after"
        assert policy_text(parse_policy("24h 100%, 2h 50%, 0h 10%")) == (
            "full refund up to 24 hours before the start; 50% back up to 2 hours before the start; "
            "10% back until the start"
        )
    with i18n.use_locale("fr"), i18n.context():
        assert policy_text(parse_policy("24h 100%, 2h 50%")) == (
            "remboursement intégral jusqu'à 24 heures avant le début; 50 % remboursés jusqu'à 2 heures avant le "
            "début; rien après"
        )


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_preset_reads_in_every_language(language: str) -> None:
    i18n = build_i18n("en")
    with i18n.use_locale(language), i18n.context():
        texts = [policy_text(policy) for policy in PRESETS]
    assert len(set(texts)) == len(PRESETS) and all(texts)
