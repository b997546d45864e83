"""Request and response bodies of the REST API (pydantic), named in the OpenAPI schema.

Closed sets and ranges come from where the server checks them (tunesmith.compose.request,
web/settings.py, web/service.py), so the schema and the checks cannot drift apart. Compose controls
are checked by ComposeRequest.validate() (one set of messages for CLI, Python and web); their
schema carries the same limits as ``minimum``/``maximum``/``enum``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from tunesmith.compose import request as r
from tunesmith.web.service import KINDS
from tunesmith.web.settings import ALL_OUTPUTS

PieceSource = Literal["corpus", "library", "generated"]
JobState = Literal["queued", "running", "done", "failed"]
FILE_KINDS = tuple(KINDS)
MAX_ID = 2**63 - 1
"""Largest id the store can hold (SQLite and PostgreSQL BIGINT); larger ones would crash the driver."""
PieceId = Annotated[int, Path(ge=1, le=MAX_ID, description="a piece id")]


def _constrain(**keywords: Any) -> Any:
    """A json_schema_extra that puts ``keywords`` on the non-null branch of an optional field (an
    enum beside ``anyOf: [..., null]`` would forbid null)."""

    def apply(schema: dict[str, Any]) -> None:
        branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
        for target in branches or [schema]:
            target.update(keywords)

    return apply


def _range(low: float, high: float, description: str) -> Any:
    return Field(None, description=description, json_schema_extra=_constrain(minimum=low, maximum=high))


def _one_of(values: Any, description: str) -> Any:
    longest = max(len(str(v)) for v in values)
    return Field(
        None, max_length=longest, description=description, json_schema_extra=_constrain(enum=list(values))
    )


class ErrorBody(BaseModel):
    """Every error the API sends: what went wrong and, when one input is to blame, its name."""

    detail: str = Field(description="one line: what is wrong and what is allowed")
    field: str | None = Field(description="the control, parameter or form field to blame, if one is")


MAX_TITLE = 200
MAX_INSTRUMENTS = 16
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


class Credentials(BaseModel):
    name: str = Field(description="2-40 letters, digits, '.', '_' or '-'", max_length=100)
    password: str = Field(description="at least 8 characters", max_length=1024)


class Registered(BaseModel):
    user: str
    detail: str


class SignedIn(BaseModel):
    user: str
    token: str = Field(description="send as `Authorization: Bearer <token>`; the page uses the cookie")
    local: bool = False


class ComposeBody(BaseModel):
    """Every compose control (tunesmith.compose.request.ComposeRequest); None lets style and mood decide.

    Text fields are capped here, so an oversized field is a 422 before anything looks at it."""

    style: str = Field(
        "folk", max_length=60, description="a style name (the enum lists this server's styles)"
    )
    mood: str | None = _one_of(r.MOODS, "a named mood; valence and arousal override it")
    valence: float | None = _range(-1.0, 1.0, "-1 (sad) to 1 (happy)")
    arousal: float | None = _range(-1.0, 1.0, "-1 (calm) to 1 (excited)")
    key: str | None = Field(
        None,
        max_length=20,
        description=f"a tonic ({', '.join(r.KEY_NAMES)}), optionally with a mode: 'F# minor', 'Bbm'",
    )
    mode: str | None = _one_of(r.MODES, "the mode of the key")
    tempo: float | None = _range(*r.TEMPO_RANGE, "quarter notes per minute")
    meter: str | None = _one_of(r.METERS, "time signature")
    bars: int | None = _range(*r.BARS_RANGE, "bars of the form (give bars or seconds, not both)")
    seconds: float | None = _range(*r.SECONDS_RANGE, "wanted duration in seconds")
    form: str | None = Field(
        None,
        max_length=300,
        description=f"{', '.join(r.FORMS)}, capital letters such as 'ABACA', or 'verse,chorus,...'",
    )
    chords: str | None = Field(
        None, max_length=2000, description="a progression: 'C Am F G', 'I vi IV V' or 'C G | Am F'"
    )
    instruments: list[Annotated[str, Field(max_length=60)]] | None = Field(
        None,
        max_length=MAX_INSTRUMENTS,
        description=f"General MIDI names, melody first, at most {MAX_INSTRUMENTS}",
    )
    model: str | None = _one_of(r.MODELS, "the melody model (default: the best installed)")
    temperature: float = Field(
        1.0, json_schema_extra={"minimum": r.TEMPERATURE_RANGE[0], "maximum": r.TEMPERATURE_RANGE[1]}
    )
    candidates: int = Field(
        3,
        description="candidates made and ranked",
        json_schema_extra={"minimum": r.CANDIDATES_RANGE[0], "maximum": r.CANDIDATES_RANGE[1]},
    )
    seed: int | None = _range(0, r.MAX_SEED, "random seed (default: a fresh one, kept with the piece)")
    title: str | None = Field(None, max_length=MAX_TITLE)
    primer_piece: int | None = Field(
        None, ge=1, le=MAX_ID, description="id of one of your uploads to start the melody from"
    )
    outputs: list[Annotated[str, Field(max_length=10)]] | None = Field(
        None,
        max_length=12,
        description="files to make (default: the server's)",
        json_schema_extra=_constrain(items={"type": "string", "enum": list(ALL_OUTPUTS)}, minItems=1),
    )
    steer: bool = Field(True, description="let your ratings choose open controls and rank candidates")


class JobCreated(BaseModel):
    job_id: str
    status_url: str


class JobStatus(BaseModel):
    id: str
    status: JobState
    stage: str
    progress: float = Field(json_schema_extra={"minimum": 0.0, "maximum": 1.0})
    error: str | None = None
    field: str | None = None
    pieces: list[dict[str, Any]] = []
    request: dict[str, Any] = {}


class RatingBody(BaseModel):
    stars: int = Field(description="1 to 5", json_schema_extra={"minimum": 1, "maximum": 5})
    comment: str = Field("", max_length=2000)


class RatingOut(BaseModel):
    piece_id: int
    title: str
    stars: int = Field(ge=1, le=5)
    comment: str
    updated: str


class PieceOut(BaseModel):
    id: int
    title: str
    source: PieceSource
    collection: str | None
    key: str | None
    meter: str | None
    tempo: float | None
    bars: int | None
    seconds: float | None
    tags: list[str]
    mine: bool
    my_rating: int | None = Field(None, ge=1, le=5)
    mean_rating: float | None = Field(None, ge=1, le=5)
    ratings: int = Field(0, ge=0)
    files: dict[str, str] = Field({}, description=f"download URL per file kind ({', '.join(FILE_KINDS)})")
    controls: dict[str, Any] | None = None


class PieceList(BaseModel):
    total: int = Field(ge=0)
    pieces: list[PieceOut]


class Recommendation(BaseModel):
    piece: PieceOut
    score: float
    reason: str


class Me(BaseModel):
    name: str
    local: bool = Field(description="the password-less local user of a loopback server")


class TagCount(BaseModel):
    name: str
    count: int = Field(ge=0)


class Config(BaseModel):
    """The choices the page offers (GET /api/config)."""

    model_config = ConfigDict(extra="allow")  # settings other modules add pass through

    local_sign_in: bool
    styles: list[str]
    moods: dict[str, list[float]] = Field(description="name: [valence, arousal]")
    meters: list[str]
    modes: list[str]
    models: list[str]
    keys: list[str]
    forms: list[str]
    ranges: dict[str, list[float]] = Field(description="control: [minimum, maximum]")
    outputs: list[str]
    default_outputs: list[str]
    max_upload_bytes: int
