#!/usr/bin/env node
/*
 * did-vectors.js - name -> DID vectors computed by the real toBlockletDid of @blocklet/meta 1.17.12
 * (which uses @arcblock/did); they make tests/fixtures/did-vectors.json.
 *
 *   node tests/oracles/did-vectors.js --node-modules <dir>/node_modules [--out did-vectors.json]
 *
 * The oracle packages come from scripts/install-test-deps.sh (~/.cache/blocklet-cli-tests/oracles).
 * Without --node-modules, @blocklet/meta is resolved through NODE_PATH.
 *
 * Each vector: { name, did, category, returnedUnchanged, hashedInput, hashedUtf8Hex }
 *   returnedUnchanged  toBlockletDid returned the input itself (@arcblock/did isValid says it is a DID)
 *   hashedInput        the JavaScript-trimmed string that was hashed (null when returnedUnchanged)
 *   hashedUtf8Hex      its UTF-8 bytes as Node encodes them (a lone surrogate becomes ef bf bd)
 */
'use strict';

const fs = require('fs');
const path = require('path');

const argv = process.argv.slice(2);
const flag = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : null);
const modules = flag('--node-modules');
const out = path.resolve(flag('--out') || 'did-vectors.json');
const search = modules ? [path.resolve(modules)] : (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);

const didFile = require.resolve('@blocklet/meta/lib/did', { paths: search });
const { toBlockletDid } = require(didFile);
const { isValid } = require(require.resolve('@arcblock/did', { paths: [path.dirname(didFile)] }));
const metaPackage = path.join(path.dirname(path.dirname(didFile)), 'package.json');
const metaVersion = JSON.parse(fs.readFileSync(metaPackage, 'utf8')).version;

const NAMES = {
  ordinary: [
    'harbor-lights', 'ferry-ledger', 'tidegate-hub', 'orchard-app', 'creaky-meta', 'kiln-scheduler',
    'quill-board', 'lockbox-vault', 'signal-tower', 'pebble-notes', 'beacon-feed', 'loom-patterns',
    'compost-timer', 'moss-index', 'tea-ledger', 'lantern', 'x-ray', 'q9', '99-bottles', 'snake_case_name',
  ],
  scoped: ['@harbor/tide-api', '@harbor', '@lantern/ui-kit', '@x1/y2', '@fixture/tiny-slug', '@a-b/c.d'],
  unicode: [
    'crème-brûlée', 'naïve-bayes', '東京-guide', '서울', 'Ünïcödé', 'pão-de-queijo', '🚀launch', 'mañana-🌮',
    '\u00e9-menu' /* NFC */, 'e\u0301-menu' /* NFD */, 'ᚠᚢᚦ-runes', 'x\ud800' /* lone surrogate */,
  ],
  whitespace: [
    ' harbor-lights', 'ferry-ledger\t', '\n orchard-app \n', '\u00a0tidegate-hub', '\u3000creaky-meta',
    '\ufeffquill-board', 'kiln-scheduler\u2029', '\u2007pebble-notes\u2007', '\u0085beacon-feed',
    '\u200bloom\u200b', '\u001fmoss-index', ' inner space ',
  ],
  did: [
    'z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ', // harbor-lights
    'z2qZzHD77pwFpkTFZJP4ctx5YSWarLFFmNk66', // a ROLE_BLOCKLET DID
    'z1ghsRetpgK5NL1YDT1hZRSfqVoVRjpWPji', // a ROLE_ACCOUNT DID
    'did:abt:z8iZpiQ1rTM58cyPWgVymbDBqtu3wFtqYBJPE', // ferry-ledger, prefixed
    'did:key:z8iZi3CXwpEgvixM1vv3JVBmZzCYjd8DmvAmg', // another lower-case method prefix
    ' z8iZscKTQGfSaCn7UKEdZLdmhTcYwCGzSFGPw', // orchard-app with a leading space
    'z8iZmWLHFvhY628wGn7UkM7J4i3GTPZTjiEY8', // creaky-meta with its last character changed
    'Z8iZmWLHFvhY628wGn7UkM7J4i3GTPZTjiEY7', // capital Z prefix
    '0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae', // lower-case 40-hex address
    'did:ABT:z8ia3GKebCwJQmNCJSUzF86tnA3kdsvohGNMQ', // upper-case method
  ],
};

const vectors = Object.entries(NAMES).flatMap(([category, names]) => names.map((name) => {
  const unchanged = isValid(name);
  const hashed = unchanged ? null : name.trim();
  return {
    name,
    did: toBlockletDid(name),
    category,
    returnedUnchanged: unchanged,
    hashedInput: hashed,
    hashedUtf8Hex: hashed === null ? null : Buffer.from(hashed).toString('hex'),
  };
}));

const document = {
  about: {
    generatedBy: 'did-vectors.js',
    node: process.version,
    blockletMeta: metaVersion,
    function: "require('@blocklet/meta/lib/did').toBlockletDid(name)",
    algorithm:
      "if @arcblock/did isValid(name): return name unchanged; else bytes = UTF-8(name.trim()) (JavaScript trim; a lone " +
      "surrogate encodes as EF BF BD); h = sha3_256(bytes)[0:20]; t = 0xFC01 (role ANY=63 << 10 | key ED25519=0 << 5 | " +
      "hash SHA3=1) as 2 big-endian bytes; c = sha3_256(t + h)[0:4]; did = 'z' + base58btc(t + h + c) (bitcoin alphabet)",
    counts: Object.fromEntries(Object.entries(NAMES).map(([category, names]) => [category, names.length])),
  },
  vectors,
};
fs.writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
console.log(`@blocklet/meta ${metaVersion}: wrote ${vectors.length} vectors to ${out}`);
