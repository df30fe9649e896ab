// The editor console's 报表 view (GET /api/reports) and the banner for today's surges. The charts are drawn here
// from the report's JSON with the geometry of chalicelib/charts.py, which draws the same charts for `kb report`.
import { dropped, el, say } from "./common.js";

const $ = (id) => document.getElementById(id);
const NS = "http://www.w3.org/2000/svg";
// As in chalicelib/charts.py: an A4 page's width inside its margins, and the plot's margins.
const WIDTH = 640;
const HEIGHT = 240;
const [LEFT, RIGHT, TOP, BOTTOM] = [44, 12, 20, 30];
const COLOUR = { bar: "#0b5cad", answered: "#1d6b34", soft: "#b9cfe6", ink: "#1a1f26", muted: "#4a5360", line: "#c9d0d9" };
const PERIODS = { day: "日报", week: "周报", month: "月报" };

// The date in Beijing, whatever the browser's own time zone: the report's days are Beijing days.
export function beijingToday(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
    .format(now);
}

// svg("rect", {x: 1}, child…): an SVG element; every string child becomes a text node.
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

const text = (x, y, words, anchor = "middle", size = 12, fill = COLOUR.muted) =>
  svg("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": anchor, "font-size": size, fill }, words);

function chart(title, height, children) {
  return svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: "img", "aria-label": title },
    svg("title", {}, title),
    ...children,
  );
}

const labelStep = (count) => Math.max(1, Math.ceil(count / 12));

function barChart(title, labels, values) {
  const [plotW, plotH] = [WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM];
  const most = Math.max(0, ...values);
  const band = plotW / Math.max(values.length, 1);
  const step = labelStep(values.length);
  const parts = [
    svg("line", { x1: LEFT, y1: TOP + plotH, x2: WIDTH - RIGHT, y2: TOP + plotH, stroke: COLOUR.line }),
    text(LEFT - 6, TOP + 4, most, "end"),
    text(LEFT - 6, TOP + plotH, 0, "end"),
  ];
  values.forEach((value, i) => {
    const h = (value / (most || 1)) * plotH;
    const x = LEFT + i * band + band * 0.15;
    parts.push(
      svg(
        "rect",
        {
          class: "chart-bar", x: x.toFixed(1), y: (TOP + plotH - h).toFixed(1), width: (band * 0.7).toFixed(1),
          height: h.toFixed(1), fill: COLOUR.bar,
        },
        svg("title", {}, `${labels[i]}：${value}`),
      ),
    );
    if (i % step === 0) parts.push(text(LEFT + (i + 0.5) * band, HEIGHT - 10, labels[i]));
    if (values.length <= 14 && value) {
      parts.push(text(LEFT + (i + 0.5) * band, TOP + plotH - h - 4, value, "middle", 12, COLOUR.ink));
    }
  });
  return chart(title, HEIGHT, parts);
}

function lineChart(title, labels, rates) {
  const [plotW, plotH] = [WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM];
  const band = plotW / Math.max(rates.length, 1);
  const step = labelStep(rates.length);
  const parts = [];
  for (const pct of [0, 50, 100]) {
    const y = TOP + plotH - (pct / 100) * plotH;
    parts.push(svg("line", { x1: LEFT, y1: y.toFixed(1), x2: WIDTH - RIGHT, y2: y.toFixed(1), stroke: COLOUR.line }));
    parts.push(text(LEFT - 6, y + 4, `${pct}%`, "end"));
  }
  const runs = [[]]; // a day without searches breaks the line
  rates.forEach((rate, i) => {
    const x = LEFT + (i + 0.5) * band;
    if (i % step === 0) parts.push(text(x, HEIGHT - 10, labels[i]));
    if (rate === null) return runs.push([]);
    const y = TOP + plotH - Math.min(Math.max(rate, 0), 1) * plotH;
    runs.at(-1).push(`${x.toFixed(1)},${y.toFixed(1)}`);
    parts.push(
      svg("circle", { class: "point", cx: x.toFixed(1), cy: y.toFixed(1), r: 4, fill: COLOUR.answered },
        svg("title", {}, `${labels[i]}：${percent(rate)}`)),
    );
  });
  for (const run of runs.filter((r) => r.length > 1)) {
    parts.push(svg("polyline", { points: run.join(" "), fill: "none", stroke: COLOUR.answered, "stroke-width": 2 }));
  }
  return chart(title, HEIGHT, parts);
}

