#!/usr/bin/env node
// Compiles Solidity with the solc-js version pinned in package.json.
//
// Reads a solc standard-JSON input on stdin and writes solc's standard-JSON output on stdout,
// exactly as `solc --standard-json` does. `--version` prints the compiler version instead.
// Exit status: 0 when solc ran (its output may still hold errors), 2 when solc-js is not
// installed (run `npm ci` at the repository root), 3 on any other failure of this script.
// The script never calls process.exit after writing: that would cut off a large output that
// is still being flushed to a pipe.
'use strict';

let solc;
try {
  solc = require('solc');
} catch (err) {
  process.stderr.write(`solc-js is not installed (run \`npm ci\` at the repository root): ${err.message}\n`);
  process.exit(2);
}

function compileStdin() {
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    try {
      const input = Buffer.concat(chunks).toString('utf8');
      process.stdout.write(solc.compile(input));
    } catch (err) {
      process.stderr.write(`solc-js failed: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 3;
    }
  });
}

if (process.argv.includes('--version')) {
  process.stdout.write(`${solc.version()}\n`);
} else {
  compileStdin();
}
