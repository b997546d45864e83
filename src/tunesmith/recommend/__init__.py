"""Recommendations: a hybrid of what a piece sounds like and what similar listeners liked.

:mod:`tunesmith.recommend.hybrid` holds the scoring (pure functions over ratings and feature
vectors, usable without a database); :mod:`tunesmith.recommend.store` applies it to the pieces
and ratings in the store. numpy is imported inside the modules.
"""
