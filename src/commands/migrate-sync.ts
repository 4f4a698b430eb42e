// The helper process MIGRATE uses inside MULTI/EXEC, where the server must
// wait for the target as Redis does (migrate.ts runs it with spawnSync).
// stdin: one JSON line {host, port, timeout, expected}, then the pipeline's
// bytes. stdout: JSON {connected, lines, fail}. Passwords travel on stdin,
// never on the command line.

import { openLink, exchange, type Exchange } from './migrate-link.js';

const chunks: Buffer[] = [];
process.stdin.on('data', (d: Buffer) => chunks.push(d));
process.stdin.on('end', () => {
  const all = Buffer.concat(chunks);
  const nl = all.indexOf(10);
  const head = JSON.parse(all.subarray(0, nl).toString('latin1')) as { host: string; port: number; timeout: number; expected: number };
  const body = all.subarray(nl + 1).toString('latin1');
  const answer = (connected: boolean, r: Exchange) => {
    process.stdout.write(JSON.stringify({ connected, lines: r.lines, fail: r.fail }), () => process.exit(0));
  };
  openLink('', head.host, head.port, head.timeout, (l, fail) => {
    if (l === null) return answer(false, { lines: [], fail });
    exchange(l, body.length ? [body] : [], head.expected, head.timeout, (r) => {
      l.socket.destroy();
      answer(true, r);
    });
  });
});
