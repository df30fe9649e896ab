// Signing in to the consoles. With the centre's identity provider (GET /api/sign-in names it): OIDC's
// authorization code flow with PKCE, the tokens kept in localStorage so that every tab of this browser shares
// the session, renewed with the refresh token before they expire; a refusal to renew (the provider's session
// has ended) signs the page out. Without a provider: an API key, kept for the tab only (sessionStorage).
import { api, keyStore, pageUrl, say } from "./common.js";

const SESSION = "zhida.session"; // {access, refresh, id, expires (ms)}
const PENDING = "zhida.signin.pending"; // {state, nonce, verifier, page, place}: the tab's sign-in on its way
// The view (#/…) a person who signed out to switch accounts had opened: the provider returns without a fragment.
const PLACE = "zhida.signin.place";
const RENEW_BEFORE_MS = 60_000;

const encoder = new TextEncoder();
const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const read = (name, store = localStorage) => {
  try {
    return JSON.parse(store.getItem(name) || "null");
  } catch {
    return null;
  }
};

let discovered = null;
async function discovery(provider) {
  if (!discovered) {
    const response = await fetch(provider.issuer + "/.well-known/openid-configuration");
    if (!response.ok) throw new Error("discovery");
    discovered = await response.json();
  }
  return discovered;
}

// The token endpoint's answer, or null when it refuses (invalid_grant: the provider's session is over).
async function tokenCall(provider, fields) {
  const { token_endpoint: endpoint } = await discovery(provider);
  const response = await fetch(endpoint, { method: "POST", body: new URLSearchParams({ client_id: provider.client_id, ...fields }) });
  if (response.status === 400 || response.status === 401) return null;
  if (!response.ok) throw new Error("token endpoint " + response.status);
  return response.json();
}

function keep(tokens, earlier = {}) {
  const session = {
    access: tokens.access_token,
    refresh: tokens.refresh_token || earlier.refresh || "",
    id: tokens.id_token || earlier.id || "",
    expires: Date.now() + 1000 * (Number(tokens.expires_in) || 300),
  };
  localStorage.setItem(SESSION, JSON.stringify(session));
  return session;
}

// The ID token's claims, read only to check the nonce we sent: the API checks signatures, not the page.
function idClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

// Back from the provider (?code=…&state=…): the code exchanged for tokens, and the address cleaned.
async function finishRedirect(provider) {
  const url = new URL(location.href);
  const state = url.searchParams.get("state");
  const code = url.searchParams.get("code");
  if (!state || !(code || url.searchParams.has("error"))) return "";
  const pending = read(PENDING, sessionStorage);
  sessionStorage.removeItem(PENDING);
  for (const name of ["code", "state", "error", "error_description", "session_state", "iss"]) url.searchParams.delete(name);
  if (pending?.state === state && pending.place) url.hash = pending.place; // the view the link named, opened now
  history.replaceState(null, "", url);
  if (!pending || pending.state !== state) return "登录没有完成（页面已过期），请重新登录。";
  if (!code) return "统一身份认证没有完成登录，请重试。";
  const tokens = await tokenCall(provider, {
    grant_type: "authorization_code",
    code,
    redirect_uri: pending.page,
    code_verifier: pending.verifier,
  }).catch(() => null);
  if (!tokens || !tokens.access_token) return "登录没有完成，请重新登录。";
  if (tokens.id_token && idClaims(tokens.id_token).nonce !== pending.nonce) return "登录的回复与请求不符，请重新登录。";
  keep(tokens);
  return "";
}

async function renewed(provider) {
  const run = async () => {
    const session = read(SESSION);
    if (!session) return "";
    if (session.expires - Date.now() > RENEW_BEFORE_MS) return session.access; // another tab renewed it
    if (!session.refresh) return session.expires > Date.now() ? session.access : "";
    let tokens;
    try {
      tokens = await tokenCall(provider, { grant_type: "refresh_token", refresh_token: session.refresh });
    } catch {
      return session.expires > Date.now() ? session.access : ""; // the provider is unreachable: keep what works
    }
    if (!tokens || !tokens.access_token) {
      localStorage.removeItem(SESSION);
      return "";
    }
    return keep(tokens, session).access;
  };
  // One renewal at a time across this browser's tabs: a refresh token is used once.
  return navigator.locks ? navigator.locks.request(SESSION, run) : run();
}

