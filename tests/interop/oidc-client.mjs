// oidc-client.mjs - Jetstream's token verifier (`jetstream api`, GET
// /v1/me) fed access tokens from an independent authorization server
// (oidc-provider, run by oidc-peer.mjs).  Driven by test_oidc_provider.sh.
//
// Environment:
//   API_URL          the API service (https://localhost:PORT)
//   PEERS            space-separated NAME=ISSUER=ALG=SHAPE, one per peer
//                    (e.g. "okta=https://localhost:1234=RS256=okta")
//   CLIENT_ID, CLIENT_SECRET    a client of every peer with scope
//                    "points:read commands:write" and groups
//                    jetstream:hq-1:operator, jetstream:annex:viewer, Everyone
//   CLIENT2_ID, CLIENT2_SECRET  a client with groups that grant nothing
//   NODE_EXTRA_CA_CERTS         trusts the peers' and the API's certificates
import process from 'node:process';

import * as jose from 'jose';
import * as oauth from 'oauth4webapi';

import {
  assert, assertEq, bearerGet, check, env, finish, tamper,
} from './common.mjs';

const apiMe = new URL('/v1/me', env('API_URL')).href;
const client = { client_id: env('CLIENT_ID') };
const secret = env('CLIENT_SECRET');
const client2 = { client_id: env('CLIENT2_ID') };
const secret2 = env('CLIENT2_SECRET');
const SCOPE = 'points:read commands:write';
const peers = env('PEERS').split(' ').filter(Boolean).map((p) => {
  const [name, issuer, alg, shape] = p.split('=');
  return { name, issuer, alg, shape };
});

function isBearerChallenge(h) {
  return /^Bearer /.test(h ?? '') && /error="invalid_token"/.test(h);
}

for (const peer of peers) {
  const issuerUrl = new URL(peer.issuer);
  let as;
  let jwks;
  const getToken = async (c, s, params = { scope: SCOPE }) => {
    const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(s),
      new URLSearchParams(params));
    return (await oauth.processClientCredentialsResponse(as, c, res)).access_token;
  };
  const tag = `[${peer.name}: oidc-provider, ${peer.alg}, ${peer.shape} claims]`;

  await check(`${tag} discovery of the peer (oauth4webapi)`, async () => {
    const res = await oauth.discoveryRequest(issuerUrl, { algorithm: 'oidc' });
    as = await oauth.processDiscoveryResponse(issuerUrl, res);
    assertEq(as.issuer, peer.issuer, 'issuer');
    jwks = jose.createRemoteJWKSet(new URL(as.jwks_uri));
  });
  if (as === undefined) continue;

  let token;
  await check(`${tag} the peer issues a JWT access token, valid for jose`, async () => {
    token = await getToken(client, secret);
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
      issuer: peer.issuer, audience: 'jetstream', algorithms: [peer.alg],
    });
    assertEq(protectedHeader.alg, peer.alg, 'alg');
    if (peer.shape === 'okta') {
      assertEq(protectedHeader.typ, undefined, 'typ');
      assertEq(payload.cid, client.client_id, 'cid');
      assertEq(payload.scp, SCOPE.split(' '), 'scp');
      assertEq([payload.client_id, payload.scope], [undefined, undefined], 'client_id, scope');
    } else {
      assertEq(protectedHeader.typ, 'at+jwt', 'typ');
      assertEq(payload.client_id, client.client_id, 'client_id');
      assertEq(payload.scope, SCOPE, 'scope');
    }
  });
  if (token === undefined) continue;

  await check(`${tag} Jetstream's API accepts it: 200 with the mapped principal`, async () => {
    const r = await bearerGet(apiMe, token);
    assertEq(r.status, 200, `status (body ${JSON.stringify(r.body)})`);
    assertEq(r.body.iss, peer.issuer, 'iss');
    assertEq(r.body.client_id, client.client_id, 'client_id');
    assertEq(r.body.sub, client.client_id, 'sub');
    assertEq(r.body.scope, SCOPE, 'scope');
    assertEq(r.body.buildings, { 'hq-1': 'operator', annex: 'viewer' }, 'buildings');
    assertEq(r.body.exp, jose.decodeJwt(token).exp, 'exp');
  });
  await check(`${tag} groups without the prefix grant nothing: 200, no buildings`, async () => {
    const r = await bearerGet(apiMe, await getToken(client2, secret2, { scope: 'points:read' }));
    assertEq(r.status, 200, 'status');
    assertEq(r.body.client_id, client2.client_id, 'client_id');
    assertEq(r.body.scope, 'points:read', 'scope');
    assertEq(r.body.buildings, {}, 'buildings');
  });
  await check(`${tag} a tampered token: 401 invalid_token`, async () => {
    const r = await bearerGet(apiMe, tamper(token));
    assertEq(r.status, 401, 'status');
    assert(isBearerChallenge(r.headers.get('www-authenticate')), 'WWW-Authenticate');
  });
  await check(`${tag} the same claims and kid signed by another key: 401`, async () => {
    const { privateKey } = await jose.generateKeyPair(peer.alg);
    const forged = await new jose.SignJWT(jose.decodeJwt(token))
      .setProtectedHeader(jose.decodeProtectedHeader(token)).sign(privateKey);
    const r = await bearerGet(apiMe, forged);
    assertEq(r.status, 401, 'status');
    assert(isBearerChallenge(r.headers.get('www-authenticate')), 'WWW-Authenticate');
  });
  await check(`${tag} a token of the same issuer for another audience: 401`, async () => {
    const other = await getToken(client, secret, { scope: SCOPE, resource: 'urn:other:api' });
    assertEq(jose.decodeJwt(other).aud, 'other-api', 'the peer\'s aud');
    const r = await bearerGet(apiMe, other);
    assertEq(r.status, 401, 'status');
  });
}

finish();
