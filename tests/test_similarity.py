"""Similarity in batch grading: copied submissions and look-alikes of the reference are listed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.core.catalog import Kata
from grader.platforms.batch import Student, similarity, similarity_report

STUB = '''
class Ring:
    """A hash ring."""

    def __init__(self, nodes):
        raise NotImplementedError

    def node_for(self, key):
        raise NotImplementedError
'''

REFERENCE = """
import bisect
import hashlib


class Ring:
    def __init__(self, nodes, replicas=100):
        self._points = []
        for node in nodes:
            for i in range(replicas):
                digest = hashlib.sha256(f"{node}#{i}".encode()).digest()
                self._points.append((int.from_bytes(digest[:8], "big"), node))
        self._points.sort()
        self._keys = [point for point, _ in self._points]

    def node_for(self, key):
        digest = hashlib.sha256(str(key).encode()).digest()
        h = int.from_bytes(digest[:8], "big")
        index = bisect.bisect(self._keys, h) % len(self._points)
        return self._points[index][1]
"""

# The same code with every name changed and the comments rewritten: still a copy.
RENAMED = """
import bisect
import hashlib


class Ring:
    def __init__(self, members, copies=100):
        # every member gets many points on the circle
        self._pts = []
        for member in members:
            for n in range(copies):
                d = hashlib.sha256(f"{member}#{n}".encode()).digest()
                self._pts.append((int.from_bytes(d[:8], "big"), member))
        self._pts.sort()
        self._hashes = [p for p, _ in self._pts]

    def node_for(self, item):
        d = hashlib.sha256(str(item).encode()).digest()
        value = int.from_bytes(d[:8], "big")
        where = bisect.bisect(self._hashes, value) % len(self._pts)
        return self._pts[where][1]
"""

OWN = '''
import zlib


class Ring:
    """Rendezvous hashing: the node with the highest score for the key wins."""

    def __init__(self, nodes):
        self.nodes = list(nodes)
        if not self.nodes:
            raise ValueError("a ring needs at least one node")

    def score(self, node, key):
        return zlib.crc32(f"{node}/{key}".encode("utf-8"))

    def node_for(self, key):
        best, best_score = None, -1
        for node in self.nodes:
            s = self.score(node, key)
            if s > best_score:
                best, best_score = node, s
        return best
'''


@pytest.mark.slow
def test_copies_and_look_alikes_of_the_reference_are_found(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "katas" / "ring").mkdir(parents=True)
    (root / "solutions" / "ring").mkdir(parents=True)
    (root / "katas" / "ring" / "ring.py").write_text(textwrap.dedent(STUB))
    (root / "solutions" / "ring" / "ring.py").write_text(textwrap.dedent(REFERENCE))
    kata = Kata(slug="ring", root=root, title="Ring", area="system-design", difficulty=2,
                points=10, module="ring", time_limit=2.0)  # fmt: skip
    code = {"ana": OWN + "\n", "ben": RENAMED, "cy": RENAMED, "dee": STUB, "eve": REFERENCE}
    students = []
    for name, text in code.items():
        folder = tmp_path / "subs" / name / "katas" / "ring"
        folder.mkdir(parents=True)
        (folder / "ring.py").write_text(textwrap.dedent(text))
        students.append(Student(name, tmp_path / "subs" / name))

    pairs, to_reference = similarity(students, [kata], threshold=0.8)
    found = {(s.first, s.second) for s in pairs}
    assert ("ben", "cy") in found, "a copy with renamed identifiers is found"
    assert ("ben", "eve") in found and ("cy", "eve") in found
    assert not any("ana" in pair for pair in found), "an original solution is not listed"
    assert not any("dee" in pair for pair in found), "the untouched stub is left out"
    assert {s.first for s in to_reference} == {"ben", "cy", "eve"}
    assert all(s.share >= 0.8 for s in [*pairs, *to_reference])

    text = similarity_report(pairs, to_reference, 0.8)
    assert "| `ring` | ben | cy |" in text
    assert "## Near the reference solution" in text and "| `ring` | eve | 100% |" in text
