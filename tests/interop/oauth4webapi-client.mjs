// oauth4webapi-client.mjs - Jetstream's authorization server and API seen
// by independent OAuth 2.0 client code: oauth4webapi (a certified client
// library) and jose (JWT verification).  Driven by test_oauth4webapi.sh.
//
//   node oauth4webapi-client.mjs keygen DIR
//       an ES256 key pair for private_key_jwt: DIR/pkjwt-key.json (private
//       JWK) and DIR/pkjwt-jwks.json (public JWKS, for `client create --jwks`)
//   node oauth4webapi-client.mjs run
//       the checks; parameters in the environment:
//       ISSUER, AUDIENCE, API_URL, CA (PEM: the server CA),
//       BASIC_ID, BASIC_SECRET (client with scope "points:read commands:write",
//       grant hq-1=operator), PKJWT_ID, PKJWT_KEY (its private JWK file),
//       optionally MTLS_ID, MTLS_CERT, MTLS_KEY (tls_client_auth client),
//       ALG (the server's signing_alg, default ES256).
//       NODE_EXTRA_CA_CERTS must name CA (for the global fetch).
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';

import * as jose from 'jose';
import * as oauth from 'oauth4webapi';

import {
  assert, assertEq, bearerGet, check, env, finish, tamper, tlsFetch,
} from './common.mjs';

if (process.argv[2] === 'keygen') {
  const dir = process.argv[3];
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const pub = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(pub);
  const priv = { ...(await jose.exportJWK(privateKey)), kid, alg: 'ES256' };
  writeFileSync(`${dir}/pkjwt-key.json`, JSON.stringify(priv), { mode: 0o600 });
  writeFileSync(`${dir}/pkjwt-jwks.json`, JSON.stringify({ keys: [{ ...pub, kid, alg: 'ES256', use: 'sig' }] }));
  process.exit(0);
}
if (process.argv[2] !== 'run') {
  process.stderr.write('usage: node oauth4webapi-client.mjs keygen DIR | run\n');
  process.exit(2);
}

const issuer = new URL(env('ISSUER'));
const audience = env('AUDIENCE');
const apiMe = new URL('/v1/me', env('API_URL')).href;
const alg = process.env.ALG || 'ES256';
const basic = { client_id: env('BASIC_ID') };
const basicSecret = env('BASIC_SECRET');
const pkjwt = { client_id: env('PKJWT_ID') };
const pkjwtJwk = JSON.parse(readFileSync(env('PKJWT_KEY'), 'utf8'));
const ca = env('CA');
const FULL_SCOPE = 'points:read commands:write';

// An OAuth error answer, whichever way oauth4webapi reports it
// (ResponseBodyError, or WWWAuthenticateChallengeError when the answer
// carries a challenge): {status, error}.
async function oauthError(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError) return { status: e.status, error: e.error };
    if (e instanceof oauth.WWWAuthenticateChallengeError) {
      const body = await e.response.clone().json().catch(() => ({}));
      return { status: e.status, error: body.error };
    }
    throw e;
  }
  throw new Error('the request succeeded; an OAuth error was expected');
}

async function tokenRequest(client, auth, params = {}, options = {}) {
  const res = await oauth.clientCredentialsGrantRequest(as, client, auth,
    new URLSearchParams(params), options);
  return oauth.processClientCredentialsResponse(as, client, res);
}

