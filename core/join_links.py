"""Join links for live sessions: a token that says who may join which session until when, signed with
HMAC-SHA256 so that nobody can forge one or change it into someone else's."""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from core.errors import Forbidden


@dataclass(frozen=True, slots=True)
class JoinClaim:
    session_id: int
    user_id: int
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class JoinLinkSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the join link secret is too short")
        self._secret = secret

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())

    def token(self, claim: JoinClaim) -> str:
        payload = f"{claim.session_id}.{claim.user_id}.{int(claim.expires_at.timestamp())}"
        return f"{payload}.{self._signature(payload)}"

    def _genuine(self, token: str) -> JoinClaim | None:
        """The claim of a token we signed, expired or not; None for anything else."""
        parts = token.split(".")
        # A child without Telegram has a negative user id (core.families).
        if len(parts) != 4 or not (parts[0].isdigit() and parts[1].removeprefix("-").isdigit() and parts[2].isdigit()):
            return None
        if not hmac.compare_digest(self._signature(".".join(parts[:3])), parts[3]):
            return None
        session_id, user_id, expires = (int(p) for p in parts[:3])
        return JoinClaim(session_id, user_id, datetime.fromtimestamp(expires, UTC))

    def claimed_user(self, token: str) -> int | None:
        """The person a genuine token was made for, expired or not (to answer them in their language);
        None for a token we did not sign."""
        claim = self._genuine(token)
        return claim.user_id if claim is not None else None

    def verify(self, token: str, now: datetime) -> JoinClaim:
        """The claim of a genuine, unexpired token; Forbidden otherwise (the page says so, nothing more)."""
        claim = self._genuine(token)
        if claim is None:
            raise Forbidden("join.invalid")
        if claim.expires_at <= now:
            raise Forbidden("join.expired")
        return claim


def derive_secret(master: str, purpose: str) -> bytes:
    """A key for one purpose from a master secret (the bot token by default), so that knowing a join
    link's key reveals nothing else."""
    return hmac.new(master.encode(), purpose.encode(), hashlib.sha256).digest()


class JoinLinks:
    """Where a person opens a session's video page: PUBLIC_BASE_URL/join/<token>."""

    def __init__(self, signer: JoinLinkSigner, base_url: str) -> None:
        self.signer = signer
        self.base_url = base_url.rstrip("/")

    def url(self, session_id: int, user_id: int, expires_at: datetime) -> str:
        return f"{self.base_url}/join/{self.signer.token(JoinClaim(session_id, user_id, expires_at))}"
