"""The learner's loop: list, next, hint, reset, compare (``commands``) and watch.

``list``, ``next``, ``hint`` and ``reset`` run in nox's own interpreter: they and what
they import use only the standard library.
"""
