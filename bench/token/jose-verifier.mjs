// jose-verifier.mjs - the peer of Jetstream's token verifier in
// bench/token.sh: a minimal resource server on node:https that checks each
// bearer token with jose's jwtVerify (the JOSE library oidc-provider itself
// uses) against a local JWKS, and answers GET /v1/me like `jetstream api`.
//
//   node jose-verifier.mjs CONFIG.json
//
// CONFIG.json: {"port", "cert", "key", "jwks" (file), "issuer", "audience",
// "algs": ["ES256"]}.  Prints "jose-verifier: serving https://127.0.0.1:PORT"
// on stderr when ready; SIGTERM stops it.
//
// The checks are those an RFC 9068 resource server makes: signature by a
// key of the JWKS (kid), allowed algorithm, typ at+jwt, iss, aud, exp, nbf,
// iat.  No cache of verified tokens: every request is a signature check
// (jose caches only the imported keys).  One process, one thread, like the
// Jetstream API under test with workers = 1.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import process from 'node:process';

import { jose } from '../../tests/interop/deps.mjs';

if (process.argv.length !== 3) {
  process.stderr.write('usage: node jose-verifier.mjs CONFIG.json\n');
  process.exit(2);
}
const conf = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const keys = jose.createLocalJWKSet(JSON.parse(readFileSync(conf.jwks, 'utf8')));
const options = {
  issuer: conf.issuer,
  audience: conf.audience,
  typ: 'at+jwt',
  algorithms: conf.algs ?? ['ES256'],
  requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
  clockTolerance: 60,
};
const CHALLENGE = 'Bearer realm="jetstream", error="invalid_token", '
  + 'error_description="the access token is not valid"';

function reply(res, status, body, extra = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

async function handle(req, res) {
  if (req.method !== 'GET' || req.url !== '/v1/me') {
    reply(res, 404, { error: 'not_found' });
    return;
  }
  const h = req.headers.authorization ?? '';
  if (!/^Bearer [A-Za-z0-9._~+/-]+=*$/.test(h)) {
    reply(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="jetstream"' });
    return;
  }
  let payload;
  try {
    ({ payload } = await jose.jwtVerify(h.slice(7), keys, options));
  } catch {
    reply(res, 401, { error: 'invalid_token' }, { 'www-authenticate': CHALLENGE });
    return;
  }
  reply(res, 200, {
    iss: payload.iss,
    sub: payload.sub,
    client_id: payload.client_id,
    scope: typeof payload.scope === 'string' ? payload.scope : '',
    buildings: payload.buildings ?? {},
    exp: payload.exp,
    certificate_bound: false,
  });
}

const server = https.createServer({
  cert: readFileSync(conf.cert),
  key: readFileSync(conf.key),
  keepAliveTimeout: 30000,
}, (req, res) => {
  req.resume();
  handle(req, res).catch(() => reply(res, 500, { error: 'internal_error' }));
});
server.on('error', (e) => {
  process.stderr.write(`jose-verifier: ${e.message}\n`);
  process.exit(1);
});
server.listen(conf.port, '127.0.0.1', () => {
  process.stderr.write(`jose-verifier: serving https://127.0.0.1:${conf.port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
