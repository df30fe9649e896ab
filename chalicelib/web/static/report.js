// The editor console's 报表 view (GET /api/reports/drawn) and the banner for today's surges. The heading, the summary
// and the charts come drawn in the report (chalicelib/desk/charts.py); the tables are built here, a button per gap.
import { dropped, el, say } from "./common.js";
import { districtOptions } from "./districts.js";

const $ = (id) => document.getElementById(id);

export function beijingToday(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
    .format(now);
}

// The summary and the charts as the server drew them (chalicelib/desk/charts.py, which also draws `kb report`):
// this page only places them, so the console and the printed report can never disagree.
function figures(report) {
  return el("div", { class: "figures" },
    (report.figures || []).map((figure) => el("div", { class: "figure" },
      el("span", { class: "name" }, figure.name),
      el("strong", { class: "value" }, figure.value),
      el("span", { class: `change ${figure.tone}` }, figure.change),
      el("span", { class: "hint" }, `上期 ${figure.previous}`))));
}

// An SVG the server drew, parsed as XML (never as HTML) and adopted into the page.
function drawing(svg) {
  const parsed = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
  return parsed.localName === "svg" ? document.importNode(parsed, true) : el("p", { class: "hint" }, "图表无法显示");
}

function charts(report) {
  return (report.charts || []).map((chart) =>
    el("figure", { class: "card" }, el("figcaption", {}, chart.caption), drawing(chart.svg)));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/; // a cell holding a date does not wrap
function table(heading, headers, rows, numeric, empty) {
  const cell = (tag, value, i) => el(tag, { class: numeric.includes(i) ? "num" : DATE.test(value) ? "date" : null }, value);
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
      report.articles.map((a) => [a.title, a.department_name || a.department, a.views, a.helpful, a.unhelpful, a.flags, a.overdue ? "是" : ""]),
      [2, 3, 4, 5], "本期没有文章被浏览。"),
    table("搜索量突增", ["日期", "分类", "搜索", "近四周同日平均", "倍数", "主要问题"],
      report.surges.map((s) => [
        s.date, surgeName(s), s.searches, s.baseline.toFixed(1), `${s.ratio.toFixed(1)} 倍`, s.top_questions.join("、"),
      ]),
      [2, 3, 4], "没有分类的搜索量达到近四周同日平均的 3 倍。"),
  ];
}

// A district's surge (its callers' searches alone) is named with its district: 河西区 供暖.
const surgeName = (surge) => (surge.district_name ? `${surge.district_name} ${surge.name}` : surge.name);

export function surgeLine(surge) {
  return `${surgeName(surge)} 类今日搜索量是近四周同日平均的 ${surge.ratio.toFixed(1)} 倍：${surge.top_questions.join("、")}…`;
}

// call: the console's API helper; write(question) starts a new article for a gap.
export function reportView(call, write) {
  const status = $("report-status");
  const out = $("report");

  function show(report) {
    out.replaceChildren(
      el("h2", {}, report.title),
      el("p", { class: "meta" }, `北京时间；${report.compared}`),
      figures(report),
      el("div", { class: "report-charts" }, charts(report)),
      ...tables(report, write),
    );
  }

  // The districts a report can be cut by: read once, when the report is first shown; without them, the city's only.
  const offerDistricts = districtOptions($("report-district"), call);

  // wanted: {period, date, district} from the report's address (places.js), chosen once the districts are offered.
  async function load(wanted = null) {
    const offered = offerDistricts();
    if (wanted) {
      await offered;
      $("report-period").value = wanted.period;
      $("report-date").value = wanted.date;
      $("report-district").value = wanted.district;
    }
    if (!$("report-date").value) $("report-date").value = beijingToday();
    const district = $("report-district").value || undefined;
    const params = { period: $("report-period").value, date: $("report-date").value, district };
    let report;
    try {
      report = await call("reports/drawn", { params, purpose: "report", pending: [status, "正在加载报表…"] });
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

  for (const id of ["report-period", "report-date", "report-district"]) $(id).addEventListener("change", () => load());
  $("report-print").addEventListener("click", () => window.print());
  return { load, checkSurges, clear };
}
