"""Wellbeing listening sessions that follow a mood trajectory (not a medical device)."""
