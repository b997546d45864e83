"""Parse the built-in corpus once, in parallel, into the compact per-collection cache.

ABC tunes go through tunesmith.io's ABC reader, MIDI and MusicXML through tunesmith.io.load, and
**kern files (Palestrina, some Bach) through music21 and tunesmith.io.m21.score_from_m21. What
tunesmith's strict readers refuse (stray brackets in old ABC transcriptions, UTF-16 MusicXML) is
tried again with music21 before the piece is skipped.

A build hashes every source file (sha256 of its bytes) and reuses the pieces of any file whose hash
matches the existing cache (the user's rebuilt one, else the one shipped in the package), so a rebuild
parses only new or changed files. ABC files hold many tunes; they are split into tunes and parsed in
chunks so one 1,000-tune file spreads over all cores. Each skipped piece is logged with its reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from tunesmith.corpus.abcsplit import abc_field, split_abc
from tunesmith.corpus.cache import FileEntry, PieceData, encode_score, read_collection, write_collection
from tunesmith.corpus.collections import Collection, resolve
from tunesmith.errors import TunesmithError
from tunesmith.fileutil import write_text_atomic
from tunesmith.io import load, loads
from tunesmith.io.m21 import score_from_m21
from tunesmith.paths import PACKAGE_DATA, data_dir
from tunesmith.score import Score, validate

log = logging.getLogger(__name__)

Converter = Callable[[Any, str], Score]
"""music21 stream + source label -> Score, for files only music21 reads (default: score_from_m21)."""

PARSER_VERSION = 3
"""Bump when parsing changes what a source file yields; caches of other versions are not reused."""

ABC_CHUNK = 40
"""Tunes per parallel task: big enough to amortise process hand-off, small enough to balance cores."""


def user_cache_dir() -> Path:
    path = data_dir() / "corpus"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shipped_cache_dir() -> Path:
    return PACKAGE_DATA / "corpus"


@dataclass(frozen=True)
class _Task:
    """Plain data a worker needs (collections themselves may hold unpicklable roots)."""

    collection: str
    tags: tuple[str, ...]
    licence: str
    rel_path: str
    abs_path: str
    rhythm_tags: bool
    start: int  # first tune index (ABC) or 0
    stop: int  # one past the last tune index (ABC) or -1 for "every piece in the file"


@dataclass
class _TaskResult:
    task: _Task
    pieces: list[tuple[int, PieceData]]
    skipped: list[dict[str, Any]]


def _default_converter(stream: Any, source: str) -> Score:
    return score_from_m21(stream, source=source)


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {text}"[:200]


def _finish(score: Score, task: _Task, index: int, fallback_title: str) -> PieceData:
    """Stamp corpus metadata on a converted piece and encode it; ValueError says why it is unusable."""
    if not any(t.notes for t in score.tracks):
        raise ValueError("no notes")
    problems = validate(score)
    if problems:
        raise ValueError(problems[0])
    md = score.metadata
    md.title = md.title or fallback_title
    md.source = f"corpus:{task.collection}/{task.rel_path}#{index}"
    md.licence = md.licence or task.licence
    md.style_tags = list(dict.fromkeys([*task.tags, *md.style_tags]))
    piece = encode_score(score)
    piece.meta.update({"collection": task.collection, "path": task.rel_path, "index": index})
    return piece


def _parse_task(task: _Task, converter: Converter | None) -> _TaskResult:
    """Worker: parse one file, or a chunk of an ABC file's tunes, into cache pieces."""
    warnings.simplefilter("ignore")  # music21 warns on every odd measure; skips are logged instead
    result = _TaskResult(task, [], [])
    path = Path(task.abs_path)

    def one(index: int, title: str, parse: Callable[[], Score]) -> None:
        try:
            result.pieces.append((index, _finish(parse(), task, index, title)))
        except (Exception, RecursionError) as err:  # any parser failure skips just this piece
            result.skipped.append({"index": index, "title": title, "reason": _reason(err)})

    if task.stop >= 0:  # a chunk of an ABC file's tunes
        tunes = split_abc(path.read_text(encoding="utf-8", errors="replace"))
        for index in range(task.start, min(task.stop, len(tunes))):
            tune = tunes[index]
            title = abc_field(tune, "T") or f"{path.stem} #{index + 1}"
            rhythm = _rhythm_tag(abc_field(tune, "R")) if task.rhythm_tags else ""
            one(index, title, lambda tune=tune, rhythm=rhythm: _parse_abc_tune(tune, task, rhythm))  # type: ignore[misc]
    elif path.suffix.lower() in _IO_SUFFIXES:
        one(0, path.stem, lambda: _load_one(path, task, converter))
    else:  # **kern and other formats only music21 reads
        one(0, path.stem, lambda: _parse_with_music21(path, task, converter))
    return result


