"""Request and response bodies of the REST API (pydantic), named in the OpenAPI schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

MAX_ID = 2**63 - 1
"""Largest id or offset the store can hold (a signed 64-bit integer); larger is a 422, not a crash."""
MAX_TITLE = 200
MAX_INSTRUMENTS = 16
PieceId = Annotated[int, Path(ge=0, le=MAX_ID, description="a piece id")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


class Credentials(BaseModel):
    name: str = Field(description="2-40 letters, digits, '.', '_' or '-'", max_length=100)
    password: str = Field(description="at least 8 characters", max_length=1024)


class Registered(BaseModel):
    user: str
    detail: str


class SignedIn(BaseModel):
    user: str
    token: str
    local: bool = False


class ComposeBody(BaseModel):
    """Every compose control (tunesmith.compose.request.ComposeRequest); None lets style and mood decide.

    Text fields are capped here, so an oversized field is a 422 before anything looks at it."""

    style: str = Field("folk", max_length=60, description="a style name from GET /api/config")
    mood: str | None = Field(None, max_length=40)
    valence: float | None = Field(None, description="-1 (sad) to 1 (happy)")
    arousal: float | None = Field(None, description="-1 (calm) to 1 (excited)")
    key: str | None = Field(None, max_length=20)
    mode: str | None = Field(None, max_length=20)
    tempo: float | None = Field(None, description="quarter notes per minute, 30-240")
    meter: str | None = Field(None, max_length=10)
    bars: int | None = Field(None, description="bars of the form, 4-256")
    seconds: float | None = Field(None, description="wanted duration, 5-900 s")
    form: str | None = Field(None, max_length=300)
    chords: str | None = Field(None, max_length=2000)
    instruments: list[Annotated[str, Field(max_length=60)]] | None = Field(
        None, max_length=MAX_INSTRUMENTS, description=f"General MIDI names, at most {MAX_INSTRUMENTS}"
    )
    model: str | None = Field(None, max_length=20)
    temperature: float = 1.0
    candidates: int = 3
    seed: int | None = None
    title: str | None = Field(None, max_length=MAX_TITLE)
    primer_piece: int | None = Field(
        None, ge=1, le=MAX_ID, description="id of one of your uploads to start the melody from"
    )
    outputs: list[Annotated[str, Field(max_length=10)]] | None = Field(
        None, max_length=12, description="files to make: mid, musicxml, wav, flac, mp3, png"
    )
    steer: bool = Field(True, description="let your ratings choose open controls and rank candidates")


class JobCreated(BaseModel):
    job_id: str
    status_url: str


class JobStatus(BaseModel):
    id: str
    status: str
    stage: str
    progress: float
    error: str | None = None
    field: str | None = None
    pieces: list[dict[str, Any]] = []
    request: dict[str, Any] = {}


class RatingBody(BaseModel):
    stars: int = Field(description="1 to 5")
    comment: str = Field("", max_length=2000)


class RatingOut(BaseModel):
    piece_id: int
    title: str
    stars: int
    comment: str
    updated: str


class PieceOut(BaseModel):
    id: int
    title: str
    source: str
    collection: str | None
    key: str | None
    meter: str | None
    tempo: float | None
    bars: int | None
    seconds: float | None
    tags: list[str]
    mine: bool
    my_rating: int | None = None
    mean_rating: float | None = None
    ratings: int = 0
    files: dict[str, str] = {}
    controls: dict[str, Any] | None = None


class PieceList(BaseModel):
    total: int
    pieces: list[PieceOut]


class Recommendation(BaseModel):
    piece: PieceOut
    score: float
    reason: str
