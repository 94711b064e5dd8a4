"""Grading platforms: exports and drivers for Classroom 50, Actions, Gradescope and a batch."""
