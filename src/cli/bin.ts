#!/usr/bin/env node
import { EXIT } from './exit-codes.js';
import { main } from './main.js';

const code = await main(process.argv);
// serve and fake-provider keep the process alive until a signal; other commands end here.
if (code !== EXIT.ok) {
  // A failed start may leave connections open (Redis reconnecting, pools): exit, do not linger.
  process.exit(code);
}
if (!['serve', 'fake-provider'].includes(process.argv[2] ?? '')) process.exitCode = code;
