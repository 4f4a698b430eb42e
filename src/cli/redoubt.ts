#!/usr/bin/env node
// `redoubt <subcommand>`: server, certs, audit, init.
import { serverMain } from './server-main.js';
import { certsMain } from './certs.js';

const [sub, ...rest] = process.argv.slice(2);
const usage =
  'Usage: redoubt server [redis-server arguments]\n' +
  '       redoubt certs [--dir DIR] [--host NAME]... [--client USER[=URI]]... (--help for more)\n' +
  '       redoubt audit [--config FILE] [--url URL] ... (redoubt audit --help)\n' +
  '       redoubt init --dir DIR ... (redoubt init --help)\n' +
  '       redoubt --version\n';
let code = 0;
switch (sub) {
  case 'server':
    code = await serverMain(rest);
    break;
  case 'certs':
    code = await certsMain(rest);
    break;
  case 'audit':
    code = await (await import('../audit/run.js')).auditMain(rest);
    break;
  case 'init':
    code = await (await import('../init/init.js')).initMain(rest);
    break;
  case '--version':
  case '-v':
    code = await serverMain(['--version']);
    break;
  case undefined:
  case '-h':
  case '--help':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(`Unknown subcommand '${sub}'\n` + usage);
    code = 1;
}
if (code >= 0) process.exit(code);
