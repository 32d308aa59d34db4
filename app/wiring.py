"""The composition root: the one place that wires storage, integrations, jobs and the bot together."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault
from aiogram.utils.i18n import I18n
from aiogram_dialog import setup_dialogs
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.settings import ConfigurationError, Settings
from bot.chat_state import AnsweringFSMContextMiddleware
from bot.deeplinks import PaymentReturn, deep_link_url
from bot.dialogs.availability import build_availability_dialog
from bot.dialogs.booking import build_booking_dialog
from bot.dialogs.cancel_session import build_cancel_session_dialog
from bot.dialogs.family import build_family_dialog
from bot.dialogs.onboarding import build_onboarding_dialog
from bot.dialogs.packages import build_packages_dialog
from bot.dialogs.review_comment import build_review_comment_dialog
from bot.dialogs.room import build_room_dialog
from bot.dialogs.session_notes import build_session_notes_dialog
from bot.dialogs.settings import build_settings_dialog
from bot.dialogs.tutor_profile import build_tutor_profile_dialog
from bot.fsm_storage import DatabaseFsmStorage, SavingOnceIsolation
from bot.handlers import (
    admin,
    availability,
    bookings,
    cancellations,
    courses,
    credit_refunds,
    errors,
    fallback,
    family,
    help,
    history,
    live,
    move_proposals,
    reviews,
    settings,
    start,
    waitlist,
)
from bot.i18n import UserLocaleMiddleware
from bot.middlewares import AppUserMiddleware, InFlightUpdates
from bot.notifier import TelegramNotifier
from bot.screens import OpenScreens
from bot.telegram_session import BotApiSession
from bot.telegram_webhook import add_telegram_webhook
from core.clock import Clock
from core.entities import User
from core.join_links import JoinLinks, JoinLinkSigner, derive_secret
from core.languages import SUPPORTED_LANGUAGES
from core.ports import UnitOfWorkFactory, ZoneLocator
from core.services import Services
from core.usecases.accounts import get_user
from integrations.agora import AgoraTokens, AgoraWebhookVerifier
from integrations.calendar import IcsCalendarFiles
from integrations.geo import OfflineZoneLocator
from integrations.payments_off import PaymentsNotConfigured
from integrations.system_clock import SystemClock
from jobs.context import JobContext
from jobs.pacing import SendPacer
from jobs.registry import Job, all_jobs
from jobs.scheduler import JobScheduler
from l10n.catalogs import build_i18n
from storage.dialog_state import SqlDialogStateStore
from storage.engine import create_engine
from storage.installation import read_namespace
from storage.schema_head import at_head
from storage.uow import SqlUnitOfWorkFactory
from storage.user_cache import UserCache
from web.join_page import VideoSdk
from web.live import LiveWeb, add_live_routes
from web.server import PaymentWebhook, build_web_app

if TYPE_CHECKING:
    from integrations.stripe_gateway import StripeGateway, StripeWebhookVerifier

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0


def build_dispatcher(
    *,
    services: Services,
    i18n: I18n,
    zone_locator: ZoneLocator,
    fsm_storage: BaseStorage,
    events_isolation: BaseEventIsolation,
    in_flight: InFlightUpdates | None = None,
) -> Dispatcher:
    # Updates of one chat are handled one after the other: a double tap cannot act on a half-saved dialog.
    dp = Dispatcher(
        storage=fsm_storage,
        events_isolation=events_isolation,
        services=services,
        zone_locator=zone_locator,
        # Registered below instead, as the middleware that answers when the chat lock cannot be had.
        disable_fsm=True,
    )
    # aiogram closes the FSM storage when polling ends, while updates taken just before may still be
    # running; TutorBot.stop closes it itself once they are done.
    dp.shutdown.handlers[:] = [h for h in dp.shutdown.handlers if h.callback != dp.fsm.close]
    dp.fsm = AnsweringFSMContextMiddleware(storage=fsm_storage, events_isolation=events_isolation, catalogs=i18n)
    dp.update.outer_middleware(dp.fsm)
    dp.include_routers(
        errors.build_router(),
        start.build_router(),
        help.build_router(),
        settings.build_router(),
        availability.build_router(),
        bookings.build_router(),
        cancellations.build_router(),
        credit_refunds.build_router(),
        courses.build_router(),
        family.build_router(),
        reviews.build_router(),
        history.build_router(),
        waitlist.build_router(),
        move_proposals.build_router(),
        live.build_router(),
        admin.build_router(),
    )
    dialogs = Router(name="dialogs")
    dialogs.include_routers(
        build_onboarding_dialog(),
        build_tutor_profile_dialog(),
        build_settings_dialog(),
        build_availability_dialog(),
        build_booking_dialog(),
        build_cancel_session_dialog(),
        build_room_dialog(),
        build_packages_dialog(),
        build_family_dialog(),
        build_review_comment_dialog(),
        build_session_notes_dialog(),
    )
    dp.include_router(dialogs)
    # Last, so that it only sees what no command, dialog or button handler took.
    dp.include_router(fallback.build_router())
    dp["screens"] = OpenScreens(setup_dialogs(dp, events_isolation=events_isolation))
    if in_flight is not None:
        dp.update.outer_middleware(in_flight)
    # The sender's record is loaded first: the locale middleware reads the language from it.
    dp.update.outer_middleware(AppUserMiddleware(_user_reader(services.uow_factory)))
    UserLocaleMiddleware(i18n).setup(dp)
    return dp


def command_menu(i18n: I18n, language: str) -> list[BotCommand]:
    with i18n.use_locale(language), i18n.context():
        from aiogram.utils.i18n import gettext as _

        return [
            BotCommand(command="start", description=_("Start, or pick up where you left off")),
            BotCommand(command="help", description=_("What I can do for you")),
            BotCommand(command="book", description=_("Find a tutor and book a lesson")),
            BotCommand(command="mybookings", description=_("Your bookings")),
            BotCommand(command="availability", description=_("Tutors: your free times, week by week")),
            BotCommand(command="sessions", description=_("Tutors: your upcoming sessions")),
            BotCommand(command="packages", description=_("Tutors: your lesson packages")),
            BotCommand(command="courses", description=_("Courses: enroll, or book a session for yours")),
            BotCommand(command="family", description=_("Parents: your children, to book for them")),
            BotCommand(command="history", description=_("Past lessons, with notes and homework")),
            BotCommand(command="reviews", description=_("Tutors: what students said of your lessons")),
            BotCommand(command="settings", description=_("Language, time zone, role and profile")),
        ]


async def register_command_menus(bot: Bot, i18n: I18n) -> None:
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(command_menu(i18n, i18n.default_locale), scope=scope)
    for language in SUPPORTED_LANGUAGES:
        await bot.set_my_commands(command_menu(i18n, language), scope=scope, language_code=language)


def build_fsm_storage(settings: Settings, engine: AsyncEngine) -> tuple[BaseStorage, BaseEventIsolation]:
    """Dialog state and the per-chat lock: in Redis when several processes share the work, else in the
    bot's database (one process), where a restart resumes every dialog where it was."""
    if settings.redis_url:
        # Imported here: Redis's client is not loaded by a bot that does not use it.
        from bot.redis_state import build_redis_state

        return build_redis_state(settings.redis_url, settings.redis_max_connections)
    if not _only_writer(settings, engine):
        return DatabaseFsmStorage(SqlDialogStateStore(engine)), SimpleEventIsolation()
    store = SqlDialogStateStore(engine, cached=True)
    return DatabaseFsmStorage(store), SavingOnceIsolation(store)


