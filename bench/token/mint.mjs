// mint.mjs - gets COUNT access tokens from a token endpoint with the client
// credentials grant (client_secret_basic), 16 requests at a time, and
// writes them to OUT, one per line.  bench/token.sh uses it to feed the
// verification benchmark distinct tokens.
//
//   NODE_EXTRA_CA_CERTS=ca.crt node mint.mjs TOKEN_URL CLIENT_ID SECRET COUNT OUT
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const [url, id, secret, countArg, out] = process.argv.slice(2);
const count = Number(countArg);
if (!out || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: node mint.mjs TOKEN_URL CLIENT_ID SECRET COUNT OUT\n');
  process.exit(2);
}
const auth = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const tokens = new Set();
let next = 0;

async function worker() {
  while (next < count) {
    next += 1;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(10000),
    });
    const body = await res.json().catch(() => ({}));
    if (res.status !== 200 || typeof body.access_token !== 'string') {
      throw new Error(`token endpoint answered ${res.status} ${body.error ?? ''}`);
    }
    tokens.add(body.access_token);
  }
}

try {
  await Promise.all(Array.from({ length: 16 }, worker));
} catch (e) {
  process.stderr.write(`mint: ${e.message}\n`);
  process.exit(1);
}
if (tokens.size !== count) {
  process.stderr.write(`mint: ${tokens.size} distinct tokens of ${count}\n`);
  process.exit(1);
}
writeFileSync(out, `${[...tokens].join('\n')}\n`);
