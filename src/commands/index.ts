// Every command family. Adding a family = one file exporting `commands`
// (and optionally `install` for state it keeps on the server) + one line here.

import type { Family } from './table.js';
import type { Server } from '../server/server.js';
import * as connection from './connection.js';
import * as pubsub from './pubsub.js';
import * as transactions from './transactions.js';
import * as lists from './lists.js';
import * as keys from './keys.js';
import * as expire from './expire.js';
import * as strings from './strings.js';
import * as bits from './bits.js';
import * as zsets from './zsets.js';
import * as hll from './hll.js';
import * as command from './command.js';
import * as client from './client.js';
import * as serverCmds from './server-cmds.js';
import * as debug from './debug.js';
import * as config from './config.js';
import * as hashes from './hashes.js';
import * as sets from './sets.js';
import * as persistence from './persistence.js';
import * as acl from './acl.js';
import * as trackingCmds from './tracking.js';
import * as sort from './sort.js';
import * as geo from './geo.js';
import * as lolwut from './lolwut.js';
import * as dumpCmds from './dump.js';
import * as moduleCmds from './module.js';
import * as memory from './memory.js';
import * as slowlog from './slowlog.js';
import * as latencyStats from './latency-stats.js';
import * as replication from './replication.js';
import * as migrate from './migrate.js';

export interface FamilyModule {
  commands: Family;
  install?: (server: Server) => void;
}

export const FAMILIES: FamilyModule[] = [
  connection,
  lists,
  pubsub,
  transactions,
  keys,
  expire,
  strings,
  bits,
  zsets,
  hll,
  command,
  client,
  serverCmds,
  debug,
  config,
  hashes,
  sets,
  persistence,
  acl,
  trackingCmds,
  sort,
  geo,
  lolwut,
  dumpCmds,
  moduleCmds,
  memory,
  slowlog,
  latencyStats,
  replication,
  migrate,
];
