"""A fake Stripe API speaking real HTTP, so the real `stripe` SDK can be tested against it.

    async with FakeStripe(webhook_secret="whsec_test") as stripe_fake:
        gateway = StripeGateway(stripe_fake.api_key, api_base=stripe_fake.base_url)
        session = await gateway.create_checkout(...)
        stripe_fake.webhook_url = "http://127.0.0.1:8081/webhooks/stripe"
        event = await stripe_fake.pay(session.id)      # the student pays; checkout.session.completed is posted
        await stripe_fake.deliver(event, times=2)       # Stripe delivers it again

What it serves, form-encoded like Stripe (`line_items[0][price_data][currency]=eur`) and answered with
Stripe-shaped JSON objects and errors:

- POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions/{id}/expire
- POST /v1/refunds (by payment_intent or charge), GET /v1/refunds/{id}
- GET /pay/{id} (the payment page the session's url points to) and POST /pay/{id} (pays it)

Requests need `Authorization: Bearer <api_key>`. POSTs honour `Idempotency-Key` as Stripe does: the same key
with the same parameters replays the first answer (header `Idempotent-Replayed: true`) and changes nothing;
with other parameters or another endpoint it is a 400 `idempotency_error`. Answers and errors produced
while a request executes are kept for replay; parameter validation errors and injected faults are not.

Events (`stripe_fake.events`) are created for what Stripe would report: checkout.session.completed and
.expired, charge.refunded, refund.updated / refund.failed. Events caused by an API call (expiring a session,
refunding) are posted to `webhook_url` in the background, after the answer, as Stripe does; `pay`, `expire`
and `update_refund` post theirs before returning; `wait_for_deliveries()` waits for background ones. Nothing
is retried on its own: call `deliver` again to redeliver. Sessions are never expired by the passage of
time; call `expire`.

Object timestamps (created, expires_at checks, event created) come from `clock` (default: real time);
signature timestamps always use real time, since receivers check them against their own.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Self
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from testkit.stripe_support import (
    JSON,
    ApiError,
    Charge,
    Fault,
    SavedAnswer,
    StripeRequest,
    WebhookDelivery,
    fault_body,
    integer,
    invalid,
    metadata,
    missing,
    no_such,
    parse_form,
    sign,
    text,
)

__all__ = ["FakeStripe", "StripeRequest", "WebhookDelivery", "sign"]

log = logging.getLogger(__name__)

API_VERSION = "2025-03-31.basil"
_MIN_EXPIRY_SECONDS = 30 * 60
_MAX_EXPIRY_SECONDS = 24 * 60 * 60

Handler = Callable[[JSON, Mapping[str, str]], JSON]


class _Dropped(Exception):
    pass


class FakeStripe:
    def __init__(
        self,
        webhook_secret: str = "whsec_test",
        *,
        api_key: str = "sk_test_fake",
        webhook_url: str | None = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        self.webhook_secret = webhook_secret
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.clock = clock
        self.host = host
        self.port = 0
        self.sessions: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.charges: dict[str, Charge] = {}
        self.events: list[JSON] = []
        self.requests: list[StripeRequest] = []
        self.deliveries: list[WebhookDelivery] = []
        self._line_item_names: dict[str, list[str]] = {}
        self._counters: dict[str, int] = {}
        self._saved: dict[str, SavedAnswer] = {}
        self._faults: list[Fault] = []
        self._drops: list[Fault] = []
        self._background: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("POST", "/v1/checkout/sessions", self._endpoint(self._create_session))
        app.router.add_route("GET", "/v1/checkout/sessions/{id}", self._endpoint(self._get_session))
        app.router.add_route("POST", "/v1/checkout/sessions/{id}/expire", self._endpoint(self._expire_session))
        app.router.add_route("POST", "/v1/refunds", self._endpoint(self._create_refund))
        app.router.add_route("GET", "/v1/refunds/{id}", self._endpoint(self._get_refund))
        app.router.add_route("*", "/v1/{tail:.*}", self._endpoint(self._unknown))
        app.router.add_route("GET", "/pay/{id}", self._payment_page)
        app.router.add_route("POST", "/pay/{id}", self._payment_page)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        if self._background:
            await asyncio.wait(set(self._background), timeout=5)
        for task in set(self._background):
            task.cancel()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test controls -----------------------------------------------------------------------------------

    def fail_next(self, path_prefix: str, status: int = 500, times: int = 1, *, method: str | None = None) -> None:
        """Answer the next `times` requests whose path starts with `path_prefix` with `status` (5xx, 429...)
        before they reach the API: nothing happens and nothing is kept for their idempotency key."""
        self._faults.append(Fault(path_prefix, method.upper() if method else None, times, status))

    def drop_next(
        self, path_prefix: str, times: int = 1, *, method: str | None = None, after_processing: bool = False
    ) -> None:
        """Abort the connection of the next `times` matching requests. By default before anything happens;
        with `after_processing` the request takes effect (and is kept for its idempotency key) and the
        connection breaks halfway through the answer."""
        self._drops.append(Fault(path_prefix, method.upper() if method else None, times, 0, after_processing))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._drops.clear()

    async def pay(self, session_id: str, *, deliver: bool = True) -> JSON:
        """The customer pays an open session: it completes with a new payment intent (and charge). Returns the
        `checkout.session.completed` event, posted to `webhook_url` first when one is set."""
        session = self._open_session(session_id)
        payment_intent = self._new_id("pi_test")
        charge = Charge(
            id=self._new_id("ch_test"),
            payment_intent=payment_intent,
            amount=session["amount_total"],
            currency=session["currency"],
            created=self._now(),
        )
        self.charges[charge.id] = charge
        session.update(status="complete", payment_status="paid", payment_intent=payment_intent, url=None)
        event = self._event("checkout.session.completed", session)
        if deliver:
            await self._deliver_if_configured(event)
        return event

    async def expire(self, session_id: str, *, deliver: bool = True) -> JSON:
        """Stripe's own expiry of an open session. Returns the `checkout.session.expired` event."""
        session = self._open_session(session_id)
        event = self._expire(session)
        if deliver:
            await self._deliver_if_configured(event)
        return event

    async def update_refund(self, refund_id: str, status: str, *, deliver: bool = True) -> JSON:
        """Move a refund to `status` ("failed", "canceled", "pending", "succeeded"); a failed or canceled refund
        gives the amount back to the charge. Returns the `refund.failed` or `refund.updated` event."""
        refund = self.refunds[refund_id]
        charge = self.charges[refund["charge"]]
        if status in {"failed", "canceled"} and refund["status"] not in {"failed", "canceled"}:
            charge.amount_refunded -= refund["amount"]
        refund["status"] = status
        event = self._event("refund.failed" if status == "failed" else "refund.updated", refund)
        if deliver:
            await self._deliver_if_configured(event)
        return event

    async def deliver(
        self, event: JSON, *, times: int = 1, signature: str | None = None, tamper: bool = False
    ) -> list[int | None]:
        """POST `event` to `webhook_url` `times` times, each signed afresh with the webhook secret, and return
        the HTTP statuses (None where no answer came). `signature` replaces the header ("" sends none);
        `tamper` signs the event, then sends a modified body."""
        if self.webhook_url is None:
            raise RuntimeError("set webhook_url before delivering events")
        payload = json.dumps(event, indent=2).encode()
        statuses: list[int | None] = []
        for _ in range(times):
            header = sign(payload, self.webhook_secret) if signature is None else signature
            body = payload
            if tamper:
                body = json.dumps({**event, "created": event["created"] + 1}, indent=2).encode()
            statuses.append(await self._post_event(event, body, header))
        return statuses

    async def wait_for_deliveries(self) -> None:
        """Wait until the webhook posts started in the background (after API calls) are done."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def events_of_type(self, event_type: str) -> list[JSON]:
        return [event for event in self.events if event["type"] == event_type]

    # -- HTTP --------------------------------------------------------------------------------------------

    def _endpoint(self, handler: Handler) -> Callable[[web.Request], Any]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, handler)

        return endpoint

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        method, path = request.method, request.path
        body_text = await request.text() if method == "POST" else ""
        pairs = parse_qsl(request.query_string, keep_blank_values=True)
        pairs += parse_qsl(body_text, keep_blank_values=True)
        key = request.headers.get("Idempotency-Key") if method == "POST" else None
        record = StripeRequest(method=method, path=path, params={}, idempotency_key=key)
        self.requests.append(record)
        form_error: ApiError | None = None
        try:
            record.params = parse_form(pairs)
        except ApiError as exc:
            form_error = exc

        fault = _take(self._faults, method, path, after_processing=False)
        if fault is not None:
            record.status, record.fault = fault.status, "fail"
            return web.json_response(fault_body(fault.status), status=fault.status, headers=self._headers())
        if _take(self._drops, method, path, after_processing=False) is not None:
            record.fault = "drop"
            await _abort(request)

        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            shown = request.headers.get("Authorization", "").removeprefix("Bearer ")
            error = ApiError(401, f"Invalid API Key provided: {shown[:8]}{'*' * max(len(shown) - 8, 0)}")
            return self._answer(record, error.status, error.body)

        if form_error is not None:
            return self._answer(record, form_error.status, form_error.body)
        params = record.params
        fingerprint = tuple(sorted(pairs))

        if key is not None:
            saved = self._saved.get(key)
            if saved is not None:
                if (saved.method, saved.path, saved.fingerprint) != (method, path, fingerprint):
                    error = ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type_="idempotency_error",
                    )
                    return self._answer(record, error.status, error.body)
                record.replayed = True
                return self._answer(record, saved.status, saved.body, replayed=True)

        try:
            status, body = 200, handler(params, request.match_info)
        except ApiError as exc:
            if not exc.saved:
                return self._answer(record, exc.status, exc.body)
            status, body = exc.status, exc.body
        if key is not None:
            self._saved[key] = SavedAnswer(method, path, fingerprint, status, copy.deepcopy(body))

        if _take(self._drops, method, path, after_processing=True) is not None:
            record.status, record.fault = status, "drop"
            await _abort(request, partial=json.dumps(body).encode())
        return self._answer(record, status, body)

    def _answer(self, record: StripeRequest, status: int, body: JSON, *, replayed: bool = False) -> web.Response:
        record.status = status
        headers = self._headers()
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        if record.idempotency_key is not None:
            headers["Idempotency-Key"] = record.idempotency_key
        return web.json_response(body, status=status, headers=headers)

    def _headers(self) -> dict[str, str]:
        return {"Request-Id": self._new_id("req_test"), "Stripe-Version": API_VERSION}

    async def _payment_page(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return web.Response(status=404, text="Unknown checkout session")
        if request.method == "POST" and session["status"] == "open":
            await self.pay(session["id"])
        if session["status"] == "open":
            title = html.escape(", ".join(self._line_item_names.get(session["id"], [])))
            page = (
                f"<h1>{title}</h1>"
                f"<form method='post'><button>Pay {session['amount_total']} {session['currency']}</button></form>"
            )
        else:
            page = f"<h1>Checkout session {html.escape(session['status'])}</h1>"
        return web.Response(text=f"<!doctype html><title>Fake Stripe Checkout</title>{page}", content_type="text/html")

    # -- API ---------------------------------------------------------------------------------------------

    def _create_session(self, params: JSON, _: Mapping[str, str]) -> JSON:
        mode = text(params, "mode", required=True)
        if mode != "payment":
            raise invalid(f"The fake only supports mode=payment, not {mode!r}.", "mode")
        success_url = text(params, "success_url", required=True)
        cancel_url = text(params, "cancel_url")
        items = params.get("line_items")
        if not items:
            raise missing("line_items")
        if not isinstance(items, list):
            raise invalid("Invalid array", "line_items")
        currencies: set[str] = set()
        amount_total = 0
        names: list[str] = []
        for index, item in enumerate(items):
            where = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise invalid("Invalid object", where)
            quantity = integer(item, "quantity", required=True, minimum=1)
            price_data = item.get("price_data")
            if not isinstance(price_data, dict):
                raise missing(f"{where}[price_data]")
            currency = text(price_data, "currency", required=True)
            assert currency is not None and quantity is not None
            if currency != currency.lower() or len(currency) != 3:
                raise invalid(f"Invalid currency: {currency}.", f"{where}[price_data][currency]")
            unit_amount = integer(price_data, "unit_amount", required=True, minimum=0)
            assert unit_amount is not None
            if currency == "isk" and unit_amount % 100:
                raise invalid(
                    "ISK amounts are in hundredths and must be divisible by 100 (the decimals are always 00).",
                    f"{where}[price_data][unit_amount]",
                    code="invalid_amount",
                )
            product = price_data.get("product_data")
            if not isinstance(product, dict):
                raise missing(f"{where}[price_data][product_data]")
            name = text(product, "name", required=True)
            assert name is not None
            currencies.add(currency)
            amount_total += unit_amount * quantity
            names.append(name)
        if len(currencies) > 1:
            raise invalid("All line items must use the same currency.", "line_items")
        created = self._now()
        expires_at = integer(params, "expires_at")
        if expires_at is None:
            expires_at = created + _MAX_EXPIRY_SECONDS
        elif expires_at - created < _MIN_EXPIRY_SECONDS:
            raise invalid(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at"
            )
        elif expires_at - created > _MAX_EXPIRY_SECONDS:
            raise invalid(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at"
            )
        session_id = self._new_id("cs_test")
        session: JSON = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount_total,
            "amount_total": amount_total,
            "cancel_url": cancel_url,
            "client_reference_id": text(params, "client_reference_id"),
            "created": created,
            "currency": currencies.pop(),
            "customer": None,
            "customer_email": text(params, "customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "metadata": metadata(params),
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": success_url,
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
        }
        self.sessions[session_id] = session
        self._line_item_names[session_id] = names
        return copy.deepcopy(session)

    def _get_session(self, _: JSON, match: Mapping[str, str]) -> JSON:
        return copy.deepcopy(self._session(match["id"]))

    def _expire_session(self, _: JSON, match: Mapping[str, str]) -> JSON:
        session = self._session(match["id"])
        if session["status"] != "open":
            raise ApiError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.', saved=True)
        self._in_background(self._expire(session))
        return copy.deepcopy(session)

    def _create_refund(self, params: JSON, _: Mapping[str, str]) -> JSON:
        payment_intent = text(params, "payment_intent")
        charge_id = text(params, "charge")
        if payment_intent is None and charge_id is None:
            raise missing("payment_intent")
        if charge_id is not None:
            charge = self.charges.get(charge_id)
            if charge is None:
                raise no_such("charge", charge_id, "charge", status=400)
        else:
            assert payment_intent is not None
            found = [c for c in self.charges.values() if c.payment_intent == payment_intent]
            if not found:
                raise no_such("payment_intent", payment_intent, "payment_intent", status=400)
            charge = found[0]
        amount = integer(params, "amount", minimum=1)
        remaining = charge.amount - charge.amount_refunded
        if amount is None:
            amount = remaining
        if remaining <= 0:
            raise ApiError(
                400, f"Charge {charge.id} has already been refunded.", code="charge_already_refunded", saved=True
            )
        if amount > remaining:
            raise ApiError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                code="amount_too_large",
                param="amount",
                saved=True,
            )
        refund: JSON = {
            "id": self._new_id("re_test"),
            "object": "refund",
            "amount": amount,
            "charge": charge.id,
            "created": self._now(),
            "currency": charge.currency,
            "metadata": metadata(params),
            "payment_intent": charge.payment_intent,
            "reason": text(params, "reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge.refund_ids.append(refund["id"])
        charge.amount_refunded += amount
        self._in_background(self._event("charge.refunded", self._charge_object(charge)))
        return copy.deepcopy(refund)

    def _get_refund(self, _: JSON, match: Mapping[str, str]) -> JSON:
        refund = self.refunds.get(match["id"])
        if refund is None:
            raise no_such("refund", match["id"], "id")
        return copy.deepcopy(refund)

    def _unknown(self, _: JSON, match: Mapping[str, str]) -> JSON:
        raise ApiError(404, f"Unrecognized request URL: /v1/{match['tail']}. The fake does not serve it.")

    # -- state -------------------------------------------------------------------------------------------

    def _session(self, session_id: str) -> JSON:
        session = self.sessions.get(session_id)
        if session is None:
            raise no_such("checkout.session", session_id, "session")
        return session

    def _open_session(self, session_id: str) -> JSON:
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise ValueError(f"checkout session {session_id} is {session['status']}, not open")
        return session

    def _expire(self, session: JSON) -> JSON:
        session.update(status="expired", url=None)
        return self._event("checkout.session.expired", session)

    def _charge_object(self, charge: Charge) -> JSON:
        refunds = [copy.deepcopy(self.refunds[refund_id]) for refund_id in reversed(charge.refund_ids)]
        return {
            "id": charge.id,
            "object": "charge",
            "amount": charge.amount,
            "amount_captured": charge.amount,
            "amount_refunded": charge.amount_refunded,
            "captured": True,
            "created": charge.created,
            "currency": charge.currency,
            "livemode": False,
            "paid": True,
            "payment_intent": charge.payment_intent,
            "refunded": charge.amount_refunded >= charge.amount,
            "refunds": {
                "object": "list",
                "data": refunds,
                "has_more": False,
                "total_count": len(refunds),
                "url": f"/v1/charges/{charge.id}/refunds",
            },
            "status": "succeeded",
        }

    def _event(self, event_type: str, obj: JSON) -> JSON:
        event: JSON = {
            "id": self._new_id("evt_test"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self._now(),
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1 if self.webhook_url else 0,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        self.events.append(event)
        return event

    def _new_id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}_{self._counters[prefix]}"

    def _now(self) -> int:
        return int(self.clock())

    # -- webhooks ----------------------------------------------------------------------------------------

    def _in_background(self, event: JSON) -> None:
        if self.webhook_url is None:
            return
        task = asyncio.get_running_loop().create_task(self._deliver_if_configured(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver_if_configured(self, event: JSON) -> None:
        if self.webhook_url is not None:
            await self.deliver(event)

    async def _post_event(self, event: JSON, body: bytes, header: str) -> int | None:
        assert self._client is not None and self.webhook_url is not None, "FakeStripe is not started"
        url = self.webhook_url
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }
        if header:
            headers["Stripe-Signature"] = header
        delivery = WebhookDelivery(event_id=event["id"], event_type=event["type"], url=url, status=None)
        self.deliveries.append(delivery)
        try:
            async with self._client.post(url, data=body, headers=headers) as response:
                await response.read()
                delivery.status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            delivery.error = repr(exc)
            log.info("webhook delivery of %s to %s failed: %r", event["id"], url, exc)
        return delivery.status


def _take(faults: list[Fault], method: str, path: str, *, after_processing: bool) -> Fault | None:
    for fault in faults:
        if fault.after_processing == after_processing and fault.matches(method, path):
            fault.times -= 1
            return fault
    return None


async def _abort(request: web.Request, partial: bytes | None = None) -> None:
    """Break the connection; with `partial`, after sending the headers and half of that body."""
    if partial is not None:
        response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
        response.content_length = len(partial)
        await response.prepare(request)
        await response.write(partial[: len(partial) // 2])
    if request.transport is not None:
        request.transport.abort()
    # aiohttp cancels the handler once it notices the connection is gone.
    await asyncio.sleep(3600)
    raise _Dropped
