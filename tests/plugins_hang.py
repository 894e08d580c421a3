"""Misbehaving plug-in strategies for the reliability tests (issue 16): they hang, crawl
or kill their process at a chosen trial; otherwise they are plain random search."""

from __future__ import annotations

import os
import time

from tunebench.problems.space import Config
from tunebench.strategies.simple import RandomSearch


class _Counting(RandomSearch):
    """Random search that counts its asks (``self.n``)."""

    n = 0

    def ask(self) -> Config:
        self.n += 1
        return super().ask()


class HangingAsk(_Counting):
    """Its second ``ask`` sleeps for an hour."""

    name = "hanging-ask"

    def ask(self) -> Config:
        if self.n == 1:
            time.sleep(3600)
        return super().ask()


class HangingTell(_Counting):
    """Its first ``tell`` sleeps for an hour."""

    name = "hanging-tell"

    def tell(self, config: Config, loss: float) -> None:
        time.sleep(3600)


class SlowAsk(_Counting):
    """Every ``ask`` takes 0.2 s (to keep a run busy in tests)."""

    name = "slow-ask"

    def ask(self) -> Config:
        time.sleep(0.2)
        return super().ask()


class DyingAsk(_Counting):
    """Its second ``ask`` ends the process with exit code 7 (like a crash in C code)."""

    name = "dying-ask"

    def ask(self) -> Config:
        if self.n == 1:
            os._exit(7)
        return super().ask()


class FailingAsk(_Counting):
    """Its second ``ask`` raises (an ordinary strategy bug)."""

    name = "failing-ask"

    def ask(self) -> Config:
        if self.n == 1:
            raise RuntimeError("failing-ask broke at its second ask")
        return super().ask()
