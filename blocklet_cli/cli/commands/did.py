"""`blocklet did`: print the Blocklet DID of each name (reference: `toBlockletDid`,
ArcBlock/blocklet-server blocklet/meta/src/did.ts)."""

from __future__ import annotations

from typing import Annotated

from blocklet_cli.cli.params import Argument, Option


def did(
    names: Annotated[list[str], Argument(help="Blocklet names (or DIDs, returned unchanged).")],
    describe: Annotated[bool, Option("--describe", help="Also decode the DID type (role, key, hash).")] = False,
) -> None:
    """Print the DID of each NAME, one per line, in input order.

    Examples:

      blocklet did my-blocklet

      blocklet did @scope/app other-app --json

      blocklet did z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8 --describe
    """
    from blocklet_cli.cli.output import UI
    from blocklet_cli.core.identity import did as did_core

    ui = UI()
    rows = []
    for name in names:
        value = did_core.to_blocklet_did(name)
        row = {"name": name, "did": value}
        if describe:
            row.update(did_core.describe(value))
        rows.append(row)
    if ui.json_mode:
        ui.result(rows)
        return
    for row in rows:
        if describe:
            ui.out(f"{row['did']}\t{row['role']}/{row['key']}/{row['hash']}")
        else:
            ui.out(row["did"])
