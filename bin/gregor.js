#!/usr/bin/env node
// The gregor command: runs the compiled CLI (npm install builds it via the prepare script).
import { main } from '../dist/src/cli.js';

main(process.argv).catch((err) => {
  process.stderr.write(`gregor: ${err?.stack ?? err}\n`);
  process.exit(1);
});
