"""The built-in corpus: which collections exist, their style tags, and where their source files are.

Most collections are folders of music21's corpus (found without importing music21, so listing them
is instant); the Nottingham tunes ship inside tunesmith's own data folder. Left out on purpose:
music21's ``demos`` and ``theoryExercises`` (test and teaching snippets), its ``nottingham-dataset``
(a two-tune sample of the Nottingham set we bundle in full), the Essen ``test*.abc`` files (parser
tests) and the ``.rntxt`` files (roman-numeral analyses, not music).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tunesmith.errors import NotFoundError
from tunesmith.paths import PACKAGE_DATA

MUSIC_SUFFIXES = (".abc", ".mxl", ".xml", ".musicxml", ".krn", ".mid", ".midi")
"""Suffixes the corpus builder parses; others in a folder (images, .mus, .rntxt) are ignored."""


def music21_corpus_root() -> Path:
    """Folder of music21's bundled corpus, found without importing music21 (which takes ~1 s)."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise NotFoundError("music21 is not installed, so its corpus collections are unavailable")
    return Path(next(iter(spec.submodule_search_locations))) / "corpus"


def nottingham_root() -> Path:
    return PACKAGE_DATA / "nottingham"


@dataclass(frozen=True)
class Collection:
    """One named collection: ``folder`` below ``root()``, filtered by file name."""

    name: str
    description: str
    tags: tuple[str, ...]
    licence: str
    folders: tuple[str, ...]
    root: Callable[[], Path] = music21_corpus_root
    only: tuple[str, ...] = ()
    """If set, just these file names."""
    exclude_prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = field(default=MUSIC_SUFFIXES)
    file_tags: tuple[tuple[str, str], ...] = ()
    """(file-name prefix, tag): a tag for every piece of the files whose name starts with the prefix."""
    rhythm_tags: bool = False
    """Tag each ABC tune with its R: (rhythm) field, e.g. 'reel', 'jig', 'hornpipe'."""

    def tags_for(self, path: Path) -> tuple[str, ...]:
        """Collection tags plus the file's own (Nottingham's jigs.abc -> 'jig')."""
        extra = tuple(tag for prefix, tag in self.file_tags if path.name.startswith(prefix))
        return tuple(dict.fromkeys(self.tags + extra))

    def directories(self) -> list[Path]:
        return [self.root() / folder for folder in self.folders]

    def files(self) -> list[Path]:
        """Source files of this collection, sorted by path (stable piece order)."""
        candidates = [p for base in self.directories() if base.is_dir() for p in base.rglob("*")]
        out = []
        for path in sorted(candidates):
            if not path.is_file() or path.suffix.lower() not in self.suffixes:
                continue
            if self.only and path.name not in self.only:
                continue
            if any(path.name.startswith(p) for p in self.exclude_prefixes):
                continue
            out.append(path)
        return out


_M21_LICENCE = "music21 corpus (see music21/corpus/license.txt); public-domain or licensed works"
_ESSEN_LICENCE = "Essen folksong database, non-commercial use (music21/corpus/essenFolksong/license.txt)"

COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "nottingham",
        "Nottingham Music Database: 1,034 British and American folk tunes with chord symbols",
        ("folk", "nottingham", "british", "dance"),
        "GPL-3.0 (src/tunesmith/data/nottingham/LICENSE.md)",
        ("",),
        root=nottingham_root,
        suffixes=(".abc",),
        file_tags=(
            ("jigs", "jig"), ("reels", "reel"), ("hpps", "hornpipe"), ("waltzes", "waltz"),
            ("slip", "slip-jig"), ("morris", "morris"), ("xmas", "christmas"), ("playford", "playford"),
        ),
    ),
    Collection(
        "bach",
        "J. S. Bach: four-part chorales and a few other works",
        ("chorale", "baroque", "sacred", "classical"),
        _M21_LICENCE,
        ("bach",),
    ),
    Collection(
        "essen",
        "Essen folksong collection: German, Lorraine, Luxembourg, Irish and other European folk songs",
        ("folk", "european", "german"),
        _ESSEN_LICENCE,
        ("essenFolksong",),
        exclude_prefixes=("han", "test"),
        suffixes=(".abc",),
    ),
    Collection(
        "chinese-folk",
        "Han Chinese folk songs from the Essen collection (han1.abc, han2.abc); mostly pentatonic",
        ("folk", "chinese", "pentatonic"),
        _ESSEN_LICENCE,
        ("essenFolksong",),
        only=("han1.abc", "han2.abc"),
        suffixes=(".abc",),
    ),
    Collection(
        "oneills1850",
        "O'Neill's Music of Ireland (1903): 1,850 Irish dance tunes and airs",
        ("folk", "irish", "celtic", "dance"),
        _M21_LICENCE,
        ("oneills1850",),
        suffixes=(".abc",),
        rhythm_tags=True,
    ),
    Collection(
        "ryansMammoth",
        "Ryan's Mammoth Collection (1883): fiddle tunes (reels, jigs, hornpipes, strathspeys)",
        ("folk", "irish", "scottish", "american", "fiddle", "dance"),
        _M21_LICENCE,
        ("ryansMammoth",),
        suffixes=(".abc",),
        rhythm_tags=True,
    ),
    Collection(
        "airdsAirs",
        "Aird's Airs: Scottish airs and dance tunes",
        ("folk", "scottish", "celtic"),
        _M21_LICENCE,
        ("airdsAirs",),
        suffixes=(".abc",),
        rhythm_tags=True,
    ),
    Collection(
        "miscFolk",
        "Miscellaneous folk tunes",
        ("folk",),
        _M21_LICENCE,
        ("miscFolk",),
        suffixes=(".abc",),
    ),
    Collection(
        "palestrina",
        "Palestrina: mass movements in Humdrum (**kern) encoding",
        ("renaissance", "sacred", "polyphony", "choral"),
        _M21_LICENCE,
        ("palestrina",),
    ),
    Collection(
        "josquin",
        "Josquin des Prez: masses and motets",
        ("renaissance", "sacred", "polyphony", "choral"),
        _M21_LICENCE,
        ("josquin",),
    ),
    Collection(
        "monteverdi",
        "Monteverdi: madrigals (books 3-5)",
        ("renaissance", "baroque", "madrigal", "choral"),
        _M21_LICENCE,
        ("monteverdi",),
    ),
    Collection(
        "trecento",
        "Italian trecento (14th-century) songs: ballate, madrigals, cacce",
        ("medieval", "song"),
        _M21_LICENCE,
        ("trecento",),
    ),
    Collection(
        "renaissance-misc",
        "Ciconia, Luca Marenzio and Portuguese (lusitano) renaissance works",
        ("renaissance", "polyphony", "choral"),
        _M21_LICENCE,
        ("ciconia", "luca", "lusitano"),
    ),
    Collection(
        "classical",
        "Beethoven, Mozart, Haydn, Handel, C. P. E. Bach and Corelli: quartets, sonatas, movements",
        ("classical", "baroque", "chamber", "piano"),
        _M21_LICENCE,
        ("beethoven", "mozart", "haydn", "handel", "cpebach", "corelli"),
    ),
    Collection(
        "romantic",
        "Chopin, Schubert, Robert and Clara Schumann, Weber, Verdi, Beach: songs and piano pieces",
        ("romantic", "classical", "piano", "song"),
        _M21_LICENCE,
        ("chopin", "schubert", "schumann_robert", "schumann_clara", "weber", "verdi", "beach"),
    ),
    Collection(
        "modern",
        "Schoenberg, Webern, Joplin and other 20th-century pieces",
        ("modern", "ragtime", "piano"),
        _M21_LICENCE,
        ("schoenberg", "webern", "joplin"),
    ),
    Collection(
        "leadsheets",
        "Lead sheets with chord symbols (Berlin, Foster, Johnson, Liliuokalani)",
        ("song", "popular", "leadsheet"),
        _M21_LICENCE,
        ("leadSheet", "johnson_j_r", "liliuokalani"),
    ),
)


def collection_names() -> list[str]:
    return [c.name for c in COLLECTIONS]


def get_collection(name: str) -> Collection:
    """The collection called ``name`` (case-insensitive); NotFoundError lists the known names."""
    for collection in COLLECTIONS:
        if collection.name.lower() == name.lower():
            return collection
    raise NotFoundError(f"no corpus collection {name!r}; known: {', '.join(collection_names())}")


def resolve(names: list[str] | tuple[str, ...] | None) -> list[Collection]:
    """The collections named (all when ``names`` is empty or None), in registry order."""
    if not names:
        return list(COLLECTIONS)
    wanted = {get_collection(n).name for n in names}
    return [c for c in COLLECTIONS if c.name in wanted]