// The console's credential: its get() is what every API call sends (await it), clear() forgets it.
export function credentials(keyName) {
  const keys = keyStore(keyName);
  let provider = null;
  let problem = "";
  const mode = api("sign-in")
    .then(async (options) => {
      provider = options.provider;
      if (provider) problem = await finishRedirect(provider);
      return provider;
    })
    .catch(() => null);
  return {
    mode,
    problem: () => problem,
    async get() {
      await mode;
      if (!provider) return keys.get();
      const session = read(SESSION);
      if (!session) return "";
      return session.expires - Date.now() > RENEW_BEFORE_MS ? session.access : renewed(provider);
    },
    set: (key) => keys.set(key),
    clear() {
      keys.clear();
      localStorage.removeItem(SESSION);
    },
    // To the provider's sign-in page; it sends the browser back to this page with a code.
    async begin() {
      const { authorization_endpoint: endpoint } = await discovery(provider);
      const page = pageUrl(location.pathname.split("/").pop() || "").href;
      const place = location.hash || sessionStorage.getItem(PLACE) || "";
      sessionStorage.removeItem(PLACE);
      const pending = { state: randomText(), nonce: randomText(), verifier: randomText(), page, place };
      sessionStorage.setItem(PENDING, JSON.stringify(pending));
      const challenge = base64url(await crypto.subtle.digest("SHA-256", encoder.encode(pending.verifier)));
      const url = new URL(endpoint);
      for (const [name, value] of Object.entries({
        response_type: "code",
        client_id: provider.client_id,
        redirect_uri: page,
        scope: provider.scopes,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: challenge,
        code_challenge_method: "S256",
      })) url.searchParams.set(name, value);
      location.assign(url);
    },
    // Forget the session here, and end it at the provider too (every tab and app signed in through it).
    async end() {
      const session = read(SESSION);
      this.clear();
      if (!provider) return;
      const { end_session_endpoint: endpoint } = await discovery(provider).catch(() => ({}));
      if (!endpoint) return;
      const url = new URL(endpoint);
      url.searchParams.set("client_id", provider.client_id);
      url.searchParams.set("post_logout_redirect_uri", pageUrl(location.pathname.split("/").pop() || "").href);
      if (session?.id) url.searchParams.set("id_token_hint", session.id);
      location.assign(url);
    },
  };
}

// The sign-in form of a console: the provider's button, or the API key field. Whoever is signed in is tried on
// `probe` (401: no longer signed in; 403: signed in but no role here) before the console opens.
export async function signInWith(credential, probe, signedIn) {
  const form = document.getElementById("signin");
  const input = document.getElementById("key");
  const status = document.getElementById("signin-status");
  const provider = await credential.mode;
  let switchPerson = false;
  const notice = credential.problem();
  if (provider) {
    input.hidden = input.labels[0].hidden = true;
    input.required = false;
    form.querySelector("button[type=submit]").textContent = "通过统一身份认证登录";
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (switchPerson) {
      if (location.hash) sessionStorage.setItem(PLACE, location.hash);
      credential.end();
    } else if (provider) {
      say(status, "正在前往统一身份认证…");
      credential.begin().catch(() => say(status, "统一身份认证暂时无法访问，请稍后再试。", true));
      return;
    }
    const candidate = input.value.trim();
    say(status, "正在验证…");
    try {
      await api(probe, { key: candidate });
    } catch (problem) {
      say(status, problem.message, true);
      return;
    }
    credential.set(candidate);
    input.value = "";
    say(status, "");
    signedIn(true);
  });
  // Signed out in another tab: this one follows.
  window.addEventListener("storage", (event) => {
    if (provider && event.key === SESSION && !event.newValue) signedIn(false);
  });
  const token = await credential.get();
  if (!token) {
    signedIn(false);
    if (notice) say(status, notice, true);
    return;
  }
  try {
    await api(probe, { key: token });
    signedIn(true);
  } catch (problem) {
    if (problem.status === 401) credential.clear();
    signedIn(false, problem);
    say(status, problem.message, true);
    if (problem.status === 403 && provider) {
      // Signed in as someone this console is not for: they may sign out there and in as another person.
      switchPerson = true;
      form.querySelector("button[type=submit]").textContent = "退出，换一个账号登录";
    }
  }
}
