"""The grader's sentinel tests, run beside every kata's tests.

Their outcomes are known in advance: one passes, one fails. If a report says
otherwise, something in the run (learner code patching pytest, say) is
rewriting results, and the grader marks the kata as tampered.
"""


def test_grader_sentinel_passes() -> None:
    assert 1 + 1 == 2


def test_grader_sentinel_fails() -> None:
    assert 1 + 1 == 3, "this sentinel must fail"
