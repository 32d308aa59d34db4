"""Join links: nobody can forge one, change its session or person, or use it after it expires."""

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import Forbidden
from core.join_links import JoinClaim, JoinLinks, JoinLinkSigner, derive_secret

NOW = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
SIGNER = JoinLinkSigner(derive_secret("123456:bot-token", "join-links"))
CLAIM = JoinClaim(session_id=7, user_id=4242, expires_at=NOW + timedelta(hours=1))


def test_a_genuine_link_round_trips() -> None:
    assert SIGNER.verify(SIGNER.token(CLAIM), NOW) == CLAIM
    url = JoinLinks(SIGNER, "https://bot.example.com/").url(7, 4242, CLAIM.expires_at)
    assert url == f"https://bot.example.com/join/{SIGNER.token(CLAIM)}"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace("7.4242.", "8.4242.", 1),  # another session
        lambda t: t.replace("7.4242.", "7.4243.", 1),  # another person
        lambda t: ".".join([*t.split(".")[:2], str(int(t.split(".")[2]) + 3600), t.split(".")[3]]),  # longer life
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another signature
        lambda t: "garbage",
        lambda t: "",
        lambda t: "1.2.3",
        lambda t: "a.b.c.d",
    ],
)
def test_any_change_is_refused(change) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden) as refused:
        SIGNER.verify(change(SIGNER.token(CLAIM)), NOW)
    assert refused.value.code == "join.invalid"


def test_another_key_or_an_expired_link_is_refused() -> None:
    other = JoinLinkSigner(derive_secret("999999:other-token", "join-links"))
    with pytest.raises(Forbidden):
        other.verify(SIGNER.token(CLAIM), NOW)
    with pytest.raises(Forbidden) as late:
        SIGNER.verify(SIGNER.token(CLAIM), CLAIM.expires_at)
    assert late.value.code == "join.expired"
    assert derive_secret("k", "join-links") != derive_secret("k", "other-purpose")
    with pytest.raises(ValueError):
        JoinLinkSigner(b"short")
