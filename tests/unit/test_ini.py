"""core/config/ini.py reads and writes INI exactly as npm `ini` v2 (the reference's config files)."""

from __future__ import annotations

import json

from blocklet_cli.core.config import ini
from tests.conftest import node_eval

REFERENCE_FILE = """store=https://store.blocklet.dev
accessToken=0xabc
flag
semi=a\\;b\\#c ; trailing comment
weird = " spaced "
list[]=1
list[]=2
# a comment
[dev]
store=http://localhost:3000
n=null

[a.b]
x=1
[c\\.d]
y=true
"""


def test_decode_top_level_keys_sections_literals_lists_and_nesting():
    data = ini.decode(REFERENCE_FILE)
    assert data == {
        "store": "https://store.blocklet.dev", "accessToken": "0xabc", "flag": True, "semi": "a;b#c",
        "weird": " spaced ", "list": ["1", "2"],
        "dev": {"store": "http://localhost:3000", "n": None},
        "a": {"b": {"x": "1"}}, "c.d": {"y": True},
    }


def test_encode_quotes_and_escapes_like_npm_ini():
    text = ini.encode({"k": "a=b", "l": " x", "m": "[q", "n": '"q"', "o": "a;b#c", "p": "ü", "q": "", "r": 5,
                       "s": None, "e": [], "u": {"v": "w", "x.y": {"z": "1"}}})
    assert text == ('k="a=b"\nl=" x"\nm="[q"\nn="\\"q\\""\no=a\\;b\\#c\np=ü\nq=\nr=5\ns=null\n\n'
                    "[u]\nv=w\n\n[u.x\\.y]\nz=1\n")


def test_round_trip_of_a_canonical_file_is_byte_identical():
    canonical = ini.encode(ini.decode(REFERENCE_FILE))
    assert ini.encode(ini.decode(canonical)) == canonical
    assert "[c\\.d]\ny=true\n" in canonical


def test_default_profile_only_file_has_no_section_header():
    assert ini.encode({"store": "http://x", "dev": {}}) == "store=http://x\n"


def test_values_that_need_quotes_survive_a_round_trip():
    values = {"a": "x=y", "b": "line\nbreak", "c": " pad ", "d": "'single'", "e": "#hash;semi", "f": "[br"}
    assert ini.decode(ini.encode(values)) == values


def test_same_bytes_and_data_as_the_real_npm_ini_v2(oracle_modules):
    script = r"""
    const ini = require('ini');
    if (require('ini/package.json').version !== '2.0.0') throw new Error('need ini 2.0.0');
    const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
    console.log(JSON.stringify({ parsed: ini.parse(input.text), written: ini.stringify(input.data) }));
    """
    data = {"store": "https://s.example", "accessToken": "0x" + "ab" * 64, "odd": "a=b;c#d", "sp": " x ",
            "uni": "名前 ✓", "prod": {"store": "http://127.0.0.1:18080", "name": '"Q"'},
            "x.y": {"k": "[v"}}
    done = node_eval(script, oracle_modules, input=json.dumps({"text": REFERENCE_FILE, "data": data}))
    assert done.returncode == 0, done.stderr
    oracle = json.loads(done.stdout)
    assert ini.decode(REFERENCE_FILE) == oracle["parsed"]
    assert ini.encode(data) == oracle["written"]
    assert ini.decode(oracle["written"]) == data
