// oidc-peer.mjs - an independent OAuth 2.0 authorization server (the
// oidc-provider package) on loopback HTTPS, issuing RFC 9068 JWT access
// tokens with the client credentials grant.  Used by test_oidc_provider.sh
// (Jetstream's token verifier must accept its tokens) and by bench/token.sh
// (the peer of Jetstream's token endpoint).
//
//   node oidc-peer.mjs CONFIG.json
//
// CONFIG.json:
//   {
//     "port": 18500,                 listen on 127.0.0.1:port
//     "host": "localhost",           the issuer's host (default localhost)
//     "cert": "server.crt",          TLS certificate (for localhost) and key
//     "key": "server.key",
//     "audience": "jetstream",       "aud" of the access tokens
//     "resources": {"urn:x": "aud"}, optional: further resource indicators
//                                    (RFC 8707) and the aud of their tokens
//     "alg": "ES256",                token signing algorithm (ES256|EdDSA|RS256)
//     "rsa_bits": 2048,              RS256 key size
//     "ttl": 600,                    access token lifetime, seconds
//     "shape": "rfc9068",            "rfc9068": oidc-provider's RFC 9068 tokens
//                                    (typ at+jwt, client_id, scope) plus a
//                                    "groups" claim from the client's groups;
//                                    "okta": shaped like Okta's client
//                                    credentials tokens: no typ, "ver", "cid",
//                                    "scp" (array), "groups", and neither
//                                    client_id nor scope
//     "jwks_out": "jwks.json",       optional: write the public JWKS here
//     "clients": [{"client_id", "client_secret", "scope", "groups": [...]}]
//   }
//
// The issuer is https://HOST:PORT.  When it is ready it prints
// "oidc-peer: serving https://HOST:PORT" on stderr.  SIGTERM or SIGINT
// stops it.  Nothing is logged per request.
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import process from 'node:process';

import * as jose from 'jose';
import Provider, { errors } from 'oidc-provider';

const fail = (msg) => {
  process.stderr.write(`oidc-peer: ${msg}\n`);
  process.exit(1);
};

if (process.argv.length !== 3) fail('usage: node oidc-peer.mjs CONFIG.json');
let conf;
try {
  conf = JSON.parse(readFileSync(process.argv[2], 'utf8'));
} catch (e) {
  fail(`cannot read ${process.argv[2]}: ${e.message}`);
}
for (const k of ['port', 'cert', 'key', 'audience', 'clients']) {
  if (conf[k] === undefined) fail(`config: "${k}" missing`);
}
const alg = conf.alg ?? 'ES256';
const shape = conf.shape ?? 'rfc9068';
if (shape !== 'rfc9068' && shape !== 'okta') fail('config: "shape" must be rfc9068 or okta');
const okta = shape === 'okta';
const ttl = conf.ttl ?? 600;
const issuer = `https://${conf.host ?? 'localhost'}:${conf.port}`;
// The resource servers: the Jetstream API (the default, whose tokens have
// aud = conf.audience) and any others of conf.resources.  oidc-provider
// needs resource indicators to be absolute URIs; the audience it puts in
// "aud" is configured separately.
const resource = 'urn:jetstream:api';
const audiences = new Map([[resource, conf.audience], ...Object.entries(conf.resources ?? {})]);

const keyOpts = alg === 'RS256' ? { modulusLength: conf.rsa_bits ?? 2048, extractable: true }
  : { extractable: true };
const { privateKey, publicKey } = await jose.generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg, keyOpts);
const jwk = await jose.exportJWK(privateKey);
jwk.kid = await jose.calculateJwkThumbprint(jwk);
jwk.alg = alg === 'EdDSA' ? 'EdDSA' : alg;
jwk.use = 'sig';

const scopes = new Set();
for (const c of conf.clients) for (const s of (c.scope ?? '').split(' ')) if (s) scopes.add(s);
const groupsByClient = new Map(conf.clients.map((c) => [c.client_id, c.groups ?? []]));

const provider = new Provider(issuer, {
  clients: conf.clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: c.scope ?? '',
  })),
  clientDefaults: { id_token_signed_response_alg: jwk.alg },
  jwks: { keys: [jwk] },
  scopes: [...scopes],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => {
        if (!audiences.has(indicator)) throw new errors.InvalidTarget();
        return {
          scope: [...scopes].join(' '),
          audience: audiences.get(indicator),
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: jwk.alg } },
        };
      },
    },
  },
  extraTokenClaims: (_ctx, token) => (okta
    ? {
      ver: 1,
      cid: token.clientId,
      scp: (token.scope ?? '').split(' ').filter(Boolean),
      groups: groupsByClient.get(token.clientId) ?? [],
    }
    : { groups: groupsByClient.get(token.clientId) ?? [] }),
  formats: {
    customizers: {
      // Okta's access tokens: header {kid, alg} only; the client in "cid",
      // the scopes as an array in "scp".
      jwt: okta
        ? (_ctx, _token, jwt) => {
          jwt.header = { typ: undefined };
          delete jwt.payload.client_id;
          delete jwt.payload.scope;
        }
        : undefined,
    },
  },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-peer: server_error: ${err.stack}\n`));

if (conf.jwks_out) {
  const pub = await jose.exportJWK(publicKey);
  writeFileSync(conf.jwks_out, JSON.stringify({ keys: [{ ...pub, kid: jwk.kid, alg: jwk.alg, use: 'sig' }] }));
}

const server = https.createServer({
  cert: readFileSync(conf.cert),
  key: readFileSync(conf.key),
  keepAliveTimeout: 30000,
}, provider.callback());
server.on('error', (e) => fail(`listen 127.0.0.1:${conf.port}: ${e.message}`));
server.listen(conf.port, '127.0.0.1', () => {
  process.stderr.write(`oidc-peer: serving ${issuer}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
