"""Rendering: SoundFont synthesis (synth), mixing (mix), mastering (master) and files (export).

Import from the submodules; this package file stays light so importing it costs nothing."""
