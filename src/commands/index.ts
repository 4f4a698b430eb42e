// Every command family. Adding a family = one file exporting `commands`
// (and optionally `install` for state it keeps on the server) + one line here.

import type { Family } from './table.js';
import type { Server } from '../server/server.js';
import * as connection from './connection.js';
import * as pubsub from './pubsub.js';
import * as transactions from './transactions.js';
import * as lists from './lists.js';

export interface FamilyModule {
  commands: Family;
  install?: (server: Server) => void;
}

export const FAMILIES: FamilyModule[] = [connection, lists, pubsub, transactions];
