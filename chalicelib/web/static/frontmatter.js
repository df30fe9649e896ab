// An article's front matter as form fields, read from and written into the Markdown source. Pure: no DOM.
// The source stays the one truth: reading changes nothing, and writing a field rewrites only that field's
// line(s), in the text's own line endings, quoting a value only where YAML would misread it plain.

import { FIELDS } from "./fields.js"; // made by the server from the article model: no copy here

// The order fields are written in when one is missing (docs/article-format.md).
export const FIELD_ORDER = FIELDS.map((field) => field.key);
export const LIST_FIELDS = new Set(FIELDS.filter((field) => field.list).map((field) => field.key));
// Mappings written one entry a line (`districts:` then `  binhai: binhai-approval`), read as [key, value] pairs.
export const MAP_FIELDS = new Set(FIELDS.filter((field) => field.map).map((field) => field.key));
const MANY = (key) => LIST_FIELDS.has(key) || MAP_FIELDS.has(key);
// Emptied in the form, an optional field's lines go; a required one keeps an empty `key:` line for lint to name.
const OPTIONAL = new Set(FIELDS.filter((field) => !field.required).map((field) => field.key));
// `key: value`; a full-width colon is read too, as lint accepts it (with a notice).
const KEY = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*(?::(?=[ \t]|$)|：)(.*)$/;

// The text as lines, each with its own ending, so every byte can be put back.
function splitLines(text) {
  const lines = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  let match;
  while ((match = pattern.exec(text)) && match[0] !== "") {
    lines.push({ text: match[1], end: match[2] });
  }
  return lines;
}

function lineEnding(lines) {
  const first = lines.find((line) => line.end);
  return first ? first.end : "\n";
}

const isFence = (line) => /^---[ \t]*$/.test(line.text);
const isBlankOrComment = (line) => /^[ \t]*(#.*)?$/.test(line.text);
const isIndented = (line) => /^[ \t]/.test(line.text);
const isItem = (line) => /^[ \t]*-([ \t]|$)/.test(line.text);

// Where the front matter is: the opening and closing `---` lines (indexes), or null when there is none.
function fences(lines) {
  if (!lines.length || !/^\uFEFF?---[ \t]*$/.test(lines[0].text)) return null;
  const close = lines.findIndex((line, i) => i > 0 && (isFence(line) || /^\.\.\.[ \t]*$/.test(line.text)));
  return close < 0 ? null : { open: 0, close };
}

// A field's lines: its key line and what belongs to it (indented lines, list items, and the blank or comment
// lines between them, but not the ones after its last line, which belong with whatever follows).
function fieldEnd(lines, start, close) {
  let end = start + 1;
  for (let i = start + 1; i < close; i += 1) {
    if (isIndented(lines[i]) && !isBlankOrComment(lines[i])) end = i + 1;
    else if (isItem(lines[i])) end = i + 1;
    else if (!isBlankOrComment(lines[i])) break;
  }
  return end;
}

// What follows `key:` split into the value and a trailing ` # comment` (outside quotes), kept byte for byte.
function splitComment(raw) {
  let quote = "";
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i];
    if (quote) {
      if (c === "\\" && quote === '"') i += 1;
      else if (c === quote) quote = "";
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[,]/.test(raw[i - 1]))) {
      quote = c;
    } else if (c === "#" && (i === 0 || /[ \t]/.test(raw[i - 1]))) {
      let start = i;
      while (start > 0 && /[ \t]/.test(raw[start - 1])) start -= 1;
      return { value: raw.slice(0, start).trim(), comment: raw.slice(start) };
    }
  }
  return { value: raw.trim(), comment: "" };
}

// Where each top-level field is and what it says.
export function parse(text) {
  const lines = splitLines(text);
  const bounds = fences(lines);
  const fields = new Map();
  if (!bounds) return { lines, bounds, fields };
  for (let i = bounds.open + 1; i < bounds.close; i += 1) {
    const match = isIndented(lines[i]) ? null : KEY.exec(lines[i].text);
    if (!match) continue;
    const end = fieldEnd(lines, i, bounds.close);
    const { value, comment } = splitComment(match[2]);
    const lenient = !lines[i].text.slice(0, lines[i].text.length - match[2].length).endsWith(":");
    if (!fields.has(match[1])) fields.set(match[1], { key: match[1], start: i, end, raw: value, comment, lenient });
    i = end - 1;
  }
  return { lines, bounds, fields };
}

function unquote(raw) {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const escapes = { n: "\n", t: "\t", r: "\r", "0": "\0", b: "\b", f: "\f", "/": "/", " ": " ", '"': '"', "\\": "\\" };
    return text.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (all, code) =>
      code.length > 1 ? String.fromCharCode(parseInt(code.slice(1), 16)) : escapes[code] ?? all,
    );
  }
  return text;
}

