"""Write the settings table (blocklet_cli/core/settings.py) into docs/configuration.md, between the
`<!-- BEGIN settings -->` and `<!-- END settings -->` markers (the rest of the page is kept).

Usage: python scripts/gen_settings_doc.py [--check]   (--check: exit 1 when the page is out of date)
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "configuration.md"
BEGIN, END = "<!-- BEGIN settings -->", "<!-- END settings -->"
NEW_PAGE = f"# Configuration\n\n{BEGIN}\n{END}\n"


def render(page: str) -> str:
    """`page` with the generated block between the markers (appended when the markers are missing)."""
    from blocklet_cli.core.settings import markdown_table

    if BEGIN not in page or END not in page:
        page = page.rstrip("\n") + ("\n\n" if page.strip() else "") + f"{BEGIN}\n{END}\n"
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n\n{markdown_table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO))
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else NEW_PAGE
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print(f"{PAGE} is out of date: run python scripts/gen_settings_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        PAGE.parent.mkdir(parents=True, exist_ok=True)
        PAGE.write_text(wanted, encoding="utf-8")
        print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
