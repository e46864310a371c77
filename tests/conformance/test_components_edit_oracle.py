"""`add` then `remove` over every starting shape of `components` (tests/unit/test_components_edit.py): every file
they write is accepted by the real @blocklet/meta 1.17.12 (tests/oracles/meta-oracle.js, meta and validateMeta
paths), and the only starting shape not given back byte for byte, a null `components:`, is one it rejects."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from blocklet_cli.core.components.edit import add_component, remove_component
from tests.conftest import ORACLE_SCRIPTS
from tests.unit.test_components_edit import ENTRY, KEY_SHAPES, round_trip_text, round_trip_variants


def _verdicts(texts: dict[str, str], modules: Path, folder: Path) -> dict:
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.yml").write_bytes(text.encode("utf-8"))
    out = folder.parent / "verdicts.json"
    done = subprocess.run(["node", str(ORACLE_SCRIPTS / "meta-oracle.js"), str(folder), "--node-modules",
                           str(modules), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_file_add_and_remove_write_is_accepted(oracle_modules: Path, tmp_path: Path) -> None:
    originals: dict[str, str] = {}
    written: dict[str, str] = {}
    for shape in KEY_SHAPES:
        variants = [v for v in round_trip_variants() if (v[1] == "\n") == v[2]]  # LF + final newline, CRLF + none
        for index, variant in enumerate(variants):
            text = round_trip_text(shape, *variant)
            added = add_component(text, ENTRY)
            originals[f"{shape}-{index}-original"] = text
            written[f"{shape}-{index}-added"] = added
            written[f"{shape}-{index}-removed"] = remove_component(added, "static-demo")
    unique: dict[str, str] = {}  # text -> the first name it has (a round trip mostly gives the original back)
    for name, text in (originals | written).items():
        unique.setdefault(text, name)
    verdicts = _verdicts({name: text for text, name in unique.items()}, oracle_modules, tmp_path / "cases")

    def verdict_of(text: str) -> dict:
        return verdicts[f"{unique[text]}.yml"]

    rejected = {name: (verdict_of(text)["error"], verdict_of(text)["modes"]["validateMeta"]["error"])
                for name, text in written.items()
                if not (verdict_of(text)["valid"] and verdict_of(text)["modes"]["validateMeta"]["valid"])}
    assert rejected == {}
    null_shapes = {shape for shape, (key, closest) in KEY_SHAPES.items() if closest is not None}
    for name, text in originals.items():
        verdict = verdict_of(text)
        shape = name.rsplit("-", 2)[0]
        if shape in null_shapes:  # the reference rejects the starting file itself
            assert not verdict["valid"] and '"components" must be an array' in verdict["error"], (name, verdict)
        else:
            assert verdict["valid"], (name, verdict["error"])
    added = verdict_of(written["absent-0-added"])["normalized"]["components"]
    assert [component["name"] for component in added] == [ENTRY["name"]]