function categoryChart(title, all, limit = 8) {
  const rows = [...all].sort((a, b) => b.searches - a.searches).slice(0, limit);
  const [nameW, rowH] = [150, 28];
  const height = TOP + rowH * Math.max(rows.length, 1) + 8;
  const plotW = WIDTH - nameW - 110;
  const most = Math.max(0, ...rows.map((row) => row.searches)) || 1;
  const parts = rows.flatMap((row, i) => {
    const y = TOP + i * rowH;
    const name = row.name || row.category;
    const searched = (row.searches / most) * plotW;
    const answered = (Math.min(row.answered, row.searches) / most) * plotW;
    return [
      text(nameW - 8, y + 17, name, "end", 13, COLOUR.ink),
      svg("rect", { class: "chart-bar", x: nameW, y: y + 4, width: searched.toFixed(1), height: 18, fill: COLOUR.soft },
        svg("title", {}, `${name}：搜索 ${row.searches}`)),
      svg("rect", { x: nameW, y: y + 4, width: answered.toFixed(1), height: 18, fill: COLOUR.bar }),
      text(nameW + searched + 6, y + 17, `${row.searches}（已答 ${row.answered}）`, "start"),
    ];
  });
  if (!rows.length) parts.push(text(WIDTH / 2, TOP + 18, "本期没有搜索"));
  return chart(title, height, parts);
}

export const percent = (rate) => (rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);

// The change against the previous period, as charts.change(): [text, "up" | "down" | "same"].
export function change(value, points = false) {
  if (value === null || value === undefined) return ["—（上期无数据）", "same"];
  if (Math.abs(value) < 0.0005) return ["持平", "same"];
  const amount = points ? `${(Math.abs(value) * 100).toFixed(1)} 个百分点` : `${(Math.abs(value) * 100).toFixed(0)}%`;
  return value > 0 ? [`↑ ${amount}`, "up"] : [`↓ ${amount}`, "down"];
}

// As charts.charts(): [caption, SVG] in reading order; a day's report has no per-day line.
function charts(report) {
  const days = report.by_day || [];
  const hours = report.by_hour || [];
  const dayLabels = days.map((d) => d.date.slice(5));
  const drawn = [
    report.period === "day"
      ? ["每小时搜索量", barChart("每小时搜索量", hours.map((h) => `${h.hour}时`), hours.map((h) => h.searches))]
      : ["每日搜索量", barChart("每日搜索量", dayLabels, days.map((d) => d.searches))],
  ];
  if (days.length > 1) {
    const rates = days.map((d) => (d.searches ? d.answered / d.searches : null));
    drawn.push(["每日解答率（有答案的搜索占比）", lineChart("每日解答率", dayLabels, rates)]);
  }
  drawn.push(["搜索最多的分类（深色为有答案的搜索）", categoryChart("搜索最多的分类", report.by_category || [])]);
  return drawn.map(([caption, drawing]) => el("figure", { class: "card" }, el("figcaption", {}, caption), drawing));
}

// As charts.FIGURES: name, field, whether more is better (null: neither); fewer unanswered searches is good news.
const FIGURES = [
  ["搜索次数", "searches", null],
  ["解答率", "answered_rate", true],
  ["转 12345（未答）", "abstained", false],
  ["点开答案", "clicks", true],
];

function tone(way, moreIsBetter) {
  if (way === "same" || moreIsBetter === null) return "";
  return (way === "up") === moreIsBetter ? "good" : "bad";
}

function figures(report) {
  const previous = report.previous || {};
  const changes = previous.change || {};
  return el("div", { class: "figures" },
    FIGURES.map(([name, field, better]) => {
      const rate = field === "answered_rate";
      const [words, way] = change(changes[field], rate);
      const [now, was] = rate
        ? [percent(report[field]), percent(previous[field])]
        : [report[field], previous[field] ?? "—"];
      return el("div", { class: "figure" },
        el("span", { class: "name" }, name),
        el("strong", { class: "value" }, now),
        el("span", { class: `change ${tone(way, better)}` }, words),
        el("span", { class: "hint" }, `上期 ${was}`));
    }));
}

