// A real OpenID Provider on loopback for sendpanel's sign-in tests: the certified
// `oidc-provider` package, configured for one confidential client, with a sign-in page a
// program or headless Chromium can fill in, and a test-only control endpoint that makes
// the next ID token come back wrong in one chosen way, signed for real, so the Rust
// client's refusals are tested against genuine signatures rather than mocks.
//
// Started by web/tests/support/oidc.rs:
//
//   node provider.mjs --port 0 --client-id ID --client-secret SECRET \
//        --redirect-uri http://127.0.0.1:1/callback [--redirect-uri ...] [--issuer-host localhost]
//
// With `--port 0` the system picks the port. The first line on stdout is always
// `listening on port <N>`; the issuer is `http://<issuer-host>:<N>` (issuer-host defaults
// to 127.0.0.1; another host name gives a provider whose issuer the client does not expect).
//
// The sign-in page (GET /interaction/<uid>) has a form `#sign-in` with fields `email`
// (the account id, also the `email` claim) and `groups` (comma-separated, the `groups`
// claim) and a submit button `#sign-in-submit`; consent is granted without asking, as a
// council's own identity provider does for its own applications.
//
// Test control (loopback only, no authentication: never run this outside tests):
//   POST /test/next-id-token?tamper=<kind>   the next ID token from /token is re-signed:
//     wrong_audience  `aud` is another client
//     expired         `exp` (and `iat`) an hour in the past
//     wrong_issuer    `iss` is another issuer
//     rotated_key     signed with a new key, published in /jwks from now on (a rotation)
//     unknown_key     signed with a new key that is never published
//     bad_signature   the signature bytes altered

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.OIDC_TEST_PORT ?? '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'issuer-host': { type: 'string', default: '127.0.0.1' },
  },
});

for (const required of ['client-id', 'client-secret', 'redirect-uri']) {
  if (!args[required]) {
    console.error(`provider.mjs: --${required} is required`);
    process.exit(2);
  }
}

const ALG = 'RS256';
const TAMPERS = new Set([
  'wrong_audience', 'expired', 'wrong_issuer', 'rotated_key', 'unknown_key', 'bad_signature',
]);

/** A fresh RSA signing key as a private JWK, with its key id. */
async function newSigningKey(kid) {
  const { privateKey } = await jose.generateKeyPair(ALG, { extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: ALG, use: 'sig' };
}

/** The public half of a private JWK, as /jwks publishes it. */
function publicHalf({ kty, n, e, kid, alg, use }) {
  return { kty, n, e, kid, alg, use };
}

const signingKey = await newSigningKey('test-key-1');
/** Keys added by `rotated_key`, published beside the provider's own. */
const extraPublished = [];
/** The tamper the next ID token gets, if any (one token only). */
let nextTamper = null;

/** Groups typed at sign-in, by account id (the e-mail). */
const groupsByAccount = new Map();

async function findAccount(_ctx, id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: id,
        email_verified: true,
        name: id,
        groups: groupsByAccount.get(id) ?? [],
      };
    },
  };
}

const configuration = {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: args['redirect-uri'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  // Claims go in the ID token itself, as Entra ID and Google put `email` there.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  findAccount,
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  // First-party: grant what the client asked for without a consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope ?? 'openid');
    await grant.save();
    return grant;
  },
};

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function signInPage(uid) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider: sign in</title></head>
<body>
<h1>Test identity provider</h1>
<form id="sign-in" method="post" action="/interaction/${escapeHtml(uid)}/login">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="off" required>
  <label for="groups">Groups (comma-separated)</label>
  <input id="groups" name="groups" type="text" autocomplete="off">
  <button id="sign-in-submit" type="submit">Sign in</button>
</form>
</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

/** Re-signs the ID token in a /token answer as the pending tamper asks. */
async function tamperWith(idToken, tamper, issuer) {
  const claims = jose.decodeJwt(idToken);
  let key = signingKey;
  const now = Math.floor(Date.now() / 1000);
  switch (tamper) {
    case 'wrong_audience':
      claims.aud = 'some-other-client';
      delete claims.azp;
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'wrong_issuer':
      claims.iss = `${issuer}/someone-else`;
      break;
    case 'rotated_key':
      key = await newSigningKey(`rotated-${randomBytes(4).toString('hex')}`);
      extraPublished.push(publicHalf(key));
      break;
    case 'unknown_key':
      key = await newSigningKey(`unknown-${randomBytes(4).toString('hex')}`);
      break;
    default:
      break;
  }
  const privateKey = await jose.importJWK(key, ALG);
  const signed = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: 'JWT' })
    .sign(privateKey);
  if (tamper !== 'bad_signature') return signed;
  const [header, payload, signature] = signed.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] ^= 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

const server = createServer();
server.listen(Number(args.port), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://${args['issuer-host']}:${port}`;
  const provider = new Provider(issuer, configuration);

  provider.use(async (ctx, next) => {
    if (ctx.path === '/test/next-id-token' && ctx.method === 'POST') {
      const tamper = ctx.query.tamper;
      if (!TAMPERS.has(tamper)) {
        ctx.status = 400;
        ctx.body = { error: `unknown tamper ${tamper}; use one of ${[...TAMPERS].join(', ')}` };
        return;
      }
      nextTamper = tamper;
      ctx.body = { tamper };
      return;
    }

    const interaction = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (interaction) {
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== interaction[1]) ctx.throw(400, 'interaction mismatch');
      if (ctx.method === 'GET' && !interaction[2]) {
        ctx.type = 'html';
        ctx.set('cache-control', 'no-store');
        ctx.body = signInPage(details.uid);
        return;
      }
      if (ctx.method === 'POST' && interaction[2]) {
        const form = await readForm(ctx.req);
        const email = (form.get('email') ?? '').trim();
        if (!email) ctx.throw(400, 'email is required');
        const groups = (form.get('groups') ?? '')
          .split(',').map((g) => g.trim()).filter(Boolean);
        groupsByAccount.set(email, groups);
        await provider.interactionFinished(ctx.req, ctx.res, {
          login: { accountId: email },
        }, { mergeWithLastSubmission: false });
        ctx.respond = false;
        return;
      }
    }

    await next();

    if (ctx.path === '/jwks' && ctx.status === 200 && extraPublished.length > 0) {
      const body = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : ctx.body;
      ctx.body = { keys: [...body.keys, ...extraPublished] };
    }
    if (ctx.path === '/token' && ctx.status === 200 && nextTamper && ctx.body?.id_token) {
      const tamper = nextTamper;
      nextTamper = null;
      ctx.body = { ...ctx.body, id_token: await tamperWith(ctx.body.id_token, tamper, issuer) };
    }
  });

  server.on('request', provider.callback());
  console.log(`listening on port ${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