const jwks = jose.createRemoteJWKSet(new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/jwks.json`));
const seenJti = new Set();

// The RFC 9068 checks an independent resource server makes (jose), plus
// Jetstream's own claims.
async function joseCheck(token, clientId, scope) {
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: issuer.href.replace(/\/$/, ''),
    audience,
    typ: 'at+jwt',
    algorithms: [alg],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id'],
  });
  assertEq(protectedHeader.typ, 'at+jwt', 'typ');
  assertEq(protectedHeader.alg, alg, 'alg');
  assert(typeof protectedHeader.kid === 'string' && protectedHeader.kid.length > 0, 'kid missing');
  assertEq(payload.sub, clientId, 'sub');
  assertEq(payload.client_id, clientId, 'client_id');
  assertEq(payload.scope, scope, 'scope');
  assertEq(payload.buildings, { 'hq-1': 'operator' }, 'buildings');
  assertEq(payload.exp - payload.iat, 600, 'lifetime (exp - iat)');
  assert(typeof payload.nbf === 'number' && payload.nbf <= payload.iat + 1, 'nbf');
  assert(Math.abs(payload.iat - Date.now() / 1000) < 120, 'iat not now');
  assert(!seenJti.has(payload.jti), 'jti reused');
  seenJti.add(payload.jti);
  return { payload, protectedHeader };
}

async function rfc9068Check(token, clientId) {
  const request = new Request(apiMe, { headers: { authorization: `Bearer ${token}` } });
  const claims = await oauth.validateJwtAccessToken(as, request, audience);
  assertEq(claims.client_id, clientId, 'client_id');
  assertEq(claims.iss, as.issuer, 'iss');
  return claims;
}

// --------------------------------------------------------------- discovery

let as;
await check('discovery (RFC 8414): issuer matches exactly', async () => {
  const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' });
  as = await oauth.processDiscoveryResponse(issuer, res);
  assertEq(as.issuer, issuer.href.replace(/\/$/, ''), 'issuer');
});
if (as === undefined) {
  finish();
  process.exit();
}
await check('metadata: endpoints, grant, client authentication methods, algorithms', () => {
  const base = as.issuer;
  assertEq(as.token_endpoint, `${base}/oauth2/token`, 'token_endpoint');
  assertEq(as.jwks_uri, `${base}/.well-known/jwks.json`, 'jwks_uri');
  assertEq(as.introspection_endpoint, `${base}/oauth2/introspect`, 'introspection_endpoint');
  assertEq(as.revocation_endpoint, `${base}/oauth2/revoke`, 'revocation_endpoint');
  assert(as.grant_types_supported?.includes('client_credentials'), 'grant_types_supported lacks client_credentials');
  for (const m of ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth']) {
    assert(as.token_endpoint_auth_methods_supported?.includes(m), `token_endpoint_auth_methods_supported lacks ${m}`);
  }
  assert(as.token_endpoint_auth_signing_alg_values_supported?.includes('ES256'),
    'token_endpoint_auth_signing_alg_values_supported lacks ES256');
  assert(!as.token_endpoint_auth_signing_alg_values_supported.some((a) => a === 'none' || a.startsWith('HS')),
    'a symmetric or "none" assertion algorithm is advertised');
});
await check('JWKS: public keys only, each with kid, alg and use "sig"', async () => {
  const res = await fetch(as.jwks_uri);
  assertEq(res.status, 200, 'status');
  const doc = await res.json();
  assert(Array.isArray(doc.keys) && doc.keys.length > 0, 'no keys');
  for (const k of doc.keys) {
    assert(typeof k.kid === 'string' && k.kid, 'kid');
    assert(['ES256', 'EdDSA', 'RS256'].includes(k.alg), `alg ${k.alg}`);
    for (const p of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert(!(p in k), `private member "${p}" published`);
  }
});

// ----------------------------------------------- client credentials grant

const tokens = {};
await check('client_credentials + client_secret_basic (oauth4webapi)', async () => {
  const r = await tokenRequest(basic, oauth.ClientSecretBasic(basicSecret), { scope: 'points:read' });
  assertEq(r.token_type, 'bearer', 'token_type');
  assertEq(r.expires_in, 600, 'expires_in');
  assertEq(r.scope, 'points:read', 'scope');
  assert(r.refresh_token === undefined, 'a refresh token was issued');
  tokens.basic = r.access_token;
});
await check('client_credentials + client_secret_post, no scope: all the client\'s scopes', async () => {
  const r = await tokenRequest(basic, oauth.ClientSecretPost(basicSecret));
  assertEq(r.scope, FULL_SCOPE, 'scope');
  tokens.post = r.access_token;
});

let capturedAssertionBody;
await check('client_credentials + private_key_jwt (ES256 assertion, aud = issuer)', async () => {
  const key = await crypto.subtle.importKey('jwk', { ...pkjwtJwk, key_ops: undefined },
    { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const r = await tokenRequest(pkjwt, oauth.PrivateKeyJwt({ key, kid: pkjwtJwk.kid }), { scope: FULL_SCOPE }, {
    [oauth.customFetch]: (url, init) => {
      capturedAssertionBody = init.body.toString();
      return fetch(url, init);
    },
  });
  assertEq(r.scope, FULL_SCOPE, 'scope');
  tokens.pkjwt = r.access_token;
});
await check('private_key_jwt: a replayed assertion is refused (invalid_client)', async () => {
  assert(capturedAssertionBody, 'no assertion captured');
  const res = await fetch(as.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: capturedAssertionBody,
  });
  const body = await res.json().catch(() => ({}));
  assert(res.status === 400 || res.status === 401, `status ${res.status}`);
  assertEq(body.error, 'invalid_client', 'error');
  assertEq(res.headers.get('cache-control'), 'no-store', 'Cache-Control');
});
await check('private_key_jwt: an assertion signed by another key is refused (invalid_client)', async () => {
  const { privateKey } = await jose.generateKeyPair('ES256');
  const e = await oauthError(() => tokenRequest(pkjwt, oauth.PrivateKeyJwt({ key: privateKey, kid: pkjwtJwk.kid })));
  assert(e.status === 400 || e.status === 401, `status ${e.status}`);
  assertEq(e.error, 'invalid_client', 'error');
});
await check('wrong client secret: 401 invalid_client', async () => {
  const e = await oauthError(() => tokenRequest(basic, oauth.ClientSecretBasic(`${basicSecret}x`)));
  assertEq(e, { status: 401, error: 'invalid_client' }, 'answer');
});
await check('unknown client: 401 invalid_client', async () => {
  const e = await oauthError(() => tokenRequest({ client_id: 'no-such-client' }, oauth.ClientSecretBasic(basicSecret)));
  assertEq(e, { status: 401, error: 'invalid_client' }, 'answer');
});
await check('a scope the client does not have: 400 invalid_scope', async () => {
  const e = await oauthError(() => tokenRequest(basic, oauth.ClientSecretBasic(basicSecret), { scope: 'points:read admin' }));
  assertEq(e, { status: 400, error: 'invalid_scope' }, 'answer');
});

// ------------------------------------------------ the tokens, verified

await check('oauth4webapi validateJwtAccessToken (RFC 9068) accepts every token', async () => {
  assert(tokens.basic && tokens.post && tokens.pkjwt, 'a token is missing');
  await rfc9068Check(tokens.basic, basic.client_id);
  await rfc9068Check(tokens.post, basic.client_id);
  await rfc9068Check(tokens.pkjwt, pkjwt.client_id);
});
await check('validateJwtAccessToken refuses them for another audience', async () => {
  const request = new Request(apiMe, { headers: { authorization: `Bearer ${tokens.basic}` } });
  let refused = false;
  await oauth.validateJwtAccessToken(as, request, 'another-api').catch(() => { refused = true; });
  assert(refused, 'accepted for audience "another-api"');
});
await check('jose jwtVerify with the remote JWKS: iss, aud, typ at+jwt, alg, claims', async () => {
  await joseCheck(tokens.basic, basic.client_id, 'points:read');
  await joseCheck(tokens.post, basic.client_id, FULL_SCOPE);
  await joseCheck(tokens.pkjwt, pkjwt.client_id, FULL_SCOPE);
});

// ------------------------------------------------ Jetstream's API

await check('GET /v1/me with a token: 200 and the token\'s principal', async () => {
  const r = await bearerGet(apiMe, tokens.pkjwt);
  assertEq(r.status, 200, 'status');
  assertEq(r.body.client_id, pkjwt.client_id, 'client_id');
  assertEq(r.body.sub, pkjwt.client_id, 'sub');
  assertEq(r.body.iss, as.issuer, 'iss');
  assertEq(r.body.scope, FULL_SCOPE, 'scope');
  assertEq(r.body.buildings, { 'hq-1': 'operator' }, 'buildings');
});
await check('GET /v1/me: tampered, forged, absent tokens are refused with a Bearer challenge', async () => {
  const tampered = await bearerGet(apiMe, tamper(tokens.basic));
  assertEq(tampered.status, 401, 'tampered: status');
  assert(/^Bearer /.test(tampered.headers.get('www-authenticate') ?? '') &&
    /error="invalid_token"/.test(tampered.headers.get('www-authenticate')), 'tampered: WWW-Authenticate');
  // The same claims and kid, signed with a key the issuer never had.
  const payload = jose.decodeJwt(tokens.basic);
  const protectedHeader = jose.decodeProtectedHeader(tokens.basic);
  const { privateKey } = await jose.generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : alg);
  const forged = await new jose.SignJWT(payload).setProtectedHeader(protectedHeader).sign(privateKey);
  assertEq((await bearerGet(apiMe, forged)).status, 401, 'forged: status');
  const none = await fetch(apiMe);
  assertEq(none.status, 401, 'no token: status');
  assert(/^Bearer/.test(none.headers.get('www-authenticate') ?? ''), 'no token: WWW-Authenticate');
});

// ------------------------------------------ introspection and revocation

await check('introspection (RFC 7662) via oauth4webapi: active, with the token\'s claims', async () => {
  const res = await oauth.introspectionRequest(as, basic, oauth.ClientSecretBasic(basicSecret), tokens.post);
  const r = await oauth.processIntrospectionResponse(as, basic, res);
  assertEq(r.active, true, 'active');
  assertEq(r.client_id, basic.client_id, 'client_id');
  assertEq(r.scope, FULL_SCOPE, 'scope');
});
await check('revocation (RFC 7009) via oauth4webapi; then inactive and refused by the API', async () => {
  const res = await oauth.revocationRequest(as, basic, oauth.ClientSecretBasic(basicSecret), tokens.post);
  await oauth.processRevocationResponse(res);
  const ires = await oauth.introspectionRequest(as, basic, oauth.ClientSecretBasic(basicSecret), tokens.post);
  const r = await oauth.processIntrospectionResponse(as, basic, ires);
  assertEq(r.active, false, 'active after revocation');
  // The API learns revocations from the store it shares with the
  // authorization server (polled): allow it a few seconds.
  let status;
  for (let i = 0; i < 50; i += 1) {
    status = (await bearerGet(apiMe, tokens.post)).status;
    if (status === 401) break;
    await new Promise((ok) => { setTimeout(ok, 100); });
  }
  assertEq(status, 401, 'API status for the revoked token after 5 s');
  assertEq((await bearerGet(apiMe, tokens.basic)).status, 200, 'another token of the client still works');
});

// ------------------------------------------ tls_client_auth (RFC 8705)

if (process.env.MTLS_ID) {
  const mtls = { client_id: process.env.MTLS_ID };
  const withCert = tlsFetch({ ca, cert: env('MTLS_CERT'), key: env('MTLS_KEY') });
  const x5t = createHash('sha256').update(new X509Certificate(readFileSync(env('MTLS_CERT'))).raw)
    .digest('base64url');
  let bound;
  await check('client_credentials + tls_client_auth: a certificate-bound token (cnf.x5t#S256)', async () => {
    const r = await tokenRequest(mtls, oauth.TlsClientAuth(), { scope: 'points:read' },
      { [oauth.customFetch]: withCert });
    bound = r.access_token;
    const { payload } = await jose.jwtVerify(bound, jwks, {
      issuer: as.issuer, audience, typ: 'at+jwt', algorithms: [alg],
    });
    assertEq(payload.client_id, mtls.client_id, 'client_id');
    assertEq(payload.cnf, { 'x5t#S256': x5t }, 'cnf');
  });
  await check('tls_client_auth without a certificate: 401 invalid_client', async () => {
    const e = await oauthError(() => tokenRequest(mtls, oauth.TlsClientAuth()));
    assertEq(e, { status: 401, error: 'invalid_client' }, 'answer');
  });
  await check('GET /v1/me with the bound token: 200 over the same certificate, 401 without it', async () => {
    assert(bound, 'no bound token');
    const ok = await bearerGet(apiMe, bound, withCert);
    assertEq(ok.status, 200, 'with the certificate: status');
    assertEq(ok.body.certificate_bound, true, 'certificate_bound');
    assertEq((await bearerGet(apiMe, bound)).status, 401, 'without the certificate: status');
  });
}

finish();
