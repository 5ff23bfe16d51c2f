"""Reading ``content/faq.yaml``: :func:`load_faq` validates the file, renders every answer
template and builds the :class:`~handlers.faq.index.FaqIndex`.

Answers are rendered once, at load, in the plain-text Jinja2 environment the chat messages
use (:func:`handlers.content.text_templates`: the programme, the ward and the rules as
globals; the ``vndate`` and ``money`` filters), so a number changed in
``content/program.yaml`` changes every answer that states it. Any mistake — YAML, shape,
template — is a :class:`~handlers.yamlfile.ContentError` naming the file and the line.
Imports only the standard library, jinja2 and ``handlers`` (never ``handlers.content``,
which imports this).
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import yaml

from handlers.faq.index import FaqIndex
from handlers.faq.model import FaqEntry, FaqFile
from handlers.faq.reading import FaqVocabulary
from handlers.rules import ProgramRules
from handlers.yamlfile import ContentError, line_of, load_model, read_yaml

__all__ = ["load_faq"]


def load_faq(
    path: Path, vocabulary: FaqVocabulary, rules: ProgramRules, templates: jinja2.Environment
) -> FaqIndex:
    """Read and validate ``content/faq.yaml``; any mistake is a ContentError with the line.

    ``vocabulary`` is the ``faq:`` section of ``content/understanding.yaml``; ``rules`` are
    the programme's rules from ``content/program.yaml``; ``templates`` renders the answers.
    """
    try:
        faq, node = load_model(path, FaqFile)
    except ContentError as exc:
        duplicate = _DUPLICATE.search(exc.problem)
        if duplicate is None:
            raise
        # The model sees the whole list; point at the id used a second time instead.
        raise _duplicate_error(path, duplicate.group(1)) from exc
    entries = [_rendered(entry, n, templates, path, node) for n, entry in enumerate(faq.entries)]
    return FaqIndex(entries, vocabulary, rules)


def _rendered(
    entry: FaqEntry,
    n: int,
    templates: jinja2.Environment,
    path: Path,
    node: yaml.Node | None,
) -> FaqEntry:
    """``entry`` with its answer templates rendered; a broken one names its line."""
    answer: dict[str, str] = {}
    for lang, template in entry.answer.items():
        where = f"entries.{n}.answer.{lang}"
        try:
            text = templates.from_string(template).render().strip()
        except jinja2.TemplateError as exc:
            line = line_of(node, ("entries", n, "answer", lang))
            raise ContentError(path, line, f"{where}: template error: {exc.message}") from exc
        if not text:
            line = line_of(node, ("entries", n, "answer", lang))
            raise ContentError(path, line, f"{where}: the answer renders empty")
        answer[lang] = text
    return entry.model_copy(update={"answer": answer})


_DUPLICATE = re.compile(r"duplicate id '([^']+)'")


def _duplicate_error(path: Path, entry_id: str) -> ContentError:
    """A repeated id, reported at its second use and naming the line of the first."""
    data, node = read_yaml(path)
    entries = data.get("entries") if isinstance(data, dict) else None
    first: int | None = None
    for n, item in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(item, dict) and item.get("id") == entry_id:
            line = line_of(node, ("entries", n, "id"))
            if first is not None:
                return ContentError(
                    path, line, f"entries.{n}.id: duplicate id {entry_id!r} (first on line {first})"
                )
            first = line
    return ContentError(path, first, f"entries: duplicate id {entry_id!r}")
