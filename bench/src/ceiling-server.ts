/**
 * A ceiling: the two agent routes answered with the real responses' JSON, without auth, store or
 * validation. `raw` is node:http alone; `express` is bare Express 4 with express.json().
 * Run as its own process: `node ceiling-server.js raw|express PORT LIST_JSON_FILE CLAIM_JSON_FILE`.
 */
import fs from 'node:fs';
import http from 'node:http';
import express from 'express';

const [kind, portArg, listFile, claimFile] = process.argv.slice(2);
const port = Number(portArg);
const listBody: unknown = JSON.parse(fs.readFileSync(listFile!, 'utf8'));
const claimBody: unknown = JSON.parse(fs.readFileSync(claimFile!, 'utf8'));

const LIST = /^\/api\/v1\/agents\/realtime\/sessions\/requested(\?|$)/;
const CLAIM = /^\/api\/v1\/agents\/realtime\/sessions\/\d+\/claim$/;

let server: http.Server;
if (kind === 'raw') {
  // Serialises per request, as any server answering from live data must.
  server = http.createServer((req, res) => {
    let body: unknown;
    if (req.method === 'GET' && LIST.test(req.url ?? '')) body = listBody;
    else if (req.method === 'POST' && CLAIM.test(req.url ?? '')) body = claimBody;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    req.on('end', () => {
      const bytes = JSON.stringify(body);
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(bytes),
      });
      res.end(bytes);
    });
  });
} else if (kind === 'express') {
  const app = express();
  app.use(express.json());
  app.get('/api/v1/agents/realtime/sessions/requested', (_req, res) => {
    res.json(listBody);
  });
  app.post('/api/v1/agents/realtime/sessions/:session/claim', (_req, res) => {
    res.json(claimBody);
  });
  server = http.createServer(app);
} else {
  throw new Error(`unknown ceiling ${kind}`);
}
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
