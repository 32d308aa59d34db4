"""Windows that let a person choose a time zone: by region and city, by typing an IANA name, or by
sharing a location. Any dialog includes them with its own states and decides what a chosen zone does."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import (
    CallbackQuery,
    ContentType,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Keyboard, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi, Text

from bot.button_values import StaleButton, list_index, one_of
from bot.dialogs.widgets import Tr
from bot.texts.errors import error_text
from core.errors import DomainError
from core.ports import ZoneLocator
from core.timezones import COMMON_ZONES, city_label, normalize_zone

ZoneChosen = Callable[[Message | CallbackQuery, DialogManager, str], Awaitable[None]]

_REGION_KEY = "zone_region"


def _region_names() -> dict[str, str]:
    return {
        "europe": _("Europe"),
        "americas": _("Americas"),
        "asia": _("Asia"),
        "africa": _("Africa"),
        "oceania": _("Oceania"),
    }


async def _regions_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    names = _region_names()
    return {"regions": [(region, names.get(region, region)) for region in COMMON_ZONES]}


async def _cities_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    region = dialog_manager.dialog_data.get(_REGION_KEY, "europe")
    zones = COMMON_ZONES.get(region, ())
    return {
        "region_name": _region_names().get(region, region),
        "cities": [(str(index), city_label(zone)) for index, zone in enumerate(zones)],
    }


def zone_windows(
    region_state: State,
    city_state: State,
    *,
    intro: Text,
    on_zone: ZoneChosen,
    extra_keyboard: Keyboard | None = None,
    getter: Callable[..., Awaitable[dict[str, Any]]] | None = None,
) -> list[Window]:
    async def region_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, region: str) -> None:
        manager.dialog_data[_REGION_KEY] = region
        await manager.switch_to(city_state)

    async def city_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, index: str) -> None:
        zones = COMMON_ZONES.get(manager.dialog_data.get(_REGION_KEY, ""), ())
        if int(index) >= len(zones):
            raise StaleButton(f"no city {index} in this region")
        await on_zone(event, manager, zones[int(index)])

    async def zone_typed(message: Message, widget: Any, manager: DialogManager) -> None:
        try:
            zone = normalize_zone(message.text or "")
        except DomainError as error:
            await message.answer(error_text(error))
            return
        await on_zone(message, manager, zone)

    async def location_shared(message: Message, widget: Any, manager: DialogManager) -> None:
        locator: ZoneLocator = manager.middleware_data["zone_locator"]
        point = message.location
        zone = locator.zone_at(point.latitude, point.longitude) if point else None
        if zone is None:
            await message.answer(
                _("I couldn't find a time zone for that place. Pick your region or type a zone name."),
                reply_markup=ReplyKeyboardRemove(),
            )
            return
        await message.answer(_("Found it: {zone}.").format(zone=zone), reply_markup=ReplyKeyboardRemove())
        manager.show_mode = ShowMode.SEND
        await on_zone(message, manager, zone)

    async def ask_location(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
        # Only a reply keyboard can ask Telegram for the location; the inline window stays as it is.
        button = KeyboardButton(text=_("📍 Send my location"), request_location=True)
        if isinstance(event.message, Message):
            await event.message.answer(
                _("Tap the button below to share your location. I only use it to find your time zone."),
                reply_markup=ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True),
            )
        manager.show_mode = ShowMode.NO_UPDATE

    inputs = [
        MessageInput(zone_typed, content_types=ContentType.TEXT),
        MessageInput(location_shared, content_types=ContentType.LOCATION),
    ]
    region_keyboard: list[Keyboard] = [
        Group(
            Select(
                Format("{item[1]}"),
                id="zone_region",
                item_id_getter=lambda item: item[0],
                items="regions",
                type_factory=one_of(COMMON_ZONES),
                on_click=region_chosen,
            ),
            width=2,
        ),
        Button(Tr("📍 Share my location"), id="zone_location", on_click=ask_location),
    ]
    if extra_keyboard is not None:
        region_keyboard.append(extra_keyboard)

    async def region_data(**kwargs: Any) -> dict[str, Any]:
        data = await _regions_getter(**kwargs)
        if getter is not None:
            data.update(await getter(**kwargs))
        return data

    async def city_data(**kwargs: Any) -> dict[str, Any]:
        data = await _cities_getter(**kwargs)
        if getter is not None:
            data.update(await getter(**kwargs))
        return data

    return [
        Window(
            Multi(
                intro,
                Tr("Pick your region, type a zone name such as Europe/Paris, or share your location."),
                sep="\n\n",
            ),
            *region_keyboard,
            *inputs,
            state=region_state,
            getter=region_data,
        ),
        Window(
            Tr("{region_name}: pick the city whose time you share, or type a zone name."),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="zone_city",
                    item_id_getter=lambda item: item[0],
                    items="cities",
                    type_factory=list_index,
                    on_click=city_chosen,
                ),
                width=2,
            ),
            Row(SwitchTo(Tr("◀️ Other regions"), id="zone_back", state=region_state)),
            *inputs,
            state=city_state,
            getter=city_data,
        ),
    ]
