"""What a running web app needs to know: where the store and files live, limits, sign-in rules."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tunesmith.limits import WEB_LIMITS, ScoreLimits
from tunesmith.paths import data_dir

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
ALL_OUTPUTS = ("mid", "musicxml", "wav", "flac", "mp3", "png")
DEFAULT_OUTPUTS = ("mid", "musicxml", "wav", "png")


@dataclass
class WebSettings:
    """Settings of one app instance.

    ``local_sign_in`` (a password-less default user) is only ever on for loopback hosts: it is
    computed from ``host`` by :meth:`for_host`, and ``__post_init__`` refuses it elsewhere.
    """

    host: str = "127.0.0.1"
    db_url: str | None = None
    files_dir: Path | None = None
    """Generated and converted files live here (default: <data dir>/web)."""
    local_sign_in: bool = True
    local_user: str = "local"
    workers: int = 2
    """Compose jobs this process runs at once, from the queue (composing is CPU-bound: more than the
    cores only queues). 0: none here; ``tunesmith worker`` processes run them."""
    max_queued_jobs: int = 1000
    """Jobs waiting or running at once, all users together, before a submit gets 503."""
    queue_url: str | None = None
    """The job queue: ``sqlite:///path`` (one machine, no server) or ``redis://host:port/db`` (many
    machines). Default: $TUNESMITH_QUEUE_URL, else queue.db in the files folder."""
    job_attempts: int = 3
    """Attempts at a job whose worker died before it is failed with that reason."""
    job_heartbeat_s: float = 5.0
    job_stale_s: float = 30.0
    """A running job whose heartbeat is older than this lost its worker: it is queued again."""
    max_upload_bytes: int = 2 * 1024 * 1024
    session_hours: float = 24.0 * 14
    default_outputs: tuple[str, ...] = DEFAULT_OUTPUTS
    corpus_collections: tuple[str, ...] = ("nottingham",)
    """Corpus collections listed in the library (registered in the store in the background)."""
    corpus_limit: int | None = None
    """At most this many pieces per collection (None: all); tests keep it small."""
    soundfont: str | None = None
    preference_dir: Path | None = None
    """Where the fitted preference models are kept (default: <data dir>/feedback)."""
    extra_styles_path: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    # --- limits (issue 12): what one request or one user may make the server do ---
    score_limits: ScoreLimits = WEB_LIMITS
    """Notes, seconds, tracks and bars an upload, primer or served piece may hold."""
    max_body_bytes: int = 256 * 1024
    max_audio_bytes: int = 20 * 1024 * 1024
    """An audio clip to identify (minutes of MP3, ~2 minutes of CD-quality WAV)."""
    max_answer_bytes: int = 1_000_000
    """A learner's answer file (MusicXML, MIDI or ABC) or text."""
    """Largest request body other than an upload (JSON controls, sign-in)."""
    max_render_seconds: float = 240.0
    """Longest piece rendered as audio (on request, or by a compose job): rendering holds the mix
    in memory, measured at 931 MB peak RSS for 5 minutes of six tracks and 1.9 GB for 15 minutes of
    three, so two compose workers rendering 4-minute pieces at once stay under 2 GB."""
    convert_seconds: float = 60.0
    """Time limit of one conversion, drawing or rendering made on request; the work is killed after it."""
    convert_memory_bytes: int = 2 * 1024**3
    """Address-space cap of the process doing one conversion: it can never hold more than 2 GiB."""
    max_jobs_per_user: int = 8
    """Compose jobs one user may have queued or running at once."""
    max_uploads_per_user: int = 500
    max_upload_total_bytes: int = 100 * 1024 * 1024
    """Bytes of uploaded files one user may keep."""
    login_attempts: tuple[int, int, float] = (10, 60, 300.0)
    """Sign-in attempts allowed per user name, per client address, within this many seconds."""

    def __post_init__(self) -> None:
        if self.local_sign_in and not is_loopback(self.host):
            raise ValueError(f"{self.host}: password-less sign-in is only allowed on loopback")

    @classmethod
    def for_host(cls, host: str, **kwargs: object) -> WebSettings:
        """Settings for serving on ``host``: accounts are required unless it is loopback."""
        return cls(host=host, local_sign_in=is_loopback(host), **kwargs)  # type: ignore[arg-type]

    def resolved_files_dir(self) -> Path:
        path = Path(self.files_dir) if self.files_dir is not None else data_dir() / "web"
        path.mkdir(parents=True, exist_ok=True)
        return path.resolve()

    def resolved_preference_dir(self) -> Path:
        path = Path(self.preference_dir) if self.preference_dir is not None else data_dir() / "feedback"
        path.mkdir(parents=True, exist_ok=True)
        return path


def is_loopback(host: str) -> bool:
    return host.strip().strip("[]").lower() in LOOPBACK_HOSTS


SETTINGS_ENV = "TUNESMITH_WEB_SETTINGS"
"""Environment variable holding the settings as JSON, for web processes started by uvicorn's
``--workers`` (each imports the app factory and rebuilds the same settings)."""


def settings_to_json(settings: WebSettings) -> str:
    return json.dumps(asdict(settings), default=str)


def settings_from_json(text: str) -> WebSettings:
    values = json.loads(text)
    known = {f.name: str(f.type) for f in fields(WebSettings)}
    kwargs: dict[str, object] = {}
    for name, value in values.items():
        if name not in known:
            continue
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, str) and "Path" in known[name]:
            value = Path(value)
        elif isinstance(value, dict) and name == "score_limits":
            value = ScoreLimits(**value)
        kwargs[name] = value
    return WebSettings(**kwargs)  # type: ignore[arg-type]
