"""The feedback loop: ratings become a preference model that steers what tunesmith composes next.

- :mod:`tunesmith.feedback.features`: the musical features and controls a rating is learned over;
- :mod:`tunesmith.feedback.preference`: a global + per-user ridge regression from features to stars;
- :mod:`tunesmith.feedback.steer`: the model's two hooks into the composer (unset controls chosen by
  predicted rating, candidates ranked with it);
- :mod:`tunesmith.feedback.tune`: reward-weighted fine-tuning of the melody model on well-rated pieces.

numpy and the store are imported inside the modules, so importing this package is instant.
"""
