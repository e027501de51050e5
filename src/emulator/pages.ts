import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, readForm, sendHtml } from './http.js';
import type { Issuer } from './issuer.js';
import { DEMO_USER, type User, type UserDirectory } from './users.js';

/** One-time form tokens (CSRF), valid for ten minutes. */
const formTokens = new Map<string, number>();

function newFormToken(): string {
  const now = Date.now();
  for (const [token, expires] of formTokens) if (expires < now) formTokens.delete(token);
  const token = randomBytes(16).toString('hex');
  formTokens.set(token, now + 600_000);
  return token;
}

function takeFormToken(token: string | null): boolean {
  if (!token) return false;
  const expires = formTokens.get(token);
  formTokens.delete(token);
  return expires !== undefined && expires >= Date.now();
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin-top:8vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px #0002;min-width:22rem;max-width:28rem}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}
.buttons{display:flex;gap:.8rem;margin-top:1.4rem}button{flex:1;padding:.6rem;font-size:1rem;border-radius:4px;border:1px solid #888;cursor:pointer}
button.approve{background:#1f6feb;color:#fff;border-color:#1f6feb}.error{color:#b00020}.hint{color:#555;font-size:.9rem}
code{font-size:1.1rem}
</style></head><body><main>${body}</main></body></html>`;
}

function loginForm(opts: { heading: string; intro: string; action: string; userCode?: string; error?: string; username?: string }): string {
  const codeField =
    opts.userCode === undefined
      ? ''
      : `<label for="user_code">Code shown in your terminal</label>
<input id="user_code" name="user_code" autocomplete="off" value="${escapeHtml(opts.userCode)}" required>`;
  return page(
    opts.heading,
    `<h1>${escapeHtml(opts.heading)}</h1>
<p>${opts.intro}</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<!-- Approve comes first: Enter in a field submits the first button. -->
<form method="post" action="${escapeHtml(opts.action)}">
<input type="hidden" name="form_token" value="${newFormToken()}">
${codeField}
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" value="${escapeHtml(opts.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<div class="buttons">
<button type="submit" name="action" value="approve" class="approve">Approve</button>
<button type="submit" name="action" value="deny" class="deny" formnovalidate>Deny</button>
</div>
</form>
<p class="hint">Emulator demo user: <b>${DEMO_USER.username}</b> / <b>${DEMO_USER.password}</b></p>`,
  );
}

function message(res: ServerResponse, status: number, heading: string, text: string): void {
  sendHtml(res, status, page(heading, `<h1>${escapeHtml(heading)}</h1><p id="result">${escapeHtml(text)}</p>`));
}

const DEVICE_OUTCOME: Record<'approved' | 'denied' | 'not_found' | 'expired' | 'used', [number, string, string]> = {
  approved: [200, 'Device approved', 'Signed in. You can return to your terminal.'],
  denied: [200, 'Login denied', 'The login was denied. You can close this page.'],
  not_found: [400, 'Unknown code', 'That code is not valid. Check the code shown in your terminal.'],
  expired: [400, 'Code expired', 'That code has expired. Start the login again.'],
  used: [400, 'Code already used', 'That code has already been used.'],
};

/**
 * The device verification page (RFC 8628 `verification_uri`): a user code, the demo user's
 * credentials, and Approve / Deny buttons. False when `url` is not this issuer's page.
 */
export async function handleDevicePage(
  issuer: Issuer,
  users: UserDirectory,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const action = issuer.prefix + issuer.routes.code_verification;
  if (url.pathname !== action) return false;
  const intro = `Sign in to approve the login of <b>eun</b> on <code>${escapeHtml(issuer.issuer)}</code>.`;
  if (req.method === 'GET') {
    sendHtml(res, 200, loginForm({ heading: 'Device login', intro, action, userCode: url.searchParams.get('user_code') ?? '' }));
    return true;
  }
  if (req.method !== 'POST') {
    message(res, 405, 'Method not allowed', 'Use the form.');
    return true;
  }
  const form = await readForm(req);
  const userCode = form.get('user_code') ?? '';
  if (!takeFormToken(form.get('form_token'))) {
    message(res, 400, 'Form expired', 'The form has expired. Reload the page and try again.');
    return true;
  }
  let user: User | undefined;
  if (form.get('action') === 'approve') {
    user = users.authenticate(form.get('username') ?? '', form.get('password') ?? '');
    if (!user) {
      const error = 'Wrong username or password.';
      sendHtml(res, 401, loginForm({ heading: 'Device login', intro, action, userCode, error, username: form.get('username') ?? '' }));
      return true;
    }
  }
  const outcome = await issuer.decideDeviceCode(userCode, user?.sub);
  const [status, heading, text] = DEVICE_OUTCOME[outcome];
  message(res, status, heading, text);
  return true;
}

/**
 * The login and consent page of the authorization code flow (oidc-provider interactions).
 * With auto-approve it signs the demo user in and consents without a form.
 */
export async function handleInteraction(
  issuer: Issuer,
  users: UserDirectory,
  autoApprove: boolean,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const prefix = `${issuer.prefix}/interaction/`;
  if (!url.pathname.startsWith(prefix)) return false;
  const { provider } = issuer;
  let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    message(res, 400, 'Login expired', 'This login request has expired or is unknown. Start the login again.');
    return true;
  }
  const scopes = String(details.params.scope ?? 'openid').split(' ').filter(Boolean);
  // Consent follows a successful sign-in (the Approve button) and is given without a form.
  if (details.prompt.name === 'consent') {
    const grantId = await issuer.completeGrant(details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return true;
  }
  const finish = (user: User) =>
    provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  if (req.method === 'GET') {
    if (autoApprove) {
      await finish(DEMO_USER);
      return true;
    }
    const intro = `<b>eun</b> asks to sign in to <code>${escapeHtml(issuer.issuer)}</code> with the scopes <code>${escapeHtml(scopes.join(' '))}</code>.`;
    sendHtml(res, 200, loginForm({ heading: 'Sign in', intro, action: url.pathname }));
    return true;
  }
  if (req.method !== 'POST') {
    message(res, 405, 'Method not allowed', 'Use the form.');
    return true;
  }
  const form = await readForm(req);
  if (!takeFormToken(form.get('form_token'))) {
    message(res, 400, 'Form expired', 'The form has expired. Reload the page and try again.');
    return true;
  }
  if (form.get('action') !== 'approve') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User denied the login' },
      { mergeWithLastSubmission: false },
    );
    return true;
  }
  const user = users.authenticate(form.get('username') ?? '', form.get('password') ?? '');
  if (!user) {
    const intro = 'Sign in to continue.';
    sendHtml(res, 401, loginForm({ heading: 'Sign in', intro, action: url.pathname, error: 'Wrong username or password.' }));
    return true;
  }
  await finish(user);
  return true;
}
