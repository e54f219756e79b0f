"""The chaos checker finds each kind of broken promise, exactly, and nothing in a clean history.

Histories and stored truths come from :class:`tests.bench.chaos_sim.Sim`, which behaves like the
server and the recording clients; each test then breaks one promise the way a faulty server would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos.checker import KINDS, check
from bench.chaos.history import History, read_history
from bench.chaos.truth import Truth
from tests.bench.chaos_sim import Sim


def baseline() -> Sim:
    """Two chats: c_1 served by agent-1 and closed; c_2 served by agent-2, then transferred to
    agent-1 (with a private note on the way). agent-3 is online and idle."""
    sim = Sim()
    sim.agent("agent-1", "a_1", capacity=2)
    sim.agent("agent-2", "a_2", capacity=2)
    sim.agent("agent-3", "a_3", capacity=5)
    for n in range(1, 6):
        sim.visitor(f"visitor-{n}", f"v_{n}")
    sim.at(1.0)
    sim.open("c_1", "visitor-1")
    sim.assign("c_1", "agent-1")
    sim.send("visitor-1", "c_1", "v1-a")
    sim.send("agent-1", "c_1", "a1-a")
    sim.send("agent-1", "c_1", "a1-note", private=True)
    sim.send("visitor-1", "c_1", "v1-b")
    sim.at(2.0)
    sim.open("c_2", "visitor-2")
    sim.assign("c_2", "agent-2")
    sim.send("visitor-2", "c_2", "v2-a")
    sim.send("agent-2", "c_2", "a2-a")
    sim.at(3.0)
    sim.close("c_1", "agent-1")
    sim.transfer("c_2", "agent-1")
    sim.send("agent-1", "c_2", "a1-b")
    sim.at(4.0)
    return sim


def test_a_clean_history_has_no_violations() -> None:
    result = baseline().check(grace_seconds=2.0)
    assert result.found == {}
    assert result.ok
    assert list(result.counts) == list(KINDS)
    assert result.stats["conversations"] == 2
    assert result.stats["stored"] == 12
    assert result.stats["stored_by_type"] == {"event": 5, "text": 6, "note": 1}
    assert result.stats["acked"] == 7
    assert "OK: every promise held" in result.summary()


def test_an_emit_dropped_with_no_resync_is_a_skip() -> None:
    sim = baseline()
    sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))  # agent-1's copy is lost...
    sim.send("visitor-2", "c_2", "v2-c")  # ...it hears the next one and does not sync
    result = sim.check()
    assert result.found == {"skipped": 1}
    assert not result.ok
    assert "FAILED: 1 violations" in result.summary()
    assert "skipped 1" in result.summary()


def test_an_emit_dropped_then_resynced_is_fine() -> None:
    sim = baseline()
    sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))
    sim.send("visitor-2", "c_2", "v2-c")
    sim.sync("agent-1", "c_2")
    assert sim.check().found == {}


@pytest.mark.parametrize(("error", "found"), [("timeout", {"skipped": 1}), ("forbidden", {})])
def test_a_resync_must_reach_the_server(error: str, found: dict[str, int]) -> None:
    """A sync lost on the way is no resync; one the server refused (the chat moved on) is."""
    sim = baseline()
    sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))
    sim.send("visitor-2", "c_2", "v2-c")
    sim.transfer("c_2", "agent-3")
    sim.sync("agent-1", "c_2", ok=False, error=error)  # agent-1 asks for the gap too late
    assert sim.check().found == found


def test_a_last_emit_dropped_that_only_the_settling_sync_brings_is_undelivered() -> None:
    sim = baseline()
    sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))
    assert sim.check().found == {"undelivered": 1}


def test_a_message_missed_while_disconnected_is_fine() -> None:
    sim = baseline()
    sim.disconnect("agent-1")
    sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))
    sim.connect("agent-1")
    sim.sync("agent-1", "c_2")
    assert sim.check().found == {}


def test_a_double_assignment_in_the_store() -> None:
    sim = baseline()
    sim.open("c_3", "visitor-3")
    sim.assign("c_3", "agent-1")
    sim.assign("c_3", "agent-2")  # no transfer, no requeue in between
    result = sim.check()
    assert result.found == {"double_assigned": 1}
    assert result.violations[0].conversation == "c_3"


def test_an_agent_told_it_holds_a_chat_it_does_not() -> None:
    sim = baseline()
    sim.history.record("assigned", "agent-2", conversation="c_1", reason="routed", last_seq=1)
    assert sim.check().found == {"double_assigned": 1}


def test_an_acknowledged_message_not_stored_is_lost() -> None:
    sim = baseline()
    summary = {
        "seq": 8,
        "client_id": "v2-b",
        "type": "text",
        "private": False,
        "event": None,
        "author": "v_2",
    }
    sim.history.record("send", "visitor-2", conversation="c_2", client_id="v2-b", private=False, n=1)
    sim.ack("visitor-2", "c_2", "v2-b", summary)  # acknowledged at seq 8, which was never stored
    result = sim.check()
    assert result.found == {"lost": 1}
    assert "v2-b" in result.violations[0].detail


def test_an_acknowledged_message_stored_at_another_seq_is_misplaced() -> None:
    sim = baseline()
    message = sim.send("visitor-2", "c_2", "v2-b")
    sim.ack("visitor-2", "c_2", "v2-b", {**message.summary(), "seq": message.seq + 5})
    assert sim.check().found == {"misplaced": 1}


def test_a_message_stored_twice_is_duplicated() -> None:
    sim = baseline()
    sim.send("visitor-2", "c_2", "v2-b")
    again = sim.store("c_2", client_id="v2-b", author="v_2")  # a retry stored a second time
    sim.broadcast("c_2", again)
    assert sim.check().found == {"duplicated": 1}


def test_a_hole_in_a_stored_stream_is_a_gap() -> None:
    sim = baseline()
    message = sim.store("c_2", client_id="a1-c", author="a_1", seq=10)  # 7 to 9 never stored
    sim.broadcast("c_2", message)
    result = sim.check()
    assert result.found == {"gap": 1}
    assert result.violations[0].detail == "no message at seq 7..9"


def test_a_receipt_out_of_order_is_reordered() -> None:
    sim = baseline()
    first = sim.send("visitor-2", "c_2", "v2-b", drop=("agent-1",))
    sim.send("visitor-2", "c_2", "v2-c")  # agent-1 hears v2-c first,
    sim.sync("agent-1", "c_2")  # syncs for the gap as it should,
    sim.receive("agent-1", "c_2", first)  # then hears v2-b late on the same connection
    assert sim.check().found == {"reordered": 1}


def test_a_private_note_shown_to_the_visitor_diverges() -> None:
    sim = baseline()
    note = sim.send("agent-1", "c_2", "a1-note2", private=True)
    sim.receive("visitor-2", "c_2", note)
    assert sim.check().found == {"diverged": 1}


def test_a_participant_left_without_the_whole_stream_has_unseen_messages() -> None:
    sim = baseline()
    sim.send("agent-1", "c_2", "a1-c", drop=("visitor-2",))
    sim.settle(failing=("visitor-2",))
    result = sim.check(settle=False)
    assert result.found == {"unseen": 1}
    assert result.violations[0].actor == "visitor-2"


def test_an_agent_over_capacity() -> None:
    sim = baseline()  # agent-1 (capacity 2) holds c_2
    for conv, visitor in (("c_3", "visitor-3"), ("c_4", "visitor-4")):
        sim.open(conv, visitor)
        sim.assign(conv, "agent-1")
    result = sim.check()
    assert result.found == {"over_capacity": 1}
    assert result.violations[0].conversation == "c_4"


def two_waiting() -> Sim:
    """The baseline, then c_3 queued at 5 s and c_4 at 6 s; the clock at 8 s."""
    sim = baseline()
    sim.at(5.0)
    sim.open("c_3", "visitor-3")
    sim.at(6.0)
    sim.open("c_4", "visitor-4")
    sim.at(8.0)
    return sim


def test_a_queue_served_out_of_order() -> None:
    sim = two_waiting()
    sim.assign("c_4", "agent-3")  # while c_3, queued first, still waits
    sim.at(9.0)
    sim.assign("c_3", "agent-3")
    result = sim.check()
    assert result.found == {"unfair_queue": 1}
    assert result.violations[0].conversation == "c_4"


def test_a_chat_taken_by_hand_may_jump_the_queue() -> None:
    sim = two_waiting()
    sim.history.record("action", "agent-3", what="take", conversation="c_4", ok=True)
    sim.assign("c_4", "agent-3", reason="taken")
    sim.at(9.0)
    sim.assign("c_3", "agent-3")
    assert sim.check().found == {}


def requeued_scenario(first: str) -> Sim:
    """agent-2 holds c_3 and vanishes; c_4 starts waiting; c_3 is requeued after the grace period
    (2 s); then ``first`` and the other are routed."""
    sim = baseline()
    sim.at(5.0)
    sim.open("c_3", "visitor-3")
    sim.assign("c_3", "agent-2")
    sim.at(6.0)
    sim.open("c_4", "visitor-4")
    sim.at(7.0)
    sim.history.record("action", "agent-2", what="vanish", conversation=None, ok=True)
    sim.disconnect("agent-2")
    sim.at(9.1)
    sim.requeue("c_3")
    sim.at(11.0)
    sim.assign(first, "agent-3")
    sim.at(12.0)
    sim.assign("c_4" if first == "c_3" else "c_3", "agent-3")
    return sim


def test_requeued_chats_are_served_before_older_new_ones() -> None:
    assert requeued_scenario(first="c_3").check(grace_seconds=2.0).found == {}


def test_a_new_chat_served_before_a_requeued_one_is_unfair() -> None:
    assert requeued_scenario(first="c_4").check(grace_seconds=2.0).found == {"unfair_queue": 1}


def vanish(sim: Sim, conv: str = "c_3") -> None:
    """agent-2 gets ``conv`` at 5 s and vanishes at 7 s."""
    sim.at(5.0)
    sim.open(conv, "visitor-3")
    sim.assign(conv, "agent-2")
    sim.at(7.0)
    sim.history.record("action", "agent-2", what="vanish", conversation=None, ok=True)
    sim.disconnect("agent-2")


def test_a_requeue_before_the_grace_period_ends_is_early() -> None:
    sim = baseline()
    vanish(sim)
    sim.at(8.0)  # 1 s after the agent left; the grace is 2 s
    sim.requeue("c_3")
    assert sim.check(grace_seconds=2.0).found == {"early_requeue": 1}


def test_a_requeue_while_the_agent_is_connected_is_early() -> None:
    sim = baseline()
    sim.at(5.0)
    sim.open("c_3", "visitor-3")
    sim.assign("c_3", "agent-2")
    sim.at(9.0)
    sim.requeue("c_3")
    result = sim.check(grace_seconds=2.0)
    assert result.found == {"early_requeue": 1}
    assert "while connected" in result.violations[0].detail


def test_chats_of_a_vanished_agent_never_requeued_are_forgotten() -> None:
    sim = baseline()
    vanish(sim)
    sim.at(20.0)
    result = sim.check(grace_seconds=2.0)
    assert result.found == {"forgotten": 1}
    assert result.violations[0].conversation == "c_3"


def test_an_agent_back_within_the_grace_period_keeps_its_chats() -> None:
    sim = baseline()
    vanish(sim)
    sim.at(8.0)
    sim.history.record("action", "agent-2", what="return", conversation=None, ok=True)
    sim.connect("agent-2")
    sim.sync("agent-2", "c_3")
    sim.at(20.0)
    assert sim.check(grace_seconds=2.0).found == {}


def test_a_restart_gives_the_grace_period_again() -> None:
    sim = baseline()
    vanish(sim)
    sim.at(8.5)
    sim.history.record("fault", "driver", name="kill", phase="end", target=0, detail={})
    sim.at(10.0)  # 3 s after the agent left, 1.5 s after the restart: not yet late
    sim.requeue("c_3")
    sim.at(11.0)
    assert sim.check(grace_seconds=2.0, requeue_slack=0.5).found == {}


def test_truth_and_history_survive_a_round_trip_through_files(tmp_path: Path) -> None:
    sim = baseline()
    sim.settle()
    truth = sim.truth()
    truth.save(tmp_path / "truth.json")
    assert Truth.load(tmp_path / "truth.json") == truth
    history = History(tmp_path / "history.jsonl", clock=lambda: 1.5)
    history.record("connect", "visitor-1", server=0, n=1)
    history.freeze()
    history.record("disconnect", "visitor-1", n=1)  # after the freeze: not kept
    history.close()
    assert read_history(tmp_path / "history.jsonl") == history.events
    assert history.events == [{"t": 1.5, "kind": "connect", "actor": "visitor-1", "server": 0, "n": 1}]
    assert check(sim.history.events, truth).found == {}