def _only_writer(settings: Settings, engine: AsyncEngine) -> bool:
    """Whether this process is the only one writing to the database: the embedded SQLite deployment, whose
    dialogs are in that database (several processes share dialogs through Redis instead)."""
    return engine.dialect.name == "sqlite" and not settings.redis_url


def _user_reader(uow_factory: UnitOfWorkFactory) -> Callable[[int], Awaitable[User | None]]:
    if isinstance(uow_factory, SqlUnitOfWorkFactory) and uow_factory.user_cache is not None:
        return uow_factory.user_cache.get
    return lambda user_id: get_user(uow_factory(), user_id)


@dataclass
class Components:
    settings: Settings
    engine: AsyncEngine
    # The one set of services handlers, jobs and web handlers share.
    services: Services
    bot: Bot
    i18n: I18n
    job_context: JobContext
    notifier: TelegramNotifier
    jobs: dict[str, Job]
    gateway: "StripeGateway | PaymentsNotConfigured"
    webhook_verifier: "StripeWebhookVerifier | None"
    video_tokens: AgoraTokens | None
    video_webhook: AgoraWebhookVerifier | None

    async def close(self) -> None:
        await self.gateway.close()
        await self.bot.session.close()
        await self.engine.dispose()


async def build_components(settings: Settings, *, clock: Clock | None = None) -> Components:
    """Migrate the database and build what both `run` and one-off jobs need."""
    await migrate(settings.database_url)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    uow_factory = SqlUnitOfWorkFactory(engine, UserCache() if _only_writer(settings, engine) else None)
    clock = clock or SystemClock()
    rules = settings.business_rules()
    i18n = build_i18n(settings.default_language)
    session = BotApiSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(link_preview_is_disabled=True),
    )
    notifier = TelegramNotifier(bot, i18n, IcsCalendarFiles(), clock)
    gateway = build_gateway(settings, await read_namespace(engine))
    services = Services(
        uow_factory=uow_factory,
        clock=clock,
        rules=rules,
        gateway=gateway,
        join_links=build_join_links(settings),
        notifier=notifier,
    )
    secret = settings.stripe_webhook_secret
    return Components(
        settings=settings,
        engine=engine,
        services=services,
        bot=bot,
        i18n=i18n,
        job_context=JobContext(services=services, pacer=SendPacer(settings.outbox_rate)),
        notifier=notifier,
        jobs=all_jobs(outbox_interval=settings.outbox_poll_seconds, daily_at=settings.cleanup_time),
        gateway=gateway,
        webhook_verifier=_webhook_verifier(secret.get_secret_value()) if secret else None,
        video_tokens=build_video_tokens(settings),
        video_webhook=(
            AgoraWebhookVerifier(settings.agora_webhook_secret.get_secret_value())
            if settings.agora_webhook_secret
            else None
        ),
    )


