"""`python -m bench NAME [options]`: run one benchmark; `python -m bench` lists them.

A benchmark is a module in bench/ with `main(argv: list[str]) -> int`; add it to
BENCHMARKS with a one-line description.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS: dict[str, str] = {
    "inbox": "one assignee's open tasks among 10,000 (the task inbox query)",
    "web": "the web console's My tasks and dashboard pages with 1,000 participants",
    "cohort-start": "scls cohort start on the embedded stack: the 30 example, 1,000 in 34",
    "codec": "the payload codec's cost per payload (AES-256-GCM), encode and decode",
    "person-export": "a subject-access export of a two-year participant among 300; a forget",
    "floors": "every hot path beside its bare-Temporal or plain-SQL floor, as ratios (JSON)",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in BENCHMARKS:
        if argv and argv[0] not in ("-h", "--help"):
            print(f"unknown benchmark {argv[0]!r}", file=sys.stderr)
        print("usage: python -m bench NAME [options]   (NAME --help for its options)")
        for name, description in BENCHMARKS.items():
            print(f"  {name:<10} {description}")
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(f"bench.{argv[0].replace('-', '_')}")
    result: int = module.main(argv[1:])
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
