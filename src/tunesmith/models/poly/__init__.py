"""The polyphonic piano-roll family (LSTM + MADE, exact likelihood) and its chorale harmoniser."""
