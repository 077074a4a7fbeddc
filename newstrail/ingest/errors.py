"""How ingest reports a bad input: one line that names it and says what to do."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ..records import Failure, RawDocument

STAGE = "ingest"

# Readers yield documents and per-item failures in input order, so one bad line of a
# JSONL file is reported where it occurs and the lines after it still come through.
Item = RawDocument | Failure


# Lone UTF-16 surrogates (JSON "\ud800" escapes, undecodable bytes in file names) cannot
# be encoded as UTF-8, so a store would fail on the whole batch; PostgreSQL refuses NUL.
_UNSTORABLE = re.compile("[\ud800-\udfff]|\x00")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def storable(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD and NUL characters removed."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def one_line(text: str) -> str:
    """``text`` fit for a one-line report: control characters (a newline in a file
    name, in a parser's message) are shown escaped, as Python writes them."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], storable(text.replace("\x00", "\\x00")))


def failure(source: str, problem: str, advice: str) -> Failure:
    """A Failure whose message reads ``<source>: <problem>; <advice>``, on one line."""
    source = storable(source)
    return Failure(source=source, stage=STAGE, error=one_line(f"{source}: {problem}; {advice}"))


class IngestError(Exception):
    """A whole input (a file, a URL) cannot be read.

    Raised inside a reader and turned into a Failure where the input is dispatched,
    which ends that input and lets the next one start.
    """

    def __init__(self, source: str, problem: str, advice: str) -> None:
        self.failure = failure(source, problem, advice)
        super().__init__(self.failure.error)


def guarded(source: str, items: Iterable[Item]) -> Iterator[Item]:
    """The items of one input, ending in a Failure instead of an exception when the
    input turns out unreadable part-way, so the next input still gets its turn."""
    try:
        yield from items
    except IngestError as error:
        yield error.failure
    except OSError as error:
        yield failure(source, f"cannot read ({error.strerror or error})", "check that it exists and is readable")
    except Exception as error:  # a parser's bug on one odd input must not end the run
        yield failure(source, f"cannot read ({type(error).__name__}: {error})",
                      "check the input; if it looks valid, please report this as a bug")
