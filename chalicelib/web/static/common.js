// Shared by the three pages: the API's address, one fetch helper, safe DOM building, Chinese error messages.
// Every string that came from the API is put into the page with textContent, never parsed as HTML.

// Behind API Gateway the app lives under a stage prefix, so the API is found relative to the page.
const root = document.documentElement.dataset.root || "";
export const base = new URL(root, location.href);

export function apiUrl(path, params = {}) {
  const url = new URL("api/" + path, base);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url;
}

export function pageUrl(path) {
  return new URL(path, base);
}

const MESSAGES = {
  unauthorized: "登录已失效（已退出、已过期或密钥无效），请重新登录。",
  forbidden: "您的角色或所属单位无权执行此操作。",
  not_found: "没有找到。",
  conflict: "状态已变化（可能有人同时在改），请重新加载后再试。",
  precondition_required: "缺少修订号，请重新加载后再试。",
  rate_limited: "操作太频繁，请稍后再试。",
  too_many_attempts: "错误的密钥试得太多，请稍后再试。",
  payload_too_large: "内容太长。",
  invalid_input: "输入有误：",
  has_problems: "还有问题没有改完，改完才能继续。",
  unavailable: "知识库暂时无法访问，请稍后重试。",
  // Not the server's codes: no reply came at all (api() and client().call() say which).
  network: "网络连接异常，请检查网络后重试。",
  timeout: "服务器长时间没有响应，请重试。",
};

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    const known = MESSAGES[error.code];
    // A message the service wrote in Chinese is meant for the person (say, why a reviewer may not approve).
    const told = /[\u4e00-\u9fff]/.test(error.message || "") ? error.message : "";
    let message;
    if (known && error.code === "invalid_input") message = known + (error.message || "");
    else if (told) message = told;
    else if (known) message = known;
    else message = `请求没有成功（错误 ${status}），请稍后重试。`;
    super(message);
    this.status = status;
    this.code = error.code || "";
    this.field = error.field || "";
    this.revision = error.revision;
    this.problems = error.problems || [];
  }
}

