"""Music education: graded exercises with answer keys, automatic grading, and learner progress."""
