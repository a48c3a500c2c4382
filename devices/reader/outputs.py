"""The door relay behind a small interface: a log line in simulation, a GPIO pin on a Pi.

No Raspberry Pi library is needed to run the reader: `gpio` looks for RPi.GPIO only when it is
configured, and without it drives a logging stand-in (so a bench setup still runs).
"""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any, Protocol

from devices.reader.config import OutputConfig

log = logging.getLogger(__name__)


class Relay(Protocol):
    def open(self, seconds: float) -> None:
        """Release the door for `seconds`, then lock it again (without blocking the caller)."""

    def shutdown(self) -> None:
        """Lock the door now and release the hardware."""


class Pin(Protocol):
    def write(self, high: bool) -> None: ...

    def release(self) -> None: ...


class LogRelay:
    """Simulation: says what a relay would do."""

    def open(self, seconds: float) -> None:
        log.info("relay: door open for %s s", seconds)

    def shutdown(self) -> None:
        return


class PinRelay:
    """A relay on an output pin: energised for the open time; a new grant restarts the timer."""

    def __init__(self, pin: Pin, active_high: bool = True) -> None:
        self.pin = pin
        self.active_high = active_high
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        pin.write(not active_high)

    def open(self, seconds: float) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self.pin.write(self.active_high)
            self._timer = threading.Timer(seconds, self._lock_door)
            self._timer.daemon = True
            self._timer.start()

    def _lock_door(self) -> None:
        with self._lock:
            self.pin.write(not self.active_high)
            self._timer = None

    def shutdown(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self.pin.write(not self.active_high)
        self.pin.release()


class LogPin:
    """A pin that only logs: `gpio` output on a machine without RPi.GPIO."""

    def __init__(self, number: int) -> None:
        self.number = number

    def write(self, high: bool) -> None:
        log.info("GPIO%d %s", self.number, "high" if high else "low")

    def release(self) -> None:
        return


class RpiPin:
    """A BCM-numbered output pin through RPi.GPIO (imported only when used)."""

    def __init__(self, number: int, gpio: Any) -> None:
        self.number, self._gpio = number, gpio
        gpio.setmode(gpio.BCM)
        gpio.setup(number, gpio.OUT)

    def write(self, high: bool) -> None:
        self._gpio.output(self.number, self._gpio.HIGH if high else self._gpio.LOW)

    def release(self) -> None:
        self._gpio.cleanup(self.number)


def relay_from(config: OutputConfig) -> Relay:
    if config.kind == "log" or config.pin is None:
        return LogRelay()
    try:
        pin: Pin = RpiPin(config.pin, importlib.import_module("RPi.GPIO"))
    except (ImportError, RuntimeError) as exc:  # RuntimeError: not on a Pi
        log.warning("no RPi.GPIO (%s): GPIO%d will be a log line", exc, config.pin)
        pin = LogPin(config.pin)
    return PinRelay(pin, config.active_high)
