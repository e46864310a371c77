// Runs the first-generation migration, `abtnode blocklet:migrate` of npm @abtnode/cli 1.7.7
// (lib/commands/blocklet/migrate/, unchanged, on @blocklet/meta 1.7.7), in a project folder, and prints
// {exitCode, messages, yml, meta} as JSON. Its lib/util and lib/ui pull in the whole server, so they are
// replaced by the print functions plus `fixFiles`, taken verbatim from the packed lib/util/index.js.
// Usage: node legacy_migrate_oracle.js <legacy-oracles folder> <project folder>
'use strict';
const Module = require('module');
const path = require('path');

const base = path.resolve(process.argv[2]);
const dir = path.resolve(process.argv[3]);
const lib = path.join(base, 'abtnode-cli', 'lib');
process.env.NODE_PATH = path.join(base, 'node_modules');
Module._initPaths();

const fs = require('fs-extra');
const uniq = require('lodash/uniq');
const yaml = require('js-yaml');

const utilSource = fs.readFileSync(path.join(lib, 'util', 'index.js'), 'utf8');
const found = utilSource.match(/const fixFiles = \(meta, dir\) => \{[\s\S]*?\n\};\n/);
if (!found) throw new Error('fixFiles not found in @abtnode/cli lib/util/index.js');
// eslint-disable-next-line no-new-func
const fixFiles = new Function('path', 'fs', 'uniq', `${found[0]}return fixFiles;`)(path, fs, uniq);

const messages = [];
const log = (...args) => messages.push(args.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' '));
const stubs = {
  [path.join(lib, 'util', 'index.js')]: { print: log, printSuccess: log, printError: log, printInfo: log,
    printWarning: log, fixFiles },
  [path.join(lib, 'ui.js')]: { pretty: (x) => JSON.stringify(x) },
};
for (const [filename, exports] of Object.entries(stubs)) {
  const stub = new Module(filename);
  stub.filename = filename;
  stub.loaded = true;
  stub.exports = exports;
  require.cache[filename] = stub;
}
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveStub(request, parent, ...rest) {
  if (parent && parent.filename && request.startsWith('.')) {
    const target = path.resolve(path.dirname(parent.filename), request);
    for (const candidate of [target, `${target}.js`, path.join(target, 'index.js')]) {
      if (stubs[candidate]) return candidate;
    }
  }
  return resolve.call(this, request, parent, ...rest);
};

let exitCode = null;
process.exit = (code) => {
  if (exitCode === null) exitCode = code;
  throw new Error(`exit ${code}`);
};
const realLog = console.log;
console.error = log;
process.chdir(dir);
const migrate = require(path.join(lib, 'commands', 'blocklet', 'migrate'));
migrate.run({ gitCommit: false }).catch(() => {}).then(() => {
  const file = path.join(dir, 'blocklet.yml');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  realLog(JSON.stringify({ exitCode, messages, yml: text, meta: text === null ? null : yaml.safeLoad(text) }));
});
