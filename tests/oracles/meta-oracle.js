#!/usr/bin/env node
/*
 * meta-oracle.js - the verdicts of the real @blocklet/meta (1.17.12, the library behind `blocklet meta`
 * and `blocklet bundle` of @blocklet/cli) on a folder of blocklet.yml cases.
 *
 *   node tests/oracles/meta-oracle.js <cases-dir> --node-modules <dir>/node_modules [--out file] [--check]
 *
 * The oracle packages come from scripts/install-test-deps.sh (~/.cache/blocklet-cli-tests/oracles).
 * Without --node-modules, @blocklet/meta is resolved through NODE_PATH.
 *
 * Input: every *.yml / *.yaml directly inside <cases-dir> is one whole blocklet.yml. Its leading comment
 * lines may say `# expect: valid|invalid`, `# rule: <text>` and `# fixtures: <paths>`; the fixture paths
 * (a trailing / makes a folder) are created next to blocklet.yml, each file holding
 * "fixture file <path>\n".
 *
 * Output (keys sorted by file name), written to --out (default <cases-dir>/expected.json):
 *   { "<file>": { valid, error, normalized, errorName, log,
 *                 modes: { bundle: {valid, error}, validateMeta: {valid, error} },
 *                 intent: { expect, rule, fixtures } } }
 *   meta path (valid/error/normalized): parse(dir, { ensureComponentStore: false })
 *   bundle path: parse(dir, { ensureFiles: true, schemaOptions: { stripUnknown: false } }), then the
 *     CLI's reserved environment name check and, for group static, the <main>/index.html|htm check
 *     (ArcBlock/blocklet-server core/cli/lib/commands/blocklet/bundle.js)
 *   validateMeta path: validateMeta(yaml.load(text, { json: true })), no fix step
 * Every case runs in a fresh folder entered with chdir and passed as ".", so a defaulted description
 * reads "Blocklet from .".
 * --check compares with the existing output file instead of writing it (exit 1 when anything differs).
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

function options(argv) {
  const opts = { cases: null, out: null, modules: null, check: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--out') opts.out = argv[++i];
    else if (arg === '--node-modules') opts.modules = argv[++i];
    else if (arg === '--check') opts.check = true;
    else if (opts.cases === null) opts.cases = arg;
    else throw new Error(`unexpected argument: ${arg}`);
  }
  if (opts.cases === null) throw new Error('usage: meta-oracle.js <cases-dir> [--node-modules dir] [--out file] [--check]');
  return opts;
}

function libraries(modules) {
  const search = modules ? [path.resolve(modules)] : (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  const parseFile = require.resolve('@blocklet/meta/lib/parse', { paths: search });
  const lib = path.dirname(parseFile);
  const root = path.dirname(lib);
  const yamlFile = require.resolve('js-yaml', { paths: [root] });
  return {
    parse: require(parseFile).parse,
    validateMeta: require(path.join(lib, 'validate')).validateMeta,
    hasReservedKey: require(path.join(lib, 'has-reserved-key')).hasReservedKey,
    yaml: require(yamlFile),
    version: JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version,
  };
}

function intentOf(text) {
  const intent = { expect: null, rule: null, fixtures: null };
  for (const line of text.split(/\r?\n/)) {
    if (!/^\s*#/.test(line)) break;
    const match = /^#\s*(expect|rule|fixtures)\s*:\s*(.*)$/.exec(line);
    if (match) intent[match[1]] = match[2].trim();
  }
  return intent;
}

function project(scratch, name, text, fixtures) {
  const dir = fs.mkdtempSync(path.join(scratch, `${name}-`));
  fs.writeFileSync(path.join(dir, 'blocklet.yml'), text);
  for (const entry of (fixtures || '').split(/\s+/).filter(Boolean)) {
    const target = path.join(dir, entry);
    if (entry.endsWith('/')) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `fixture file ${entry}\n`);
    }
  }
  return dir;
}

// fn('.') run inside dir, with what the library prints through console.error collected.
function inside(dir, fn) {
  const home = process.cwd();
  const consoleError = console.error;
  const printed = [];
  console.error = (...args) => {
    printed.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '));
  };
  process.chdir(dir);
  try {
    return { valid: true, error: null, errorName: null, value: JSON.parse(JSON.stringify(fn('.'))), printed };
  } catch (err) {
    return {
      valid: false,
      error: err && err.message !== undefined ? err.message : String(err),
      errorName: err && err.constructor ? err.constructor.name : typeof err,
      value: null,
      printed,
    };
  } finally {
    process.chdir(home);
    console.error = consoleError;
  }
}

function verdicts(lib, scratch, name, text) {
  const intent = intentOf(text);
  const metaPath = (dir) => lib.parse(dir, { ensureComponentStore: false });
  const bundlePath = (dir) => {
    const meta = lib.parse(dir, { ensureFiles: true, schemaOptions: { stripUnknown: false } });
    if (lib.hasReservedKey(meta.environments)) {
      throw new Error('Blocklet key of environments can not start with `ABT_NODE_` or `BLOCKLET_`');
    }
    if (meta.group === 'static') {
      const main = path.join(dir, meta.main || '.');
      if (!['index.html', 'index.htm'].some((index) => fs.existsSync(path.join(main, index)))) {
        throw new Error(`Can not find index.html or index.htm in ${main}`);
      }
    }
    return meta;
  };
  const rawPath = (dir) => {
    const raw = lib.yaml.load(fs.readFileSync(path.join(dir, 'blocklet.yml'), 'utf8'), { json: true });
    return lib.validateMeta(raw);
  };
  const fresh = () => project(scratch, name, text, intent.fixtures);
  const meta = inside(fresh(), metaPath);
  const bundle = inside(fresh(), bundlePath);
  const raw = inside(fresh(), rawPath);
  return {
    valid: meta.valid,
    error: meta.error,
    normalized: meta.value,
    errorName: meta.errorName,
    log: meta.printed.length ? meta.printed[0].split('\n')[0] : null,
    modes: {
      bundle: { valid: bundle.valid, error: bundle.error },
      validateMeta: { valid: raw.valid, error: raw.error },
    },
    intent,
  };
}

function main() {
  let opts;
  let lib;
  try {
    opts = options(process.argv.slice(2));
    lib = libraries(opts.modules);
  } catch (err) {
    console.error(`meta-oracle: ${err.message}`);
    process.exit(2);
  }
  const cases = path.resolve(opts.cases);
  const out = path.resolve(opts.out || path.join(cases, 'expected.json'));
  const files = fs.readdirSync(cases).filter((f) => /\.ya?ml$/.test(f)).sort();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'meta-oracle-'));
  const results = {};
  try {
    for (const file of files) {
      results[file] = verdicts(lib, scratch, file.replace(/\.ya?ml$/, ''), fs.readFileSync(path.join(cases, file), 'utf8'));
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const valid = Object.values(results).filter((r) => r.valid).length;
  console.log(`@blocklet/meta ${lib.version}, node ${process.version}: ${files.length} cases, ${valid} valid on the meta path`);
  if (!opts.check) {
    fs.writeFileSync(out, text);
    console.log(`wrote ${out}`);
    return;
  }
  const before = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
  const names = [...new Set([...Object.keys(before), ...Object.keys(results)])].sort();
  const differing = names.filter((n) => JSON.stringify(before[n]) !== JSON.stringify(results[n]));
  differing.forEach((n) => console.log(`differs: ${n}`));
  if (differing.length) process.exitCode = 1;
}

main();
