#!/usr/bin/env node
import { serverMain } from './server-main.js';

const code = await serverMain(process.argv.slice(2));
if (code >= 0) process.exit(code);