_IO_SUFFIXES = (".mid", ".midi", ".musicxml", ".xml", ".mxl")


def _rhythm_tag(field: str) -> str:
    """'Double Jig' -> 'double-jig', 'slipjig' -> 'slip-jig'; '' for empty or odd values."""
    tag = "-".join(field.lower().replace("slipjig", "slip jig").split())
    return tag if 0 < len(tag) <= 20 and tag.replace("-", "").isalpha() else ""


def _parse_abc_tune(tune: str, task: _Task, rhythm: str) -> Score:
    """One tune through tunesmith's own ABC reader: ~100x faster than music21's, and it keeps the
    Nottingham chord spellings ("Cd", "Ca", "C/e") that music21 drops."""
    try:
        score = loads(tune.encode("utf-8"), ".abc", task.rel_path)[0]
    except TunesmithError as err:
        # tunesmith's reader is strict; music21's is lenient with the oddities of old transcriptions
        # (stray brackets, lower-case fields). Try it before giving up on the tune.
        try:
            score = _parse_abc_with_music21(tune, task)
        except Exception as m21_err:  # music21 fails in many ways; report both readers' reasons
            raise ValueError(f"{err} (music21: {_reason(m21_err)})") from err
        if not any(t.notes for t in score.tracks):
            raise ValueError(f"{err} (music21 reads no notes)") from err
    if rhythm:
        score.metadata.style_tags.append(rhythm)
    return score


def _parse_abc_with_music21(tune: str, task: _Task) -> Score:
    from music21 import converter as m21converter

    return _default_converter(m21converter.parseData(tune, format="abc"), task.rel_path)


def _load_one(path: Path, task: _Task, converter: Converter | None) -> Score:
    try:
        scores = load(path)
    except TunesmithError as err:
        # e.g. UTF-16 MusicXML inside some .mxl archives, which music21 decodes
        try:
            return _parse_with_music21(path, task, converter)
        except Exception as m21_err:  # music21 fails in many ways; report both readers' reasons
            raise ValueError(f"{err} (music21: {_reason(m21_err)})") from err
    if len(scores) != 1:
        raise ValueError(f"holds {len(scores)} pieces, expected one")
    return scores[0]


def _parse_with_music21(path: Path, task: _Task, converter: Converter | None) -> Score:
    from music21 import converter as m21converter
    from music21 import stream as m21stream

    parsed = m21converter.parseFile(path, forceSource=True)
    if isinstance(parsed, m21stream.Opus) and len(parsed.scores) != 1:
        raise ValueError(f"holds {len(parsed.scores)} scores, expected one")
    return (converter or _default_converter)(parsed, f"{task.collection}/{task.rel_path}")


@dataclass
class CollectionReport:
    name: str
    files: int = 0
    files_parsed: int = 0
    files_reused: int = 0
    pieces: int = 0
    skipped: int = 0


