// common.mjs - what the interoperability checks share: a tiny check
// runner with a plain "N passed, N failed" closing line, environment
// parameters, and a fetch over node:https that can present a client
// certificate (the global fetch cannot without an extra package).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import process from 'node:process';

let passed = 0;
let failed = 0;

// check(name, fn): runs fn (sync or async); a throw is a failure.  The
// run goes on after a failure so one report shows everything broken.
export async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    process.stdout.write(`ok - ${name}\n`);
  } catch (e) {
    failed += 1;
    const detail = e?.cause !== undefined ? ` (cause: ${safeJson(e.cause)})` : '';
    process.stdout.write(`not ok - ${name}: ${e?.message ?? e}${detail}\n`);
  }
}

function safeJson(v) {
  try {
    const s = JSON.stringify(v, (_k, x) => (x instanceof Headers ? Object.fromEntries(x) : x));
    return s.length > 600 ? `${s.slice(0, 600)}...` : s;
  } catch {
    return String(v);
  }
}

// finish(): prints the closing line and sets the exit code.
export function finish() {
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

export function fail(msg) {
  throw new Error(msg);
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function assertEq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

// env(NAME): a required environment variable.
export function env(name) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    process.stderr.write(`missing environment variable ${name}\n`);
    process.exit(2);
  }
  return v;
}

// tlsFetch({ca, cert, key}): a fetch-compatible function over node:https
// that presents the given client certificate (PEM file paths) and trusts
// ca.  Enough for oauth4webapi's customFetch and simple GETs: buffers the
// whole response, 10 s timeout, no redirects.
export function tlsFetch({ ca, cert, key }) {
  const tls = {
    ca: ca ? readFileSync(ca) : undefined,
    cert: cert ? readFileSync(cert) : undefined,
    key: key ? readFileSync(key) : undefined,
  };
  return (url, init = {}) => new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers = init.headers instanceof Headers ? Object.fromEntries(init.headers)
      : (init.headers ?? {});
    let body = init.body;
    if (body instanceof URLSearchParams) {
      body = body.toString();
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      }
    }
    const req = https.request({
      method: init.method ?? 'GET',
      hostname: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers,
      ...tls,
      agent: false,
      timeout: 10000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          for (const x of [].concat(v)) h.append(k, x);
        }
        const status = res.statusCode;
        const nobody = status === 204 || status === 304;
        resolve(new Response(nobody ? null : Buffer.concat(chunks), { status, headers: h }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${u.href}`)));
    req.on('error', reject);
    if (body !== undefined && body !== null) req.write(body);
    req.end();
  });
}

// getJson(fetchFn, url, token): GET with a bearer token; {status, body, headers}.
export async function bearerGet(url, token, fetchFn = fetch) {
  const res = await fetchFn(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, headers: res.headers };
}

// tamper(jwt): the same token with one payload character changed (the
// signature no longer matches) - still well-formed base64url.
export function tamper(jwt) {
  const [h, p, s] = jwt.split('.');
  const i = Math.floor(p.length / 2);
  const c = p[i] === 'A' ? 'B' : 'A';
  return `${h}.${p.slice(0, i)}${c}${p.slice(i + 1)}.${s}`;
}
