"""Corpus evidence: how many distinct articles of a group carry the same line.

Publisher furniture ("Join our commenting forum", a donation heading) recurs in
every article of an outlet; reporting does not, except for the odd quoted sentence
two articles share. We keep, per group, the number of distinct documents in which
each normalised unit (a header/footer paragraph or one of its sentences) occurs.

Streaming-friendly and bounded: units are stored as 48-bit hashes with a count;
each group holds at most ``MAX_UNITS`` hashes and remembers at most ``MAX_SEEN``
document keys (so re-cleaning a document does not count it twice); at most
``MAX_GROUPS`` groups are kept. When a group overflows, units seen in only one
document go first, oldest first, since a unit only matters once it recurs.
The whole thing round-trips through JSON via ``to_state``/``from_state``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

STATE_VERSION = 1
MAX_UNITS = 5000
MAX_SEEN = 2000
MAX_GROUPS = 200


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


class _Group:
    __slots__ = ("docs", "seen", "units", "_recurring")

    def __init__(self, docs: int = 0, seen: list[str] | None = None, units: dict[str, int] | None = None) -> None:
        self.docs = docs
        self.seen: dict[str, None] = dict.fromkeys(seen or [])  # insertion-ordered set
        self.units: dict[str, int] = dict(units or {})
        self._recurring: tuple[int, dict[str, int]] | None = None

    def recurring(self, min_count: int) -> dict[str, int]:
        """The units seen in at least ``min_count`` documents (kept until the next observe)."""
        if self._recurring is None or self._recurring[0] != min_count:
            self._recurring = (min_count, {u: n for u, n in self.units.items() if n >= min_count})
        return self._recurring[1]

    def observe(self, doc_key: str, units: Iterable[str]) -> None:
        key = _digest(doc_key)
        if key in self.seen:
            return
        self.seen[key] = None
        self.docs += 1
        self._recurring = None
        # Sorted: the order units enter decides which go first when the group overflows,
        # and a set's order changes from process to process (string hashing is salted).
        for unit in sorted({_digest(u) for u in units}):
            self.units[unit] = self.units.get(unit, 0) + 1
        self._shrink()

    def _shrink(self) -> None:
        while len(self.seen) > MAX_SEEN:
            del self.seen[next(iter(self.seen))]
        excess = len(self.units) - MAX_UNITS
        if excess <= 0:
            return
        singletons = [u for u, n in self.units.items() if n == 1][:excess]
        for unit in singletons:
            del self.units[unit]
        excess -= len(singletons)
        if excess > 0:
            for unit in sorted(self.units, key=self.units.__getitem__)[:excess]:
                del self.units[unit]

    def to_state(self) -> dict[str, Any]:
        return {"docs": self.docs, "seen": list(self.seen), "units": self.units}


class Evidence:
    """Document frequencies of normalised units, per group."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self._groups: dict[str, _Group] = {}
        if state and state.get("version") == STATE_VERSION:
            for name, data in state.get("groups", {}).items():
                self._groups[name] = _Group(int(data.get("docs", 0)), data.get("seen"), data.get("units"))

    def observe(self, group: str, doc_key: str, units: Iterable[str]) -> None:
        if group not in self._groups:
            self._groups[group] = _Group()
            self._evict()
        else:  # most recently used groups live longest
            self._groups[group] = self._groups.pop(group)
        self._groups[group].observe(doc_key, units)

    def document_frequency(self, group: str | None, unit: str) -> int:
        found = self._groups.get(group) if group is not None else None
        return found.units.get(_digest(unit), 0) if found else 0

    def subset(self, groups: Iterable[str], min_count: int = 1) -> Evidence:
        """A view of ``groups``' unit counts, for document_frequency on another process.

        With ``min_count``, units seen in fewer documents are left out (they read as 0):
        most units are seen once, and a reader that only asks whether a unit recurs gets
        the same answers from a view a fraction of the size to ship. The view shares the
        counts until the next observe; it is read, never changed.
        """
        view = Evidence()
        for name in groups:
            if name in self._groups and name not in view._groups:
                group = self._groups[name]
                view._groups[name] = _Group(group.docs, None, None)
                view._groups[name].units = group.recurring(min_count)
        return view

    def _evict(self) -> None:
        while len(self._groups) > MAX_GROUPS:
            del self._groups[next(iter(self._groups))]

    def to_state(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "groups": {name: g.to_state() for name, g in self._groups.items()}}
