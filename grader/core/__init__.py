"""The grading pipeline: catalog, selection, runs, results, integrity, scores, timing, report.

Nothing here imports the renderers, the platforms, the learner's commands or the
authors' tools (``tests/test_layout.py`` checks it): they sit above the core.
"""