// `[a, "b, c", 'd']` as its items.
function flowItems(raw) {
  const inner = raw.trim().slice(1, -1);
  const items = [];
  let current = "";
  let quote = "";
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i];
    if (quote) {
      current += c;
      if (c === "\\" && quote === '"' && i + 1 < inner.length) current += inner[++i];
      else if (c === quote) quote = "";
    } else if (c === ",") {
      items.push(current);
      current = "";
    } else {
      if ((c === '"' || c === "'") && current.trim() === "") quote = c;
      current += c;
    }
  }
  items.push(current);
  return items.map(unquote).filter((item, i, all) => item !== "" || i < all.length - 1);
}

// `  key: value` lines, or `{key: value, …}` on the field's own line, as [key, value] pairs.
function pairsOf(raw, rest) {
  const entries = /^\{.*\}$/.test(raw) ? raw.slice(1, -1).split(",") : rest.map((line) => splitComment(line.text).value);
  return entries
    .map((entry) => /^\s*([^:：]+?)\s*[:：]\s*(.*?)\s*$/.exec(entry))
    .filter(Boolean)
    .map((match) => [unquote(match[1]), unquote(match[2])]);
}

function valueOf(field, lines) {
  const raw = field.raw;
  const rest = lines.slice(field.start + 1, field.end).filter((line) => !isBlankOrComment(line));
  if (MAP_FIELDS.has(field.key)) return pairsOf(raw, rest);
  if (/^\[.*\]$/.test(raw)) return flowItems(raw);
  if (raw.startsWith("[")) return flowItems([raw, ...rest.map((line) => line.text.trim())].join(" "));
  if (raw === "" && rest.length && rest.every(isItem)) {
    return rest.map((line) => unquote(splitComment(line.text.replace(/^[ \t]*-[ \t]?/, "")).value));
  }
  if (/^[|>][-+0-9]*$/.test(raw) && rest.length) {
    const parts = rest.map((line) => line.text.trim());
    return raw.startsWith("|") ? parts.join("\n") : parts.join(" ");
  }
  if (raw === "" && rest.length) return rest.map((line) => line.text).join("\n"); // a nested mapping (source)
  const continued = rest.map((line) => line.text.trim());
  return [unquote(raw), ...continued].filter(Boolean).join(" ");
}

// The fields as the form shows them: strings, lists for questions and keywords, [key, value] pairs for districts.
export function read(text) {
  const { lines, fields, bounds } = parse(text);
  const values = {};
  for (const [key, field] of fields) {
    const value = valueOf(field, lines);
    values[key] = LIST_FIELDS.has(key) ? (Array.isArray(value) ? value : value ? [value] : []) : value;
  }
  values.body = body(text);
  values.hasFrontMatter = Boolean(bounds);
  return values;
}

// YAML 1.1 (PyYAML) reads these plain scalars as something other than text.
const NOT_TEXT = [
  /^(?:~|null|Null|NULL)$/,
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*(?::[0-5]?[0-9])*)$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?$|^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])*\.[0-9_]*$/,
  /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/,
  /^(?:<<|=)$/,
];

