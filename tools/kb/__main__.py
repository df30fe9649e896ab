"""python -m tools.kb: the knowledge-base tools. Dispatch only: operations in operations.py, lab tools in lab.py."""

import argparse
import sys

from tools.kb.lab import add_lab_tools
from tools.kb.operations import add_operations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.kb", description="Zhida knowledge-base tools")
    commands = parser.add_subparsers(dest="command", required=True)
    add_operations(commands)
    add_lab_tools(commands)
    args = parser.parse_args(argv)
    from tools.kb.vectors import remembered_vectors

    with remembered_vectors():
        return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