export async function api(path, { method = "GET", params, body, key, signal, ifMatch } = {}) {
  const headers = {};
  if (key) headers.Authorization = "Bearer " + key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (ifMatch !== undefined && ifMatch !== null) headers["If-Match"] = `"${ifMatch}"`;
  let response;
  try {
    response = await fetch(apiUrl(path, params), {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (problem) {
    if (problem.name === "AbortError") throw problem;
    throw new ApiError(0, { error: { code: "network" } });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// ---- the pages' calls: the signed-in key, one answer to 401, the loading indicator, and late replies dropped

// A call answered after a newer one of the same purpose: its reply is dropped, whatever it was.
export class Superseded extends Error {
  name = "Superseded";
}

// Whether a failed call is one to ignore: aborted, or overtaken by a newer call of the same purpose.
export const dropped = (problem) => problem.name === "AbortError" || problem instanceof Superseded;

// How long a guarded read may take before the page gives up and says so: 8 s. A test may set
// window.zhidaTimeLimitMs before the scripts run, so that it need not wait that long.
export const timeLimit = () => window.zhidaTimeLimitMs || 8000;

// While any call runs, <html> has the class "loading" (zhida.css draws a line along the top).
let running = 0;
function loading(change) {
  running += change;
  document.documentElement.classList.toggle("loading", running > 0);
}

// client({ key, signedOut }).call(path, options): api() with the console's credential (signin.js); a 401 reply
// calls signedOut(problem) before the error is thrown on. Options beyond api()'s:
//   purpose: "search"   each call of a purpose carries the next sequence number and aborts the one before;
//                       a reply to an older call is thrown away as Superseded, so a slow early search never
//                       overwrites a later one. drop(purpose) does the same with no new call.
//                       A GET with a purpose is also given up after timeLimit() and thrown as an ApiError
//                       with the code "timeout" (a write is never cut off: it might land all the same).
//   timeLimit: ms        another limit for this call (0: none).
//   pending: [node, "正在搜索…"]   said in the node when the call starts; the page says what came of it.
export function client({ key = null, signedOut = () => {} } = {}) {
  const sequence = new Map(); // purpose -> the number of its newest call
  const controllers = new Map(); // purpose -> the AbortController of its newest call

  function drop(purpose) {
    sequence.set(purpose, (sequence.get(purpose) || 0) + 1);
    controllers.get(purpose)?.abort();
    controllers.delete(purpose);
    return sequence.get(purpose);
  }

  async function call(path, { purpose, pending, timeLimit: limit, ...options } = {}) {
    const mine = purpose ? drop(purpose) : 0;
    const stale = () => purpose && sequence.get(purpose) !== mine;
    const ms = limit ?? (purpose && (options.method || "GET") === "GET" ? timeLimit() : 0);
    let timer = 0;
    let timedOut = false;
    if (purpose || ms) {
      const controller = new AbortController();
      if (purpose) controllers.set(purpose, controller);
      options.signal = controller.signal;
      if (ms) {
        timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, ms);
      }
    }
    if (pending) say(...pending);
    loading(1);
    try {
      const credential = key ? await key.get() : undefined;
      // Signed out meanwhile (the session could not be renewed): never ask anonymously on a signed-in page.
      if (key && !credential) throw new ApiError(401, { error: { code: "unauthorized" } });
      const reply = await api(path, { ...options, key: credential });
      if (stale()) throw new Superseded();
      return reply;
    } catch (problem) {
      if (stale()) throw new Superseded();
      if (timedOut) throw new ApiError(0, { error: { code: "timeout" } });
      if (problem.status === 401) signedOut(problem);
      throw problem;
    } finally {
      clearTimeout(timer);
      loading(-1);
    }
  }

  return { call, drop };
}

// el("li", {class: "x", "data-id": id}, "text", child): every string child becomes a text node.
// Marks `element` as updating (aria-busy) while `work` runs: assistive technology waits for it to settle, and so
// can a test before it clicks below a part that is still growing. Overlapping updates keep it marked until the last.
export async function busyWhile(element, work) {
  element.busyUpdates = (element.busyUpdates || 0) + 1;
  element.setAttribute("aria-busy", "true");
  try {
    return await work;
  } finally {
    element.busyUpdates -= 1;
    if (!element.busyUpdates) element.removeAttribute("aria-busy");
  }
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The snippet with the matched spans in <mark>; marks count Unicode code points, as the server does.
export function highlighted(text, marks = []) {
  const chars = Array.from(text);
  const fragment = document.createDocumentFragment();
  let at = 0;
  for (const [start, end] of [...marks].sort((a, b) => a[0] - b[0])) {
    if (start < at || end <= start) continue;
    fragment.append(chars.slice(at, start).join(""), el("mark", {}, chars.slice(start, end).join("")));
    at = end;
  }
  fragment.append(chars.slice(at).join(""));
  return fragment;
}

// A Markdown section as plain text: list items and paragraphs, inline markup dropped (for reading aloud).
export function plainLines(markdown = "") {
  return markdown
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => ({ item: /^([-*+]|\d+[.)])\s+/.test(line), text: stripInline(line.replace(/^([-*+]|\d+[.)])\s+/, "")) }));
}

export function stripInline(text) {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__|`)/g, "")
    .replace(/(^|[^*])\*([^*]+)\*/g, "$1$2");
}

export function debounce(fn, ms) {
  let timer = 0;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}

// A signed-in key for one console, kept for the browser tab only (sessionStorage), never in the URL.
export function keyStore(name) {
  return {
    get: () => sessionStorage.getItem(name) || "",
    set: (key) => sessionStorage.setItem(name, key),
    clear: () => sessionStorage.removeItem(name),
  };
}

export function say(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}
