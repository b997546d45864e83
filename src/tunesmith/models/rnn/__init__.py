"""The conditioned LSTM family: the melody and chord-progression models."""
