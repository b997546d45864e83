"""The built-in corpus (music21's collections + the Nottingham tunes) and the user's library.

``load_corpus()`` reads the compact cache (< 1 s); ``build_corpus()`` parses the sources into it.
"""

from __future__ import annotations

from tunesmith.corpus.build import BuildReport, build_corpus
from tunesmith.corpus.load import Corpus, load_corpus

__all__ = ["BuildReport", "Corpus", "build_corpus", "load_corpus"]
