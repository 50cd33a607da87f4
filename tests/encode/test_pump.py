"""The pump between a render and its encoders: order, bounds, errors, cancelling."""

from __future__ import annotations

import threading
import time

import pytest

from render.encode.pump import Pump


def test_every_item_is_consumed_in_order_and_no_more_than_capacity_are_held():
    put, consumed, held = [0], [], []

    def consume(item: int) -> None:
        held.append(put[0] - len(consumed))  # put and not yet consumed, this one included
        time.sleep(0.0005)  # an encoder slower than the render
        consumed.append(item)

    pump = Pump(consume, capacity=6)
    for item in range(120):
        pump.put(item)
        put[0] += 1
    pump.finish()
    assert consumed == list(range(120))
    assert max(held) <= 6 + 1  # the one being put when the count was read


def test_the_render_is_woken_in_strides_not_for_every_item():
    """A full queue lets the producer wait until half of it is consumed: it waits about twice per
    capacity's worth of items, not once per item."""
    waits = []
    pump = Pump(lambda item: time.sleep(0.0005), capacity=16)
    original = pump._changed.wait

    def counted(timeout=None):
        if threading.current_thread() is threading.main_thread():
            waits.append(1)
        return original(timeout)

    pump._changed.wait = counted
    for item in range(320):
        pump.put(item)
    pump.finish()
    assert 0 < len(waits) <= 320 // 8 + 2


def test_the_first_error_is_raised_by_finish_and_later_items_are_not_consumed():
    consumed = []

    def consume(item: int) -> None:
        if item == 5:
            raise ValueError("five")
        consumed.append(item)

    pump = Pump(consume, capacity=4)
    for item in range(100):  # never blocks on a consumer that failed
        pump.put(item)
    with pytest.raises(ValueError, match="five"):
        pump.finish()
    assert consumed == [0, 1, 2, 3, 4]


def test_cancel_drops_what_is_queued():
    consumed = []
    pump = Pump(lambda item: (time.sleep(0.01), consumed.append(item)), capacity=8)
    for item in range(8):
        pump.put(item)
    pump.cancel()
    assert len(consumed) < 8


def test_a_pump_finished_takes_nothing_more():
    pump = Pump(lambda item: None, capacity=2)
    pump.put(1)
    pump.finish()
    with pytest.raises(RuntimeError, match="already finished"):
        pump.put(2)
