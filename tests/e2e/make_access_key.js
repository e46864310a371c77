// Create a `ci` access key on a stopped-or-running local Blocklet Server without a wallet, through the
// CLI's own server core (`getNode` of @blocklet/cli lib/node.js; the key is made by
// ArcBlock/blocklet-server core/state/lib/states/access-key.js).
// Run with the server folder as the current directory and the server environment (env.sh).
// Prints one JSON line: {serverDid, port, accessKeyId, accessKeySecret}.
const path = require('path');

// like bin/blocklet.js: the server's data dir and its own PM2 home (else PM2 starts a God daemon in ~/.pm2)
process.env.ABT_NODE_HOME = process.env.ABT_NODE_HOME
  || path.resolve(process.env.ABT_NODE_CUSTOM_DATA_DIR || path.join(require('os').homedir(), '.arcblock'));
process.env.PM2_HOME = process.env.PM2_HOME || path.join(process.env.ABT_NODE_HOME, 'abtnode');

const cliRoot = path.dirname(require.resolve('@blocklet/cli/package.json', { paths: [process.env.CLI_DIR] }));
const { getNode } = require(path.join(cliRoot, 'lib/node.js'));

(async () => {
  const { node } = await getNode({ dir: process.cwd() });
  node.onReady(async () => {
    try {
      const info = await node.getNodeInfo();
      const key = await node.createAccessKey(
        { teamDid: info.did, remark: 'blocklet-cli-e2e', passport: 'ci' },
        { user: { fullName: 'blocklet-cli-e2e', role: 'ci', passports: [{ role: 'ci', status: 'valid' }] } }
      );
      process.stdout.write(`${JSON.stringify({
        serverDid: info.did, port: info.port, accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret,
      })}\n`);
      process.exit(0);
    } catch (error) {
      process.stderr.write(`make-access-key failed: ${error.message}\n`);
      process.exit(1);
    }
  });
})();
