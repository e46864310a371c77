"""`blocklet did` through the real console script."""

from __future__ import annotations

import json


def test_one_did_per_line_in_input_order(cli, fixtures_dir):
    vectors = json.loads((fixtures_dir / "did-vectors.json").read_text(encoding="utf-8"))["vectors"]
    names = [v["name"] for v in vectors if "\x00" not in v["name"] and not any(0xD800 <= ord(c) <= 0xDFFF
                                                                              for c in v["name"])]
    done = cli("did", "--", *names)
    assert done.returncode == 0, done.stderr
    expected = [v["did"] for v in vectors if v["name"] in names]
    assert done.stdout.split("\n")[:-1] == expected


def test_json_shape(cli):
    done = cli("did", "harbor-lights", "ferry-ledger", "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout) == [
        {"name": "harbor-lights", "did": "z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ"},
        {"name": "ferry-ledger", "did": "z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE"},
    ]


def test_describe_decodes_the_type(cli):
    done = cli("did", "--describe", "--json", "z2qaLJbHXzqr3G19Wvnqew2Z1Q5MnPsxx57t8")
    row = json.loads(done.stdout)[0]
    assert (row["role"], row["key"], row["hash"], row["valid"]) == ("BLOCKLET", "ED25519", "SHA3", True)
