// deps.mjs - this package's npm dependencies, re-exported for scripts
// outside tests/interop (bench/token/*.mjs), whose bare imports would not
// find tests/interop/node_modules.
export * as jose from 'jose';
export * as oauth from 'oauth4webapi';
