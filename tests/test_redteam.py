"""A fast subset of the red-team (``nox -s redteam`` runs it all): every 7th bad input and
corruption, in this process; none may lose data, write outside its run directory, show a
traceback, or refuse with more than one line or another exit code than 2."""

from __future__ import annotations

import pytest

from tests.redteam import run as redteam


@pytest.mark.slow
def test_red_team_fast_subset(tmp_path, capsys):
    assert redteam.main(["--fast", "--every", "7"]) == 0, capsys.readouterr().out


def test_red_team_catalogue_is_large_enough(tmp_path):
    from tests.redteam.cases import bad_inputs, corruptions

    assert len(bad_inputs()) >= 150 and len(corruptions(tmp_path)) >= 40
