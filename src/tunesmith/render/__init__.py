"""Rendering: SoundFont synthesis (synth), mixing (mix), mastering (master), audio files (export),
and a composed piece's files (piece). Import from the submodules; this package file is empty so
importing it costs nothing. The Python API's ``tunesmith.render_to_array`` is
:func:`tunesmith.render.piece.render_to_array`.
"""
