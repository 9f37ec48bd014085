// A real OpenID provider for tandem's tests: oidc-provider (OpenID
// Certified), from the npm registry, installed by
// `scripts/ensure-packages.sh oidc`. Run by tests/integration/oidc.rs:
//
//   node tests/oidc/provider.mjs PORT NODE_MODULES_DIR
//
// Anyone signs in with any login and password (the library's development
// interactions): the login is the subject; a login that is an e-mail
// address is also the `email` claim, vouched for (`email_verified`) unless
// it starts with "unverified.". Clients register themselves at /reg.
//
// POST /test/tamper (JSON) makes the *next* token response misbehave as a
// broken or hostile provider would, so tandem's checks meet real tokens:
//   {"claims": {"iss": "...", "aud": "...", "nonce": "...", "exp": 0}}
//       re-signed with the provider's own published key;
//   {"sign": "other"}  re-signed with the second published key (rotation);
//   {"sign": "unpublished"}  signed with a key the provider never published;
//   {"sign": "corrupt"}  the signature's bytes changed.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [port, modules] = process.argv.slice(2);
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const { default: Provider } = await load('oidc-provider/lib/index.js');
const jose = await load('jose/dist/webapi/index.js');

async function key(kid) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}
const signing = await key('first');
const second = await key('second');
const unpublished = await key('never-published');

const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  jwks: { keys: [signing, second] },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const email = id.includes('@') ? id.replace(/^unverified\./, '') : undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          ...(email && { email, email_verified: !id.startsWith('unverified.') }),
          name: email ? email.split('@')[0].replace(/\./g, ' ') : id,
        };
      },
    };
  },
  conformIdTokenClaims: false,
  cookies: { keys: ['tandem-test-provider-cookie-key'] },
});
provider.proxy = false;

let tamper = null;

async function resign(token, how) {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  Object.assign(claims, how.claims || {});
  const use = how.sign === 'other' ? second : how.sign === 'unpublished' ? unpublished : signing;
  const signed = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: use.kid, typ: 'JWT' })
    .sign(await jose.importJWK(use, 'RS256'));
  if (how.sign === 'corrupt') {
    const [h, p, s] = token.split('.');
    const bytes = Buffer.from(s, 'base64url');
    bytes[0] ^= 0xff;
    return `${h}.${p}.${bytes.toString('base64url')}`;
  }
  return how.claims || how.sign ? signed : `${header}.${payload}.${signature}`;
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/tamper' && ctx.method === 'POST') {
    let body = '';
    for await (const chunk of ctx.req) body += chunk;
    tamper = JSON.parse(body || 'null');
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const how = tamper;
    tamper = null;
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, how) };
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
