"""How well typed messages are understood: the labelled corpus of messages as residents type
them (tests/handlers/corpus/understanding.yaml) read at the step each was typed at. Prints
the accuracy per step and overall, and the "not understood" rate (messages read as nothing
the step could use), and lists the messages read wrongly.

    .venv/bin/python -m bench.understanding
"""

from __future__ import annotations

from collections import defaultdict

from handlers.content import load_content
from handlers.reading import UNKNOWN
from tests.support import ROOT
from tests.support.understanding_corpus import Scored, score_all


def main() -> None:
    content = load_content(ROOT / "content")
    scored = score_all(content)
    by_step: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_step[s.case.step].append(s)
    print("Hiểu tin nhắn gõ tay (understanding): độ chính xác theo bước / accuracy per step")
    for step, items in by_step.items():
        ok = sum(s.ok for s in items)
        print(f"  {step:<24} {ok:>4}/{len(items):<4} {ok / len(items):7.1%}")
    ok = sum(s.ok for s in scored)
    unknown = sum(s.reading.intent == UNKNOWN for s in scored)
    print(f"  {'overall':<24} {ok:>4}/{len(scored):<4} {ok / len(scored):7.1%}")
    print(f"  not understood (unknown): {unknown}/{len(scored)} = {unknown / len(scored):.1%}")
    for s in scored:
        if not s.ok:
            print(f"  ✗ [{s.case.step}] {s.case.text!r}: {s.why}")


if __name__ == "__main__":
    main()