def build_join_links(settings: Settings) -> JoinLinks:
    master = settings.join_link_secret or settings.bot_token
    return JoinLinks(JoinLinkSigner(derive_secret(master.get_secret_value(), "join-links")), settings.base_url)


def build_video_tokens(settings: Settings) -> AgoraTokens | None:
    if not settings.agora_app_id or settings.agora_app_certificate is None:
        return None
    return AgoraTokens(settings.agora_app_id, settings.agora_app_certificate.get_secret_value())


# The Stripe SDK is imported only by a bot that takes payments (a tenth of the cold start otherwise).
def build_gateway(settings: Settings, namespace: str) -> "StripeGateway | PaymentsNotConfigured":
    if settings.stripe_secret_key is None:
        return PaymentsNotConfigured()
    from integrations.stripe_gateway import StripeGateway

    return StripeGateway(settings.stripe_secret_key.get_secret_value(), settings.stripe_api_base, namespace=namespace)


def _webhook_verifier(secret: str) -> "StripeWebhookVerifier":
    from integrations.stripe_gateway import StripeWebhookVerifier

    return StripeWebhookVerifier(secret)


class StartupError(Exception):
    """Something the bot needs is out of reach; the message is one line that says what."""


async def migrate(database_url: str) -> None:
    """Apply pending migrations; an unreachable database is a StartupError, not a traceback."""
    try:
        if await at_head(database_url):
            return
        # Imported here: a restart on a migrated database does not load Alembic (see storage.schema_head).
        from storage.migrate import upgrade_to_head

        await upgrade_to_head(database_url)
    except (OSError, SQLAlchemyError) as exc:
        where = make_url(database_url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StartupError(f"cannot open the database {where}: {reason}") from None


class TutorBot:
    """One process of the bot: Telegram updates (polling or webhook), the web server and the scheduler."""

    def __init__(
        self, settings: Settings, *, clock: Clock | None = None, zone_locator: ZoneLocator | None = None
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._zone_locator = zone_locator
        self._components: Components | None = None
        self._dispatcher: Dispatcher | None = None
        self._polling: asyncio.Task[None] | None = None
        self._web: web.AppRunner | None = None
        self._scheduler: JobScheduler | None = None
        self._in_flight = InFlightUpdates()
        self.bot_username: str | None = None
        self.web_port: int | None = None

    @property
    def components(self) -> Components:
        assert self._components is not None, "start() first"
        return self._components

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        settings = self.settings
        parts = self._components = await build_components(settings, clock=self._clock)
        try:
            me = await parts.bot.get_me()
        except TelegramUnauthorizedError:
            raise ConfigurationError("BOT_TOKEN: Telegram refused this token") from None
        except TelegramNetworkError as exc:
            raise StartupError(f"cannot reach the Telegram Bot API at {settings.telegram_api_url}: {exc}") from None
        self.bot_username = me.username
        if settings.stripe_secret_key is None:
            log.warning("STRIPE_SECRET_KEY is not set: paid bookings are refused, free sessions still work")
        fsm_storage, events_isolation = build_fsm_storage(settings, parts.engine)
        # The embedded deployment holds who is mid-dialog, and everyone, from the start (see their caches).
        if isinstance(fsm_storage, DatabaseFsmStorage):
            await fsm_storage.load_all()
        uow_factory = parts.services.uow_factory
        if isinstance(uow_factory, SqlUnitOfWorkFactory) and uow_factory.user_cache is not None:
            await uow_factory.user_cache.load_all()
        dp = self._dispatcher = build_dispatcher(
            services=parts.services,
            i18n=parts.i18n,
            zone_locator=self._zone_locator or OfflineZoneLocator(),
            fsm_storage=fsm_storage,
            events_isolation=events_isolation,
            in_flight=self._in_flight,
        )
        dp["bot_username"] = me.username
        # Delivered notifications refresh the screen a person has open (the pay screen once paid).
        parts.notifier.screens = dp["screens"]
        username = me.username or ""
        dp["payment_return_link"] = lambda participant_id: deep_link_url(username, PaymentReturn(participant_id))
        # Back from a package's payment page to the chat, where the screen waits with "I have paid".
        dp["package_return_link"] = f"https://t.me/{username}"
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        payments = (
            PaymentWebhook(verifier=parts.webhook_verifier, services=parts.services)
            if parts.webhook_verifier is not None
            else None
        )
        app = build_web_app(payments=payments)
        if settings.webhook_mode:
            add_telegram_webhook(app, dp, parts.bot, path=settings.webhook_path, secret=secret)
        add_live_routes(
            app,
            LiveWeb(
                services=parts.services,
                signer=parts.services.join_links.signer,
                tokens=parts.video_tokens,
                video_webhook=parts.video_webhook,
                i18n=parts.i18n,
                default_language=settings.default_language,
                sdk=VideoSdk(settings.agora_sdk_url, settings.agora_sdk_integrity),
            ),
        )
        self._web = web.AppRunner(app, handle_signals=False)
        await self._web.setup()
        site = web.TCPSite(self._web, settings.web_host, settings.web_port)
        await site.start()
        self.web_port = self._web.addresses[0][1] if self._web.addresses else settings.web_port
        await register_command_menus(parts.bot, parts.i18n)
        self._scheduler = JobScheduler(parts.job_context, parts.jobs)
        self._scheduler.start()
        allowed = dp.resolve_used_update_types()
        if settings.webhook_mode:
            await dp.emit_startup(bot=parts.bot)
            await parts.bot.set_webhook(str(settings.webhook_url), secret_token=secret, allowed_updates=allowed)
            log.info("webhook mode: %s", settings.webhook_url)
        else:
            await parts.bot.delete_webhook()
            self._polling = asyncio.create_task(
                dp.start_polling(parts.bot, handle_signals=False, close_bot_session=False, allowed_updates=allowed)
            )
            log.info("long polling as @%s", me.username)

    async def stop(self) -> None:
        dp = self._dispatcher
        if self._polling is not None and dp is not None:
            # RuntimeError: polling had not started yet, or already ended.
            with contextlib.suppress(RuntimeError):
                await dp.stop_polling()
            await asyncio.gather(self._polling, return_exceptions=True)
            self._polling = None
        elif dp is not None and self._components is not None:
            await dp.emit_shutdown(bot=self._components.bot)
        # Updates already taken from Telegram are finished, not cut: their state and locks are saved.
        if not await self._in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("stopping with updates still being handled")
        if self._scheduler is not None:
            await self._scheduler.stop(SHUTDOWN_GRACE_SECONDS)
            self._scheduler = None
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if dp is not None:
            await dp.fsm.close()
        if self._components is not None:
            await self._components.close()
            self._components = None

    async def run_until_signal(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
            log.info("stopping")
        finally:
            await self.stop()