function table(heading, headers, rows, numeric, empty) {
  const cell = (tag, value, i) => el(tag, { class: numeric.includes(i) ? "num" : null }, value);
  return el("section", { class: "report-part" },
    el("h3", {}, heading),
    rows.length
      ? el("table", { class: "versions" },
          el("thead", {}, el("tr", {}, headers.map((h, i) => cell("th", h, i)))),
          el("tbody", {}, rows.map((row) => el("tr", {}, row.map((v, i) => cell("td", v, i))))))
      : el("p", { class: "hint" }, empty));
}

// write(question): starts a new article for a question nothing answered.
function tables(report, write) {
  const start = (question) => {
    const button = el("button", { type: "button" }, "据此新建文章");
    button.addEventListener("click", () => write(question));
    return button;
  };
  return [
    table("问得最多的问题", ["问题", "次数", "不同说法", "答案"],
      report.top_questions.map((q) => [q.question, q.count, q.variants, q.title || "（没有答案）"]), [1, 2], "本期没有搜索。"),
    table("知识缺口：没有找到答案的问题", ["问题", "合计", "未答搜索", "没帮助", "原话示例", ""],
      report.gaps.map((g) => [g.question, g.count, g.searches, g.unhelpful, g.example, start(g.question)]), [1, 2, 3],
      "本期所有问题都找到了答案。"),
    table("文章", ["标题", "承办单位", "浏览", "有帮助", "没帮助", "标记过时", "待复审"],
      report.articles.map((a) => [a.title, a.department, a.views, a.helpful, a.unhelpful, a.flags, a.overdue ? "是" : ""]),
      [2, 3, 4, 5], "本期没有文章被浏览。"),
    table("搜索量突增", ["日期", "分类", "搜索", "近四周同日平均", "倍数", "主要问题"],
      report.surges.map((s) => [
        s.date, s.name, s.searches, s.baseline.toFixed(1), `${s.ratio.toFixed(1)} 倍`, s.top_questions.join("、"),
      ]),
      [2, 3, 4], "没有分类的搜索量达到近四周同日平均的 3 倍。"),
  ];
}

export function surgeLine(surge) {
  return `${surge.name} 类今日搜索量是近四周同日平均的 ${surge.ratio.toFixed(1)} 倍：${surge.top_questions.join("、")}…`;
}

// call: the console's API helper; write(question) starts a new article for a gap.
export function reportView(call, write) {
  const status = $("report-status");
  const out = $("report");

  function show(report) {
    const span = report.start === report.end ? report.start : `${report.start} 至 ${report.end}`;
    const previous = report.previous?.start ? `上期 ${report.previous.start} 至 ${report.previous.end}` : "没有上期数据";
    out.replaceChildren(
      el("h2", {}, `知答 ${PERIODS[report.period] || "报表"} ${span}`),
      el("p", { class: "meta" }, `北京时间；${previous}`),
      figures(report),
      el("div", { class: "report-charts" }, charts(report)),
      ...tables(report, write),
    );
  }

  async function load() {
    if (!$("report-date").value) $("report-date").value = beijingToday();
    const params = { period: $("report-period").value, date: $("report-date").value };
    let report;
    try {
      report = await call("reports", { params, purpose: "report", pending: [status, "正在加载报表…"] });
    } catch (problem) {
      if (dropped(problem)) return;
      out.replaceChildren(); // never the last period's figures under a new period's heading
      say(status, `报表加载失败：${problem.message}`, true);
      return;
    }
    show(report);
    say(status, "");
  }

  // Today's surges, in a banner above the console; nothing is said when there are none or the call fails.
  async function checkSurges(open) {
    const banner = $("surge");
    let surges = [];
    try {
      surges = (await call("reports", { params: { period: "day", date: beijingToday() }, purpose: "surges" })).surges || [];
    } catch {
      surges = [];
    }
    const look = el("button", { type: "button" }, "查看今日报表");
    look.addEventListener("click", () => {
      $("report-period").value = "day";
      $("report-date").value = beijingToday();
      open();
    });
    banner.replaceChildren(...surges.map((s) => el("p", {}, el("strong", {}, "搜索量突增："), surgeLine(s))), look);
    banner.hidden = !surges.length;
  }

  function clear() {
    out.replaceChildren();
    say(status, "");
    $("surge").replaceChildren();
    $("surge").hidden = true;
  }

  for (const id of ["report-period", "report-date"]) $(id).addEventListener("change", load);
  $("report-print").addEventListener("click", () => window.print());
  return { load, checkSurges, clear };
}