@dataclass
class BuildReport:
    """What a build did: per collection counts, which files were parsed, why pieces were skipped."""

    collections: list[CollectionReport] = field(default_factory=list)
    parsed_files: list[str] = field(default_factory=list)
    """``collection/path`` of every file parsed by this build (reused files are not listed)."""
    parsed_units: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    log_path: Path | None = None
    cache_dir: Path | None = None

    @property
    def pieces(self) -> int:
        return sum(c.pieces for c in self.collections)

    @property
    def skipped(self) -> int:
        return sum(c.skipped for c in self.collections)

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 2),
            "parsed_units": self.parsed_units,
            "parsed_files": len(self.parsed_files),
            "pieces": self.pieces,
            "skipped": self.skipped,
            "collections": [asdict(c) for c in self.collections],
            "skip_reasons": dict(self.skip_reasons.most_common()),
        }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reusable_entries(name: str, cache_dir: Path) -> dict[str, FileEntry]:
    """File entries of the newest readable cache of this collection: the user's, else the shipped one."""
    for folder in (cache_dir, shipped_cache_dir()):
        path = folder / f"{name}.npz"
        if path.is_file():
            try:
                arrays = read_collection(path)
                if arrays.summary.get("parser") != PARSER_VERSION:
                    continue  # parsed by an older builder: parse again
                return arrays.file_entries()
            except TunesmithError as err:
                log.warning("ignoring %s: %s", path, err)
    return {}


def _plan(
    collection: Collection, cache_dir: Path, force: bool = False
) -> tuple[list[FileEntry], list[_Task], list[str]]:
    """Per source file: the reused entry, or a new empty one whose pieces the tasks will parse."""
    reuse = {} if force else _reusable_entries(collection.name, cache_dir)
    entries: list[FileEntry] = []
    tasks: list[_Task] = []
    rel_paths: list[str] = []
    reused: set[str] = set()
    for path in collection.files():
        rel = _relative(collection, path)
        digest = _sha256(path)
        rel_paths.append(rel)
        old = reuse.get(rel)
        if old is not None and old.sha256 == digest:
            entries.append(old)
            reused.add(rel)
            continue
        entries.append(FileEntry(rel, digest))
        common = (collection.name, collection.tags_for(path), collection.licence, rel, str(path))
        if path.suffix.lower() == ".abc":
            count = len(split_abc(path.read_text(encoding="utf-8", errors="replace")))
            for lo in range(0, count, ABC_CHUNK):
                tasks.append(_Task(*common, collection.rhythm_tags, lo, min(count, lo + ABC_CHUNK)))
        else:
            tasks.append(_Task(*common, False, 0, -1))
    return entries, tasks, [r for r in rel_paths if r not in reused]


def _relative(collection: Collection, path: Path) -> str:
    root = collection.root()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _units(task: _Task) -> int:
    return task.stop - task.start if task.stop >= 0 else 1


def build_corpus(
    names: Sequence[str] | None = None,
    workers: int | None = None,
    progress: bool = True,
    *,
    collections: Sequence[Collection] | None = None,
    cache_dir: Path | None = None,
    converter: Converter | None = None,
    force: bool = False,
) -> BuildReport:
    """Parse the named collections (all by default) into ``cache_dir`` (the user's corpus cache).

    ``workers``: processes to parse with (default: every core; 1 parses in this process).
    ``collections`` replaces the registry (tests build small custom collections); ``converter``
    replaces tunesmith.io.m21.score_from_m21 and must be a module-level function (it is pickled).
    ``force`` parses every file again instead of reusing unchanged ones.
    """
    began = time.perf_counter()
    chosen = list(collections) if collections is not None else resolve(list(names) if names else None)
    out_dir = cache_dir or user_cache_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BuildReport(cache_dir=out_dir, log_path=out_dir / "build.log")
    plans = {c.name: _plan(c, out_dir, force) for c in chosen}
    all_tasks = [t for c in chosen for t in plans[c.name][1]]
    pending = Counter(t.collection for t in all_tasks)
    results: dict[str, list[_TaskResult]] = {c.name: [] for c in chosen}
    log_lines: list[str] = []

    def finish_collection(collection: Collection) -> None:
        entries, _tasks, to_parse = plans[collection.name]
        fresh = {e.path: e for e in entries if e.path in to_parse}
        for res in results[collection.name]:
            fresh[res.task.rel_path].pieces.extend(p for _, p in res.pieces)
            fresh[res.task.rel_path].skipped.extend(res.skipped)
        for entry in fresh.values():
            entry.pieces.sort(key=lambda p: int(p.meta["index"]))
            entry.skipped.sort(key=lambda s: int(s["index"]))
            report.parsed_files.append(f"{collection.name}/{entry.path}")
        rep = CollectionReport(collection.name, files=len(entries), files_parsed=len(fresh))
        rep.files_reused = len(entries) - len(fresh)
        rep.pieces = write_collection(
            out_dir / f"{collection.name}.npz", collection.name, entries, {"parser": PARSER_VERSION}
        )
        for entry in entries:
            for skip in entry.skipped:
                rep.skipped += 1
                report.skip_reasons[_reason_kind(skip["reason"])] += 1
                log_lines.append(
                    f"{collection.name}\t{entry.path}#{skip['index']}\t{skip['title']}\t{skip['reason']}"
                )
        report.collections.append(rep)

    for c in chosen:  # collections with nothing to parse are written at once
        if pending[c.name] == 0:
            finish_collection(c)

    total = sum(_units(t) for t in all_tasks)
    report.parsed_units = total
    pool = _pool(all_tasks, workers)
    try:
        with _progress(progress, total) as advance:
            for res in _run(all_tasks, pool, converter):
                results[res.task.collection].append(res)
                advance(_units(res.task))
                pending[res.task.collection] -= 1
                if pending[res.task.collection] == 0:
                    finish_collection(next(c for c in chosen if c.name == res.task.collection))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    report.collections.sort(key=lambda r: [c.name for c in chosen].index(r.name))
    header = "# collection\tpath#index\ttitle\treason  (pieces skipped by the last corpus build)\n"
    write_text_atomic(report.log_path or out_dir / "build.log", header + "\n".join(log_lines) + "\n")
    report.seconds = time.perf_counter() - began
    write_text_atomic(out_dir / "build_report.json", json.dumps(report.to_json(), indent=1) + "\n")
    return report


