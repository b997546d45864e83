import pickle

import pytest

from tunesmith.errors import ControlError, CorruptFileError, InputFileError, TunesmithError


@pytest.mark.parametrize(
    "err",
    [
        ControlError("tempo", "300 is outside 20-300"),
        CorruptFileError("a.mid", "truncated"),
        TunesmithError("x"),
    ],
)
def test_errors_survive_pickling_across_processes(err: TunesmithError) -> None:
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    if isinstance(err, InputFileError):
        assert isinstance(back, InputFileError) and (back.path, back.problem) == (err.path, err.problem)
