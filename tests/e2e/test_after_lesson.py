"""After a lesson, end to end through the fake Bot API: those who attended are asked how it went (two taps
at once leave one rating), comment, and a low rating asks what went wrong; the tutor reads and reports
reviews, an admin hides one; the tutor writes notes with homework and a file, the student gets the recap,
the file and the homework reminder, and books the next lesson from it; /history for both; a French
student in Tokyo reads it all in French at Tokyo time; and nobody can act on someone else's lesson."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta

from bot.callbacks import GetNoteFile, RateLesson, ShowNote, WriteNotes
from core.availability import SlotSpec
from core.enums import Role, SessionType
from core.join_links import JoinLinks
from core.rules import BusinessRules
from core.usecases.accounts import set_language
from core.usecases.availability import add_slot
from core.usecases.live import end_session, start_session
from core.usecases.presence import PresenceReport, report_presence
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.processes import free_port
from testkit.stripe import FakeStripe
from tests.e2e.conftest import AppFactory, live_settings
from tests.e2e.helpers import forge_press, settle_background_dialog
from tests.e2e.shop import NOW, enrol, person, tutor_with_slot

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)  # Monday 16:00 in Paris, midnight in Tokyo
GRACE, ANN, KENJI, CY, ADA = 9201, 9210, 9211, 9212, 9299


async def test_ratings_notes_homework_and_history_after_a_group_lesson(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    clock = FixedClock(NOW)
    port = free_port()
    async with (
        FakeStripe(clock=lambda: clock.now().timestamp()) as stripe,
        app_factory(clock=clock, ADMIN_IDS=str(ADA), **live_settings(stripe, port)) as app,
    ):
        services = app.components.services
        slot = await tutor_with_slot(
            app, GRACE, "Grace Hopper", rate=0, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
        )
        # Grace's next free time, a week later, for "Book the next session".
        next_week = SlotSpec(
            day=date(2026, 3, 30), start=time(16), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1
        )
        await add_slot(services.uow_factory(), clock, BusinessRules(), user_id=GRACE, spec=next_week)
        for user_id, name, zone in (
            (ANN, "Ann", "Europe/Paris"),
            (KENJI, "Kenji", "Asia/Tokyo"),
            (CY, "Cy", "Europe/Paris"),
        ):
            await person(app, user_id, name, zone, Role.STUDENT)
        await person(app, ADA, "Ada", "Europe/London", Role.STUDENT)
        await set_language(services.uow_factory(), clock, user_id=KENJI, language="fr")
        ids = {user_id: await enrol(app, user_id, slot.id) for user_id in (ANN, KENJI, CY)}
        grace, ann, kenji, cy, ada = (
            telegram.user(GRACE, "Grace"),
            telegram.user(ANN, "Ann"),
            telegram.user(KENJI, "Kenji", language_code="fr"),
            telegram.user(CY, "Cy"),
            telegram.user(ADA, "Ada"),
        )
        async with services.uow_factory() as uow:
            session = await uow.sessions.get_by_slot(slot.id)
        assert session is not None
        # Ann and Kenji join the video; Cy never does.
        clock.current = START - timedelta(minutes=5)
        links: JoinLinks = services.join_links
        await start_session(services.uow_factory, clock, BusinessRules(), links, user_id=GRACE, session_id=session.id)
        for user_id in (ANN, KENJI):
            await report_presence(
                services.uow_factory, clock, session_id=session.id, user_id=user_id, report=PresenceReport.JOINED
            )
        clock.current = START + timedelta(minutes=58)
        await end_session(services.uow_factory, clock, session_id=session.id, user_id=GRACE)

        # -- ratings -----------------------------------------------------------------------------------
        ask = await ann.wait_for("⭐ How was your session of Mon 23 Mar 2026, 16:00 (Paris, UTC+1) with Grace Hopper?")
        assert ask.buttons == [["1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐"], ["Skip"]]
        await cy.wait_for("you are marked absent")
        assert not [m for m in cy.messages if "How was your session" in (m.text or "")]
        # Cy cannot rate, neither Ann's lesson nor his own missed one.
        stolen = await forge_press(telegram, cy, RateLesson(participant_id=ids[ANN], stars=1).pack())
        assert stolen.text == "This review does not exist."
        own = await forge_press(telegram, cy, RateLesson(participant_id=ids[CY], stars=5).pack())
        assert own.text == "Only the students who joined the lesson can rate it."
        # Two taps at once: one review, with one of the two ratings.
        await asyncio.gather(ann.press("4 ⭐", message=ask), ann.press("5 ⭐", message=ask))
        rated = await ann.wait_for(lambda m: m.message_id == ask.message_id and "Your rating:" in (m.text or ""))
        assert "You can change it until 30 March 2026." in rated.text
        async with services.uow_factory() as uow:
            reviews = await uow.reviews.for_participants(list(ids.values()))
        assert list(reviews) == [ids[ANN]] and reviews[ids[ANN]].stars in (4, 5)
        await ann.press("4 ⭐", message=ask)
        await ann.wait_for(lambda m: m.message_id == ask.message_id and "★★★★☆" in (m.text or ""))
        await ann.press("✍️ Add a comment")
        await ann.wait_for("Your comment, in a few words")
        await ann.send("x" * 4096)
        await ann.wait_for("A comment has at most 1000 characters.")
        await ann.send("Clear, patient, and fun.")
        await ann.wait_for("✅ Thank you: your comment is saved.")

        # Kenji reads in French, at Tokyo time, and rates low: he is asked what went wrong.
        question = await kenji.wait_for("⭐ Comment s'est passée votre séance du mar. 24 mars 2026, 00:00 (Tokyo")
        await kenji.press("2 ⭐", message=question)
        low = await kenji.wait_for("Désolé que ça ne se soit pas bien passé")
        await kenji.press("✍️ Dites-nous ce qui n'a pas marché", message=low)
        await kenji.wait_for("Qu'est-ce qui n'a pas marché ?")
        await kenji.send("Le son coupait sans arrêt.")
        await kenji.wait_for("✅ Merci : votre commentaire est enregistré.")

        # -- the tutor's reviews, a report, and an admin who hides ------------------------------------
        await grace.send("/reviews")
        mine = await grace.wait_for("⭐ You have 2 reviews. Students see your average from 3 reviews.")
        assert "«Clear, patient, and fun.»" in mine.text and "«Le son coupait sans arrêt.»" in mine.text
        # The latest first: Kenji's comment is number 1.
        assert mine.button_labels == ["🚩 Report comment 1", "🚩 Report comment 2"]
        assert mine.text.index("Le son coupait") < mine.text.index("Clear, patient")
        await grace.press("🚩 Report comment 1", message=mine)
        answer = await grace.wait_for_callback_answer()
        assert (answer.text or "").startswith("🚩 Reported: students no longer see this comment")
        reported = await ada.wait_for("🚩 Grace Hopper reported a review")
        await ada.press("🙈 Hide the review", message=reported)
        await ada.wait_for("🙈 Review hidden.")
        async with services.uow_factory() as uow:
            ratings = await uow.reviews.ratings([slot.tutor_id])
        assert ratings[slot.tutor_id].count == 1

        # -- notes, homework and a file ---------------------------------------------------------------
        summary = await grace.wait_for("📝 Write your notes for the students", after=0)
        # Nobody else writes Grace's notes.
        refused = await forge_press(telegram, ann, WriteNotes(session_id=session.id).pack())
        assert refused.text == "This session does not exist."
        await grace.press("📝 Write notes", message=summary)
        pick = await grace.wait_for("pick a student")
        assert pick.button_labels == ["Ann", "Kenji", "Done"]
        await grace.press("Ann", message=pick)
        await grace.wait_for("What did you cover with Ann?")
        await grace.send("x" * 4096)
        await grace.wait_for("Notes have at most 1500 characters.")
        await grace.send("Loops and\n\n\n\nrecords: PERFORM VARYING.")
        await grace.wait_for("Homework for Ann?")
        await grace.send("Write a loop that prints 1 to 10.")
        due = await grace.wait_for("When is the homework due?")
        assert due.button_labels[0] == "Tue 24 Mar" and "Mon 6 Apr" in due.button_labels
        await grace.press("Thu 26 Mar", message=due)
        await grace.wait_for("Send files for Ann")
        await grace.upload("loops.exe", b"MZ")
        await grace.wait_for("Files of type “exe” cannot be shared")
        await grace.upload("loops.pdf", b"%PDF-1.4 loops", mime_type="application/pdf")
        await grace.wait_for("1 file attached.")
        await grace.press("Continue ▶️")
        preview = await grace.wait_for("👀 What Ann will get:")
        assert "Loops and\n\nrecords: PERFORM VARYING." in preview.text and "Thursday 26 March" in preview.text
        await grace.press("✅ Save and send to Ann", message=preview)
        back = await grace.wait_for(lambda m: "pick a student" in (m.text or "") and "✅ Ann" in m.button_labels)
        await grace.press("Done", message=back)

        recap = await ann.wait_for("📝 Notes from Grace Hopper on your session of Mon 23 Mar 2026, 16:00")
        assert (
            "📚 Homework, due Thu 26 Mar 2026, 23:59 (Paris, UTC+1):\nWrite a loop that prints 1 to 10." in recap.text
        )
        assert recap.button_labels == ["📎 loops.pdf", "📅 Book the next session"]
        note_id = int(recap.button("📎 loops.pdf")["callback_data"].split(":")[1])
        file_id = int(recap.button("📎 loops.pdf")["callback_data"].split(":")[2])
        await ann.press("📎 loops.pdf", message=recap)
        sent = await ann.wait_for(lambda m: m.document is not None and m.caption == "loops.pdf")
        assert ann.downloaded(sent) == b"%PDF-1.4 loops"
        # Another student cannot read the notes, nor fetch the file.
        for forged in (ShowNote(note_id=note_id).pack(), GetNoteFile(note_id=note_id, file_id=file_id).pack()):
            assert (await forge_press(telegram, cy, forged)).text == "These notes do not exist."
        await ann.press("📅 Book the next session", message=recap)
        await ann.wait_for("Pick a day")

        # The homework reminder: once, a day before it is due.
        clock.current = datetime(2026, 3, 26, 1, 0, tzinfo=UTC)
        jobs = app.components.jobs
        assert await jobs["homework"].run(app.components.job_context) == 1
        assert await jobs["homework"].run(app.components.job_context) == 0
        reminder = await ann.wait_for("📚 Homework from your session of Mon 23 Mar 2026, 16:00")
        assert "is due Thu 26 Mar 2026, 23:59 (Paris, UTC+1)" in reminder.text

        # -- history ----------------------------------------------------------------------------------
        await ann.send("/history")
        history = await ann.wait_for("📚 Your past lessons")
        assert (
            "Grace Hopper" in history.text
            and "✅ attended · ★★★★☆ · 📝 notes · 📚 homework due 26 March 2026" in history.text
        )
        await ann.press("📝 Notes of 23 March 2026", message=history)
        await ann.wait_for(
            lambda m: (m.text or "").startswith("📝 Notes from Grace Hopper") and m.message_id != recap.message_id
        )
        await grace.send("/history")
        students = await grace.wait_for("Your students, the most recent first")
        assert "👤 Ann: 1 session, last on 23 March 2026" in students.text
        assert "👤 Cy: 1 session, last on 23 March 2026" in students.text
        await grace.press("👤 Kenji", message=students)
        kenjis = await grace.wait_for("Your lessons with Kenji")
        assert kenjis.button_labels == ["✍️ Write the notes of 23 March 2026"]
        await cy.send("/history")
        missed = await cy.wait_for("📚 Your past lessons")
        assert "🚫 missed" in missed.text and missed.button_labels == []
        await kenji.send("/history")
        french = await kenji.wait_for("📚 Vos cours passés")
        assert "mar. 24 mars 2026, 00:00 (Tokyo" in french.text and "★★☆☆☆" in french.text
        await settle_background_dialog()
