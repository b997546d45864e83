"""The composer: from a few controls to a finished, arranged piece (see compose.api).

One-way steps: request → plan → harmony → melody → arrange → rank, with api running them; the
models are reached only through engines (the one adapter). A piece's files are written a layer up,
in tunesmith.render.piece; the Python API's one-call composer is ``tunesmith.compose_piece``.
"""
