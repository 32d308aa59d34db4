"""A session's room: the 1-to-1 chat relayed both ways and refused in a group, and who may share,
download and delete files."""

from app.wiring import TutorBot
from bot.callbacks import OpenRoom
from core.enums import Role
from core.usecases.room import CHAT_MAX_LENGTH, chat_history, send_chat_message
from testkit import BotMessage, FakeTelegram, FakeUser
from tests.e2e.helpers import forge_press, settle_background_dialog
from tests.e2e.shop import Shop, grace_and_a_group, open_slot, person, student_cancels_booking, tutor_with_slot


async def book_free(student: FakeUser, subject: str, tutor: str, slot_label: str) -> None:
    await open_slot(student, subject, tutor, "•23", slot_label)
    await student.press("✅ Book")
    await student.wait_for(lambda m: m.document is not None)


async def open_room_of(user: FakeUser, command: str) -> BotMessage:
    await user.send(command)
    listing = await user.wait_for(lambda m: any(label.startswith("📂 Chat and files") for label in m.button_labels))
    label = next(label for label in listing.button_labels if label.startswith("📂 Chat and files"))
    await user.press(label, message=listing)
    room = await user.wait_for("📂 Session with")
    await settle_background_dialog()
    return room


async def session_id_of(app: TutorBot, slot_id: int) -> int:
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot_id)
    assert session is not None
    return session.id


async def test_a_one_to_one_chat_goes_both_ways_and_keeps_its_history(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 9201, "Paul Dirac", rate=0)
    await person(app, 9202, "Ann", "Europe/Paris", Role.STUDENT)
    ann, paul = telegram.user(9202, "Ann"), telegram.user(9201, "Paul")
    await book_free(ann, "Physics (1)", "Paul Dirac", "16:00–17:00 · 1-to-1 · free of charge")

    await open_room_of(ann, "/mybookings")
    await ann.press("💬 Chat")
    await ann.wait_for("Chat with Paul")
    await ann.send("Hello, can we start with spin?")
    relayed = await paul.wait_for("💬 Ann: Hello, can we start with spin?")
    await paul.press("💬 Reply", message=relayed)
    await paul.wait_for("Chat with Ann", new_only=True)
    await settle_background_dialog()
    await paul.send("Of course!")
    await ann.wait_for("💬 Paul: Of course!")
    # Anything but text in chat mode is explained, not relayed.
    await paul.upload("slides.pdf", b"%PDF-1.4", mime_type="application/pdf")
    await paul.wait_for("Only text goes through the chat")
    session_id = await session_id_of(app, slot.id)
    history = await chat_history(app.components.services.uow_factory(), user_id=9202, session_id=session_id)
    assert [(name, m.content) for m, name in history] == [
        ("Ann", "Hello, can we start with spin?"),
        ("Paul", "Of course!"),
    ]
    await ann.press("📜 History")
    shown = await ann.wait_for("Chat history")
    assert "Ann: Hello, can we start with spin?" in shown.text and "Paul: Of course!" in shown.text


