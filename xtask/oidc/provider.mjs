// The OpenID provider keyway-oauth's end-to-end tests sign in against.
//
// `cargo xtask services` copies this file with package.json and
// package-lock.json to $HOME/.cache/keyway/oidc, runs `npm ci` there and
// starts it. It listens on http://127.0.0.1:4700 (the issuer) and is for
// tests only:
//
// - login and consent are automatic: the account is the authorization
//   request's `login_hint` (alice, bob or carol; alice when missing), and
//   `login_hint=deny` answers `error=access_denied`;
// - any loopback `http` redirect URI ending in `/callback/<provider id>` is
//   accepted, so a test or the demo may run on any port;
// - refresh tokens are issued whenever the client may use the
//   refresh_token grant, and rotate on every use;
// - ID tokens carry the profile claims (name, email, picture), so a client
//   can read the profile from the ID token alone;
// - `GET /test/refreshes/<account>` answers how many refresh_token grants
//   the account has had since the provider started (`{"refreshes": n}`),
//   so a test can tell how many refresh requests reached the provider.
//
// Clients (id / secret):
//   keyway-basic  / keyway-basic-secret   client_secret_basic, RS256 ID tokens
//   keyway-post   / keyway-post-secret    client_secret_post
//   keyway-public / (none)                public client (PKCE)
//   keyway-es256  / keyway-es256-secret   ES256 ID tokens
//   keyway-hs256  / keyway-hs256-secret-that-is-long-enough-0123   HS256 ID tokens

import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.KEYWAY_OIDC_PORT ?? 4700);
const ISSUER = `http://127.0.0.1:${PORT}`;

const ACCOUNTS = {
  alice: {
    name: 'Alice Liddell',
    email: 'alice@example.com',
    email_verified: true,
    picture: 'https://example.com/alice.png',
    preferred_username: 'alice',
  },
  bob: {
    name: 'Bob Builder',
    email: 'bob@example.com',
    email_verified: true,
    picture: 'https://example.com/bob.png',
    preferred_username: 'bob',
  },
  carol: {
    name: 'Carol Danvers',
    email: 'carol@example.com',
    email_verified: false,
    preferred_username: 'carol',
  },
};

const signingKey = (type, options) => {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig' };
};

const confidential = (id, secret, extra = {}) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1:3000/api/auth/callback/oidc'],
  ...extra,
});

const provider = new Provider(ISSUER, {
  clients: [
    confidential('keyway-basic', 'keyway-basic-secret', {
      token_endpoint_auth_method: 'client_secret_basic',
    }),
    confidential('keyway-post', 'keyway-post-secret', {
      token_endpoint_auth_method: 'client_secret_post',
    }),
    {
      client_id: 'keyway-public',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:3000/api/auth/callback/oidc'],
    },
    confidential('keyway-es256', 'keyway-es256-secret', {
      id_token_signed_response_alg: 'ES256',
    }),
    confidential('keyway-hs256', 'keyway-hs256-secret-that-is-long-enough-0123', {
      id_token_signed_response_alg: 'HS256',
    }),
  ],
  jwks: {
    keys: [
      signingKey('rsa', { modulusLength: 2048 }),
      signingKey('ec', { namedCurve: 'P-256' }),
    ],
  },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'ES256', 'HS256'],
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'picture', 'preferred_username'],
  },
  conformIdTokenClaims: false,
  cookies: { keys: ['keyway-test-oidc-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  async findAccount(_ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
});

// Accept any loopback callback URL: tests and the demo pick their own port.
const isLoopbackCallback = (value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:'
      && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
      && /\/callback\/[A-Za-z0-9_-]+$/.test(url.pathname);
  } catch {
    return false;
  }
};
const registered = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  return registered.call(this, value) || isLoopbackCallback(value);
};

// Refresh grants per account, for tests that count them.
const refreshes = {};
provider.on('grant.success', (ctx) => {
  if (ctx.oidc.params.grant_type !== 'refresh_token') return;
  const account = ctx.oidc.entities.Account?.accountId
    ?? ctx.oidc.entities.RefreshToken?.accountId;
  if (account) refreshes[account] = (refreshes[account] ?? 0) + 1;
});
provider.use(async (ctx, next) => {
  const match = /^\/test\/refreshes\/([A-Za-z0-9_-]+)$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') return next();
  ctx.type = 'application/json';
  ctx.body = JSON.stringify({ refreshes: refreshes[match[1]] ?? 0 });
  return undefined;
});

// Automatic login and consent.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { prompt, params, session } = details;
  const hint = params.login_hint;
  ctx.respond = false;
  if (hint === 'deny') {
    await provider.interactionFinished(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'the test user refused',
    }, { mergeWithLastSubmission: false });
    return undefined;
  }
  if (prompt.name === 'login') {
    const accountId = ACCOUNTS[hint] ? hint : 'alice';
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId } }, {
      mergeWithLastSubmission: false,
    });
    return undefined;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, {
    mergeWithLastSubmission: true,
  });
  return undefined;
});

provider.listen(PORT, '127.0.0.1', () => {
  console.log(`keyway test OpenID provider: issuer ${ISSUER}`);
});
