"""kata's grader: runs each kata's tests against an implementation and scores them.

Run it as ``python -m grader --help``; the nox sessions are thin wrappers.
"""

__version__ = "0.1.0"