async def test_group_sessions_have_no_chat_and_only_the_tutor_shares_files(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot, grace, students = await grace_and_a_group(app, telegram, 9301, rate=0, students=2)
    for student in students:
        await book_free(student, "COBOL (1)", "Grace Hopper", "16:00–17:00 · group of 3")
    s0, s1 = students
    room = await open_room_of(s0, "/mybookings")
    assert "💬 Chat" not in room.button_labels and "Group sessions have no chat" in room.text
    # A forged "reply in chat" button opens the room without a chat, and nothing typed is relayed.
    session_id = await session_id_of(app, slot.id)
    await forge_press(telegram, s0, OpenRoom(session_id=session_id, chat=True).pack())
    forged = await s0.wait_for("📂 Session with")
    assert "💬 Chat" not in forged.button_labels
    await settle_background_dialog()
    await s0.send("hello everyone")
    await s1.expect_no_message(within=0.3)
    # Students cannot share files here.
    await open_room_of(s0, "/mybookings")
    await s0.press("📎 Files (0)")
    files = await s0.wait_for("Files: tap one")
    assert "⬆️ Share a file" not in files.button_labels
    # A file sent anyway is refused with the reason, on the files screen and on the room's main screen.
    await s0.upload("notes.pdf", b"%PDF-1.4 notes", mime_type="application/pdf")
    await s0.wait_for("In a group session, only the tutor shares files.")
    await s0.press("◀️ Back")
    await s0.wait_for("📂 Session with")
    await s0.upload("notes.pdf", b"%PDF-1.4 notes", mime_type="application/pdf")
    await s0.wait_for("In a group session, only the tutor shares files.")
    await s0.send("anyone there?")
    await s0.wait_for("Use the buttons of the room")
    # The tutor shares one; both students receive it, can download it, and cannot delete it.
    await open_room_of(grace, "/sessions")
    await grace.walk(
        ("📎 Files (0)", "Files: tap one"),
        ("⬆️ Share a file", "Send the file"),
    )
    await grace.upload("virus.exe", b"MZ", mime_type="application/octet-stream")
    await grace.wait_for("Files of type “exe” cannot be shared.")
    await grace.upload("cobol-basics.pdf", b"%PDF-1.4 cobol", mime_type="application/pdf")
    await grace.wait_for("cobol-basics.pdf is shared with the session.")
    tutor_files = await grace.wait_for("Files: tap one")
    assert "🗑 cobol-basics.pdf" in tutor_files.button_labels
    for student in students:
        got = await student.wait_for(lambda m: m.document is not None and m.document.file_name == "cobol-basics.pdf")
        assert "Grace shared cobol-basics.pdf" in got.text
    await open_room_of(s1, "/mybookings")
    await s1.press("📎 Files (1)")
    listing = await s1.wait_for("Files: tap one")
    assert listing.button_labels[:1] == ["📄 cobol-basics.pdf"] and "🗑 cobol-basics.pdf" not in listing.button_labels
    await s1.press("📄 cobol-basics.pdf")
    sent = await s1.wait_for(lambda m: m.document is not None and m.text == "cobol-basics.pdf")
    assert sent.document is not None and sent.document.data == b"%PDF-1.4 cobol"
    # The tutor can delete it.
    await grace.press("🗑 cobol-basics.pdf", message=tutor_files)
    assert (await grace.wait_for_callback_answer()).text == "🗑 cobol-basics.pdf is deleted."


async def test_a_stranger_cannot_open_a_room(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 9401, "Ada Lovelace", rate=0, subject="Maths")
    await person(app, 9402, "Bea", "Europe/Paris", Role.STUDENT)
    await person(app, 9403, "Mallory", "Europe/Paris", Role.STUDENT)
    bea, mallory = telegram.user(9402, "Bea"), telegram.user(9403, "Mallory")
    await book_free(bea, "Maths (1)", "Ada Lovelace", "16:00–17:00 · 1-to-1 · free of charge")
    answer = await forge_press(
        telegram, mallory, OpenRoom(session_id=await session_id_of(app, slot.id), chat=True).pack()
    )
    assert answer.text == "This session does not exist."


async def test_a_one_to_one_room_belongs_to_one_participation(shop: Shop, telegram: FakeTelegram) -> None:
    """Ann books, chats and shares a file, then cancels; Bob books the freed slot. Bob sees none of it,
    Ann loses access at once, and the tutor keeps Ann's room, read-only."""
    app = shop.app
    slot = await tutor_with_slot(app, 9501, "Paul Dirac", rate=0)
    await person(app, 9502, "Ann", "Europe/Paris", Role.STUDENT)
    await person(app, 9503, "Bob", "America/New_York", Role.STUDENT)
    paul, ann, bob = telegram.user(9501, "Paul"), telegram.user(9502, "Ann"), telegram.user(9503, "Bob")
    await book_free(ann, "Physics (1)", "Paul Dirac", "16:00–17:00 · 1-to-1 · free of charge")
    session_id = await session_id_of(app, slot.id)

    await open_room_of(ann, "/mybookings")
    await ann.press("💬 Chat")
    await ann.wait_for("Chat with Paul")
    await ann.send("Call me on +33 6 12 34 56 78 if the link fails")
    relayed = await paul.wait_for("💬 Ann: Call me on +33 6 12 34 56 78")
    await ann.walk(
        ("◀️ Leave the chat", "📂 Session with"),
        ("📎 Files (0)", "Files: tap one"),
        ("⬆️ Share a file", "Send the file"),
    )
    await ann.upload("ann-homework.pdf", b"%PDF-1.4 ann", mime_type="application/pdf")
    await ann.wait_for("ann-homework.pdf is shared with the session.")
    await paul.wait_for(lambda m: m.document is not None and m.document.file_name == "ann-homework.pdf")

    await student_cancels_booking(ann, "Mon 23 Mar 2026, 16:00 (Paris, UTC+1)")
    # Ann's own old buttons no longer open anything.
    answer = await forge_press(telegram, ann, OpenRoom(session_id=session_id, chat=True).pack())
    assert answer.text == "This session does not exist."

    await open_slot(bob, "Physics (1)", "Paul Dirac", "•23", "11:00–12:00 · 1-to-1 · free of charge")
    await bob.press("✅ Book")
    await bob.wait_for(lambda m: m.document is not None)
    room = await open_room_of(bob, "/mybookings")
    assert "With: Paul" in room.text
    await bob.press("📜 Chat history")
    history = await bob.wait_for("Chat history")
    assert "No message yet." in history.text and "+33" not in history.text and "Ann" not in history.text
    await bob.press("◀️ Back")
    await bob.wait_for("📂 Session with")
    await bob.press("📎 Files (0)")
    files = await bob.wait_for("Files: tap one")
    assert not any("ann-homework" in label for label in files.button_labels)
    # Guessing Ann's participation in a crafted button gets Bob nothing either.
    async with app.components.services.uow_factory() as uow:
        ann_participation = next(p for p in await uow.participants.list_for_session(session_id) if p.user_id == 9502)
    answer = await forge_press(
        telegram, bob, OpenRoom(session_id=session_id, participant_id=ann_participation.id).pack()
    )
    assert answer.text == "This session does not exist."

    # The tutor's room is Bob's now; Ann's stays readable, read-only.
    tutor_room = await open_room_of(paul, "/sessions")
    assert "With: Bob" in tutor_room.text and "🗂 Earlier students (1)" in tutor_room.button_labels
    await paul.press("📜 Chat history")
    assert "No message yet." in (await paul.wait_for("Chat history")).text
    await paul.walk(
        ("◀️ Back", "📂 Session with"),
        ("🗂 Earlier students (1)", "Students who booked this session before"),
    )
    await paul.press("📜 Ann · cancelled")
    earlier = await paul.wait_for("booking is over (cancelled)")
    assert "💬 Chat" not in earlier.button_labels
    await paul.press("📜 Chat history")
    assert "Ann: Call me on +33 6 12 34 56 78" in (await paul.wait_for("Chat history")).text
    await paul.press("◀️ Back")
    await paul.wait_for("booking is over (cancelled)")
    await paul.press("📎 Files (1)")
    ann_files = await paul.wait_for("Files: tap one")
    assert ann_files.button_labels[0] == "📄 ann-homework.pdf" and "⬆️ Share a file" not in ann_files.button_labels
    assert "🗑 ann-homework.pdf" not in ann_files.button_labels
    # Replying to Ann's old message opens Ann's room, which takes nothing: Bob never gets the reply.
    await paul.press("💬 Reply", message=relayed)
    reply_room = await paul.wait_for("booking is over (cancelled)")
    assert "💬 Chat" not in reply_room.button_labels and "With: Ann" in reply_room.text
    await settle_background_dialog()
    await paul.send("Ann, are you there?")
    await bob.expect_no_message(within=0.5)
    history_of_bob = await chat_history(app.components.services.uow_factory(), user_id=9503, session_id=session_id)
    assert history_of_bob == []


async def test_a_long_chat_history_pages_whole_messages_that_fit(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 9601, "Paul Dirac", rate=0)
    await person(app, 9602, "Ann", "Europe/Paris", Role.STUDENT)
    ann = telegram.user(9602, "Ann")
    await book_free(ann, "Physics (1)", "Paul Dirac", "16:00–17:00 · 1-to-1 · free of charge")
    session_id = await session_id_of(app, slot.id)
    parts = app.components
    for index in range(6):  # six messages of the longest length the chat takes
        sender = 9602 if index % 2 else 9601
        text = f"message {index} " + "x" * (CHAT_MAX_LENGTH - 12)
        await send_chat_message(
            parts.services.uow_factory(), parts.services.clock, user_id=sender, session_id=session_id, text=text
        )
    await open_room_of(ann, "/mybookings")
    await ann.press("📜 Chat history")
    seen: list[str] = []
    page = await ann.wait_for("Chat history")
    while True:
        text = page.text or ""
        assert len(text) <= 4096 and "…" not in text, "a page shows whole messages"
        seen += [f"message {i}" for i in range(6) if f"message {i} " in text]
        if "◀️ Older" not in page.button_labels:
            break
        await ann.press("◀️ Older")
        page = await ann.wait_for("Chat history")
    # Newest first, every message on some page, none twice.
    assert seen == [f"message {i}" for i in reversed(range(6))]
    await ann.press("Newer ▶️")
    back = await ann.wait_for("Chat history")
    assert "message 1 " in (back.text or "") and "Newer ▶️" in back.button_labels
