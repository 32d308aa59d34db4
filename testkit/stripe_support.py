"""Pieces of the fake Stripe API: request decoding, Stripe-shaped errors, records and webhook signing."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_SUBKEY = re.compile(r"\[([^\[\]]*)\]")


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header for `payload`: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<payload>")>`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class ApiError(Exception):
    """A Stripe error answer. `saved` says whether Stripe would keep it for an idempotent replay: errors found
    while the request executes are, parameter validation failures are not."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        error: JSON = {"message": message, "type": type_}
        if code is not None:
            error["code"] = code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            error["param"] = param
        self.body: JSON = {"error": error}


def invalid(message: str, param: str | None = None, *, code: str | None = "parameter_invalid") -> ApiError:
    return ApiError(400, message, code=code, param=param)


def missing(param: str) -> ApiError:
    return ApiError(400, f"Missing required param: {param}.", code="parameter_missing", param=param)


def no_such(kind: str, object_id: str, param: str, *, status: int = 404) -> ApiError:
    return ApiError(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param, saved=True)


def parse_form(pairs: Iterable[tuple[str, str]]) -> JSON:
    """Stripe's form encoding to nested values: `a[b][0][c]=x` -> {"a": {"b": [{"c": "x"}]}}.

    Values stay strings; `a[]=x` appends. Raises ApiError for a malformed key."""
    root: JSON = {}
    for key, value in pairs:
        match = _KEY.fullmatch(key)
        if match is None:
            raise invalid(f"Invalid parameter name: {key}", key)
        parts = [match.group(1), *_SUBKEY.findall(match.group(2))]
        node = root
        for index, part in enumerate(parts):
            name = part if part != "" else str(len(node))
            if index == len(parts) - 1:
                node[name] = value
                break
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise invalid(f"Invalid parameter: {key} mixes a value and nested keys", key)
            node = child
    listed = _lists(root)
    assert isinstance(listed, dict)
    return listed


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _lists(child) for key, child in value.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def integer(params: JSON, name: str, *, required: bool = False, minimum: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise missing(name)
        return None
    if not isinstance(raw, str) or not re.fullmatch(r"-?[0-9]+", raw):
        raise invalid(f"Invalid integer: {raw}", name)
    number = int(raw)
    if minimum is not None and number < minimum:
        raise invalid(f"This value must be greater than or equal to {minimum}.", name)
    return number


def text(params: JSON, name: str, *, required: bool = False) -> str | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise missing(name)
        return None
    if not isinstance(raw, str):
        raise invalid(f"Invalid string: {raw!r}", name)
    return raw


def metadata(params: JSON, name: str = "metadata") -> dict[str, str]:
    raw = params.get(name)
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise invalid("Invalid object", name)
    if len(raw) > 50:
        raise invalid("Metadata can have at most 50 keys.", name)
    result: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise invalid("Metadata values must be strings.", f"{name}[{key}]")
        if len(key) > 40:
            raise invalid("Metadata keys can be at most 40 characters long.", f"{name}[{key}]")
        if len(value) > 500:
            raise invalid("Metadata values can be at most 500 characters long.", f"{name}[{key}]")
        if value:  # Stripe drops keys set to an empty string.
            result[key] = value
    return result


@dataclass
class StripeRequest:
    """One request the fake received, as a test may want to check it."""

    method: str
    path: str
    params: JSON
    idempotency_key: str | None
    status: int = 0
    # True when the answer was an idempotent replay of an earlier one.
    replayed: bool = False
    # "fail" or "drop" when the request met an injected fault.
    fault: str | None = None


@dataclass
class WebhookDelivery:
    """One POST of an event to the webhook URL; `status` is None when no HTTP answer came back."""

    event_id: str
    event_type: str
    url: str
    status: int | None
    error: str | None = None


@dataclass
class Fault:
    path_prefix: str
    method: str | None
    times: int
    status: int = 500
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        return self.times > 0 and path.startswith(self.path_prefix) and self.method in (None, method)


@dataclass
class SavedAnswer:
    """What an idempotency key was first used for, and the answer Stripe keeps for it."""

    method: str
    path: str
    fingerprint: tuple[tuple[str, str], ...]
    status: int
    body: JSON


@dataclass
class Charge:
    """The charge behind a paid session's payment intent."""

    id: str
    payment_intent: str
    amount: int
    currency: str
    created: int
    refund_ids: list[str] = field(default_factory=list)
    amount_refunded: int = 0


def fault_body(status: int) -> JSON:
    if status == 429:
        return ApiError(
            429,
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            code="rate_limit",
        ).body
    if status >= 500:
        return ApiError(status, "An unknown error occurred", type_="api_error").body
    return ApiError(status, "Injected failure").body
