"""Originality and copyright: similar-work search over the store, audio identification, and a
hash-chained registry of every generated work with certificates.

- :mod:`tunesmith.originality.works`: ``check_file``/``check_score`` — the nearest works in the store
  (corpus, library, generated pieces), built on :mod:`tunesmith.evaluate.similarity`.
- :mod:`tunesmith.originality.audioprint`: landmark audio fingerprints; :mod:`.identify` stores them
  and names a piece and offset from a clip.
- :mod:`tunesmith.originality.registry`: the append-only log, certificates and file verification.
"""
