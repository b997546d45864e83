"""Request and response bodies of the REST API (pydantic), named in the OpenAPI schema.

Closed sets and ranges come from where the server checks them (tunesmith.compose.request,
web/settings.py, web/service.py), so the schema and the checks cannot drift apart. The compose
controls of ComposeBody are made from ComposeRequest's fields (checked by ComposeRequest.validate(),
one set of messages for CLI, Python and web); their schema carries the same limits as
``minimum``/``maximum``/``enum``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, get_type_hints

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from tunesmith.compose import request as r
from tunesmith.web.auth import MAX_PASSWORD
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


class ErrorBody(BaseModel):
    """Every error the API sends: what went wrong and, when one input is to blame, its name."""

    detail: str = Field(description="one line: what is wrong and what is allowed")
    field: str | None = Field(description="the control, parameter or form field to blame, if one is")


Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


class Credentials(BaseModel):
    name: str = Field(description="2-40 letters, digits, '.', '_' or '-'", max_length=100)
    password: str = Field(description="at least 8 characters", max_length=MAX_PASSWORD)


class Registered(BaseModel):
    user: str
    detail: str


class SignedIn(BaseModel):
    user: str
    token: str = Field(description="send as `Authorization: Bearer <token>`; the page uses the cookie")
    local: bool = False


class _ComposeOptions(BaseModel):
    """What a web compose job takes besides the controls."""

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


def _control_fields() -> dict[str, Any]:
    """(type, Field) of every web compose control, from its definition in ComposeRequest."""
    hints = get_type_hints(r.ComposeRequest)
    out: dict[str, Any] = {}
    for f, control in r.controls(web=True):
        kind = hints[f.name]
        if f.name == "instruments":
            kind = list[Annotated[str, Field(max_length=r.ITEM_MAX_LENGTH)]] | None
        extra: dict[str, Any] = {}
        if control.range is not None:
            extra = {"minimum": control.range[0], "maximum": control.range[1]}
        elif control.choices:
            extra = {"enum": list(control.choices)}
        longest = max((len(c) for c in control.choices), default=None) or control.max_length
        field = Field(
            f.default,
            description=control.describe(),
            max_length=longest,
            json_schema_extra=_constrain(**extra) if extra else None,
        )
        out[f.name] = (kind, field)
    return out


if TYPE_CHECKING:

    class ComposeBody(_ComposeOptions):
        style: str

else:
    ComposeBody = create_model(
        "ComposeBody",
        __base__=_ComposeOptions,
        __doc__="Every compose control (tunesmith.compose.request.ComposeRequest, whose fields this "
        "body is made from); None lets style and mood decide. Text fields are capped here, so an "
        "oversized field is a 422 before anything looks at it.",
        **_control_fields(),
    )


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
