"""Request and response bodies of the REST API (pydantic), named in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Credentials(BaseModel):
    name: str = Field(description="2-40 letters, digits, '.', '_' or '-'")
    password: str = Field(description="at least 8 characters")


class SignedIn(BaseModel):
    user: str
    token: str
    local: bool = False


class ComposeBody(BaseModel):
    """Every compose control (tunesmith.compose.request.ComposeRequest); None lets style and mood decide."""

    style: str = "folk"
    mood: str | None = None
    valence: float | None = Field(None, description="-1 (sad) to 1 (happy)")
    arousal: float | None = Field(None, description="-1 (calm) to 1 (excited)")
    key: str | None = None
    mode: str | None = None
    tempo: float | None = Field(None, description="quarter notes per minute, 30-240")
    meter: str | None = None
    bars: int | None = Field(None, description="bars of the form, 4-256")
    seconds: float | None = Field(None, description="wanted duration, 5-900 s")
    form: str | None = None
    chords: str | None = None
    instruments: list[str] | None = None
    model: str | None = None
    temperature: float = 1.0
    candidates: int = 3
    seed: int | None = None
    title: str | None = None
    primer_piece: int | None = Field(None, description="id of one of your uploads to start the melody from")
    outputs: list[str] | None = Field(None, description="files to make: mid, musicxml, wav, flac, mp3, png")
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