// Whether `value` must be quoted to be read back as the same text.
export function needsQuotes(value) {
  if (value === "") return true;
  if (/^[\s]|[\s]$/.test(value)) return true;
  if (/[\x00-\x1f\x7f\x85\u2028\u2029\uFEFF]/.test(value)) return true;
  if (/^[[\]{},#&*!|>'"%@`]/.test(value)) return true;
  if (/^[-?:](?:[ \t]|$)/.test(value)) return true;
  if (/:(?:[ \t]|$)|[ \t]#/.test(value)) return true;
  return NOT_TEXT.some((pattern) => pattern.test(value));
}

// A scalar as YAML: plain where that reads back the same; JSON-style double quotes otherwise.
// Dates stay plain (`2026-10-01`), as the articles write them.
export function scalar(value, key = "") {
  if (/^(effective_from|expires|review_by)$/.test(key) && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  if (!needsQuotes(value)) return value;
  // JSON's quoting is YAML's, but for the characters YAML reads as line breaks or a byte-order mark.
  return JSON.stringify(value).replace(/[\u0085\u2028\u2029\uFEFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function sameValue(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function clean(key, value) {
  if (LIST_FIELDS.has(key)) return (value || []).map((item) => String(item).trim()).filter(Boolean);
  if (MAP_FIELDS.has(key)) {
    return (value || []).map((pair) => pair.map((part) => String(part ?? "").trim())).filter(([k, v]) => k && v);
  }
  return String(value ?? "").trim();
}

function fieldLines(key, value, comment) {
  if (LIST_FIELDS.has(key)) return [`${key}:${comment}`, ...value.map((item) => `  - ${scalar(item)}`)];
  if (MAP_FIELDS.has(key)) return [`${key}:${comment}`, ...value.map(([k, v]) => `  ${scalar(k)}: ${scalar(v)}`)];
  return [value === "" ? `${key}:${comment}` : `${key}: ${scalar(value, key)}${comment}`];
}

function join(lines) {
  return lines.map((line) => line.text + line.end).join("");
}

// Where a missing field goes: after the nearest field before it in FIELD_ORDER, else before the closing `---`.
function insertAt(fields, key, close) {
  const order = FIELD_ORDER.indexOf(key);
  let at = -1;
  for (const [name, field] of fields) {
    const rank = FIELD_ORDER.indexOf(name);
    if (rank >= 0 && rank < order && field.end > at) at = field.end;
  }
  if (at >= 0) return at;
  let before = close;
  for (const [name, field] of fields) {
    const rank = FIELD_ORDER.indexOf(name);
    if (rank > order && field.start < before) before = field.start;
  }
  return before;
}

// The text with one field set to `value` (a string, a list of strings for questions and keywords, or a list of
// [key, value] pairs for districts).
// Nothing changes when the field already says that (unless it was written with a full-width colon, which
// writing it corrects); an emptied optional field is removed.
export function setField(text, key, value) {
  const wanted = clean(key, value);
  const parsed = parse(text);
  const { lines, fields } = parsed;
  let { bounds } = parsed;
  const field = fields.get(key);
  if (field) {
    const current = read(text)[key];
    const same = MANY(key) ? sameValue(clean(key, current), wanted) : current === wanted;
    if (same && !field.lenient) return text;
  } else if (MANY(key) ? !wanted.length : wanted === "") {
    return text;
  }
  const eol = lineEnding(lines);
  if (!bounds) {
    // No front matter yet: start one.
    const head = [{ text: "---", end: eol }, { text: "---", end: eol }];
    if (lines.length) head.push({ text: "", end: eol });
    lines.unshift(...head);
    bounds = { open: 0, close: 1 };
  }
  const emptied = MANY(key) ? !wanted.length : wanted === "";
  const replacement = emptied && OPTIONAL.has(key) ? [] : fieldLines(key, wanted, field ? field.comment : "");
  const start = field ? field.start : insertAt(fields, key, bounds.close);
  const end = field ? field.end : start;
  // The last line of the range keeps its own ending (it may be the text's unterminated last line).
  const lastEnd = end > start ? lines[end - 1].end || eol : eol;
  const made = replacement.map((textOfLine, i) => ({ text: textOfLine, end: i === replacement.length - 1 ? lastEnd : eol }));
  lines.splice(start, end - start, ...made);
  return join(lines);
}

// Everything after the front matter, less the one blank line that separates them; with \n line endings,
// as a textarea holds it.
export function body(text) {
  const { lines, bounds } = parse(text);
  if (!bounds) return text.replace(/\r\n?/g, "\n");
  const rest = lines.slice(bounds.close + 1);
  return join(rest[0]?.text === "" ? rest.slice(1) : rest).replace(/\r\n?/g, "\n");
}

// The text with its body replaced; the front matter and the line between them stay as they are.
export function setBody(text, newBody) {
  if (body(text) === newBody) return text;
  const { lines, bounds } = parse(text);
  if (!bounds) return newBody;
  const eol = lineEnding(lines);
  const head = lines.slice(0, bounds.close + 1);
  const rest = lines.slice(bounds.close + 1);
  const separator = rest.length && rest[0].text === "" ? [rest[0]] : [];
  if (!head[head.length - 1].end) head[head.length - 1] = { ...head[head.length - 1], end: eol };
  if (!separator.length && newBody !== "") separator.push({ text: "", end: eol });
  return join(head) + join(separator) + newBody.replace(/\r\n?|\n/g, eol);
}

// Which field, or which line of the body, a source line (1-based, as lint reports it) belongs to.
export function locate(text, line) {
  const { lines, bounds, fields } = parse(text);
  const index = line - 1;
  if (!bounds || index > bounds.close) {
    const first = bounds ? bounds.close + 1 + (lines[bounds.close + 1]?.text === "" ? 1 : 0) : 0;
    return { body: Math.max(1, index - first + 1) };
  }
  for (const field of fields.values()) {
    if (index >= field.start && index < field.end) return { field: field.key, item: index - field.start - 1 };
  }
  return { source: line };
}
