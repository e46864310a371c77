// A minimal Blocklet server: Blocklet Server (and `blocklet dev`) sets BLOCKLET_PORT.
const http = require('http');

const port = process.env.BLOCKLET_PORT === undefined ? 3000 : Number(process.env.BLOCKLET_PORT);
const title = {{title_js}};

const server = http.createServer((req, res) => {
  if (req.url === '/api/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>`);
});

server.listen(port, () => {
  // The real address: with BLOCKLET_PORT=0 the system picks the port.
  const { port: actual } = server.address();
  console.log(`Blocklet ready at http://127.0.0.1:${actual}/`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