def _reason_kind(reason: str) -> str:
    """Group similar reasons for the summary: the problem without file, tune, line or quoted detail.

    'CorruptFileError: a/b.abc: tune X:12: line 8: invalid meter M:FREI4/4' -> 'invalid meter'.
    """
    kind, _, message = reason.partition(": ")
    message = re.sub(r"^.*?\.(abc|xml|mxl|musicxml|krn|midi?): ", "", message)  # drop the file name
    message = re.sub(r"^(tune X:\S*: )?(line \d+: )?", "", message)
    head = re.split(r"[\d'\"(:]", message, maxsplit=1)[0].strip()
    head = re.sub(r"\s+[A-Z]$", "", head)  # 'invalid key K:H' -> 'invalid key'
    return (head or kind)[:80]


def _pool(tasks: list[_Task], workers: int | None) -> ProcessPoolExecutor | None:
    """A process pool for ``tasks`` (None when one process is enough), created before any thread starts."""
    count = workers if workers and workers > 0 else (os.cpu_count() or 1)
    if count == 1 or len(tasks) <= 1:
        return None

    # fork: workers inherit the imported parser modules instead of importing them again.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    count = min(count, len(tasks))
    pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method))
    # Start every worker now, before the progress bar's thread exists (forking a threaded process is unsafe).
    list(pool.map(_worker_ready, range(count)))
    return pool


def _worker_ready(_i: int) -> int:
    return os.getpid()


def _run(
    tasks: list[_Task], pool: ProcessPoolExecutor | None, converter: Converter | None
) -> Iterable[_TaskResult]:
    if pool is None:
        for task in tasks:
            yield _parse_task(task, converter)
        return

    futures: list[Future[_TaskResult]] = [pool.submit(_parse_task, t, converter) for t in tasks]
    for future in as_completed(futures):
        yield future.result()


class _NullAdvance:
    def __enter__(self) -> Callable[[int], None]:
        return lambda _n: None

    def __exit__(self, *exc: object) -> None:
        return None


class _RichAdvance:
    def __init__(self, total: int) -> None:
        self.progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        self.task = self.progress.add_task("parsing corpus", total=total)

    def __enter__(self) -> Callable[[int], None]:
        self.progress.start()
        return lambda n: self.progress.advance(self.task, n)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _progress(show: bool, total: int) -> _NullAdvance | _RichAdvance:
    return _RichAdvance(total) if show and total > 0 else _NullAdvance()
