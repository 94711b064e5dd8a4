"""The constant-time comparison check in grader.kata_support (spy_compare_digest)."""

from __future__ import annotations

import hmac
import secrets
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from grader.kata_support import spy_compare_digest

SECRET = b"s3cret-mac-value"


def load(tmp_path: Path, name: str, source: str) -> ModuleType:
    """Import ``source`` as a fresh module ``name`` (a learner's module)."""
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        sys.modules.pop(name, None)
        return __import__(name)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


VERIFIERS = {
    "import-hmac": """
        import hmac
        def check(expected, given):
            return hmac.compare_digest(expected, given)
    """,
    "from-hmac-alias": """
        from hmac import compare_digest as same
        def check(expected, given):
            return same(expected, given)
    """,
    "import-secrets": """
        import secrets
        def check(expected, given):
            return secrets.compare_digest(expected, given)
    """,
    "from-secrets": """
        from secrets import compare_digest
        def check(expected, given):
            return compare_digest(given, expected)
    """,
    "module-alias": """
        import hmac as h
        def check(expected, given):
            return h.compare_digest(expected.hex(), given.hex())
    """,
}


@pytest.mark.parametrize("style", VERIFIERS)
def test_every_import_style_is_seen(tmp_path: Path, style: str) -> None:
    module = load(tmp_path, f"verifier_{style.replace('-', '_')}", VERIFIERS[style])
    with spy_compare_digest(module) as spy:
        assert module.check(SECRET, b"guess") is False
        assert module.check(SECRET, SECRET) is True  # the real comparison still decides
    forms = [(SECRET, b"guess"), (SECRET.hex(), b"guess".hex())]
    spy.assert_compared(*forms, what="the MAC")
    assert len(spy.calls) == 2


def test_equality_operator_fails_the_check(tmp_path: Path) -> None:
    module = load(
        tmp_path, "verifier_eq", "def check(expected, given):\n    return expected == given\n"
    )
    with spy_compare_digest(module) as spy:
        assert module.check(SECRET, b"guess") is False
    with pytest.raises(AssertionError, match="never called"):
        spy.assert_compared((SECRET, b"guess"), what="the MAC")


def test_comparing_other_values_fails_the_check(tmp_path: Path) -> None:
    """compare_digest called on something else (here a value with itself) proves nothing."""
    module = load(
        tmp_path,
        "verifier_self",
        """
        import hmac
        def check(expected, given):
            return hmac.compare_digest(given, given) and expected == given
        """,
    )
    with spy_compare_digest(module) as spy:
        module.check(SECRET, b"guess")
    with pytest.raises(AssertionError, match="never on the expected value"):
        spy.assert_compared((SECRET, b"guess"), what="the MAC")


def test_arguments_are_matched_in_either_order_and_as_text_or_bytes(tmp_path: Path) -> None:
    module = load(tmp_path, "verifier_text", VERIFIERS["from-secrets"])
    with spy_compare_digest(module) as spy:
        module.check("abc", "abd")
        module.check(bytearray(b"xyz"), memoryview(b"xy!"))
    assert spy.calls == [(b"abd", b"abc"), (b"xy!", b"xyz")]
    assert spy.compared(b"abc", "abd") and spy.compared("abd", b"abc")
    assert spy.compared(b"xyz", b"xy!")
    assert not spy.compared(b"abc", b"xyz")


def test_originals_are_restored(tmp_path: Path) -> None:
    real = hmac.compare_digest
    module = load(tmp_path, "verifier_restore", VERIFIERS["from-hmac-alias"])
    with pytest.raises(RuntimeError), spy_compare_digest(module):
        assert hmac.compare_digest is not real
        assert secrets.compare_digest is not real
        assert module.same is not real
        raise RuntimeError("the test failed inside the block")
    assert hmac.compare_digest is real
    assert secrets.compare_digest is real
    assert module.same is real


def test_calls_outside_the_block_are_not_recorded(tmp_path: Path) -> None:
    module = load(tmp_path, "verifier_outside", VERIFIERS["import-hmac"])
    with spy_compare_digest(module) as spy:
        pass
    module.check(SECRET, b"guess")
    assert spy.calls == []


def test_assert_checked_needs_a_presented_value_against_another(tmp_path: Path) -> None:
    """For a secret the test cannot know: the presented value met something else."""
    module = load(tmp_path, "verifier_checked", VERIFIERS["import-hmac"])
    with spy_compare_digest(module) as spy:
        module.check(SECRET, b"guess")
    spy.assert_checked([b"other form", "guess"], what="the cursor")
    with pytest.raises(AssertionError, match="never on the value presented"):
        spy.assert_checked([b"not presented"], what="the cursor")
    with spy_compare_digest(module) as itself:
        module.check(b"guess", b"guess")  # compared with itself: proves nothing
    with pytest.raises(AssertionError, match="never on the value presented"):
        itself.assert_checked([b"guess"], what="the cursor")
    with spy_compare_digest(module) as none:
        pass
    with pytest.raises(AssertionError, match="never called"):
        none.assert_checked([b"guess"], what="the cursor")
