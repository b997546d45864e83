import json
from types import SimpleNamespace

from tunesmith.render.piece import _report_dict


def test_silent_track_rms_is_valid_json() -> None:
    report = SimpleNamespace(
        integrated_lufs=-14.0,
        true_peak_dbtp=-1.2,
        sample_peak_dbfs=-1.3,
        duration_s=3.0,
        target_lufs=-14.0,
        ceiling_dbtp=-1.0,
        track_rms_dbfs={"melody": -20.04, "pad": float("-inf")},
        warnings=["pad is silent"],
    )
    text = json.dumps(_report_dict(SimpleNamespace(report=report, timings={"master": 0.5})), allow_nan=False)
    assert json.loads(text)["track_rms_dbfs"] == {"melody": -20.0, "pad": None}
