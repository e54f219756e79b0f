"""The leave-a-message path asks for an email by default (``leave_message_email``): a message
nobody can answer is a lost customer."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import Running

MESSAGE = {"client_id": "33333333-3333-4333-8333-333333333333", "text": "Do you ship to Norway?"}


async def test_a_left_message_needs_an_email_by_default(server: Running) -> None:
    visitor = await server.visitor()
    assert visitor.session is not None
    assert visitor.session["settings"]["leave_message_email"] == "required"
    assert visitor.session["settings"]["agents_online"] is False

    ack = await visitor.emit("conversation.start", {"leave_message": True, "message": MESSAGE})
    assert ack == {
        "ok": False,
        "error": {"code": "bad_request", "message": "Please enter your email address so we can reply."},
    }
    assert await server.chat.stores.conversations.queued() == []

    ack = await visitor.emit(
        "conversation.start", {"leave_message": True, "email": "ada@example.com", "message": MESSAGE}
    )
    assert ack["ok"], ack
    assert ack["message"]["text"] == MESSAGE["text"]
    stored = await server.chat.stores.visitors.get(int(visitor.session["visitor"]["id"][2:]))
    assert stored is not None
    assert stored.email == "ada@example.com"


async def test_the_admin_may_make_it_optional(server: Running) -> None:
    settings = server.chat.stores.settings
    await settings.save_widget(replace(await settings.widget(), leave_message_email="optional"))
    visitor = await server.visitor()
    ack = await visitor.emit("conversation.start", {"leave_message": True, "message": MESSAGE})
    assert ack["ok"], ack
    # A chat started the ordinary way never needed it (pre-chat email is off by default).
    other = await server.visitor()
    assert (await other.emit("conversation.start", {"leave_message": False}))["ok"]
    assert (await other.emit("conversation.start", {"leave_message": "yes"}))["error"][
        "code"
    ] == "bad_request"
