"""static/frontmatter.js, run in the browser: the form reads what the service reads and rewrites only what changed."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import call_api

# In the page: the module, and a check that writing field KEY changed no line outside that field's own lines.
HELPERS = """
window.fmChecks = async () => {
  const fm = await import(new URL("static/frontmatter.js", document.baseURI).href);
  const lines = (text) => fm.parse(text).lines.map((line) => line.text + line.end);
  // The changed lines of `before` and `after` (what is left once the common start and end are taken off)
  // must lie within KEY's lines in each (an added field has none in `before`).
  function onlyField(before, after, key) {
    const a = lines(before), b = lines(after);
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
    let tail = 0;
    const same = (t) => a[a.length - 1 - t] === b[b.length - 1 - t];
    while (tail < a.length - head && tail < b.length - head && same(tail)) tail += 1;
    const within = (text, from, to) => {
      if (from >= to) return true;
      const field = fm.parse(text).fields.get(key);
      return Boolean(field) && field.start <= from && to <= field.end;
    };
    return within(before, head, a.length - tail) && within(after, head, b.length - tail);
  }
  return { fm, onlyField };
};
"""

ROUND_TRIP = """
async (texts) => {
  const { fm, onlyField } = await window.fmChecks();
  const changed = {
    id: (v) => v, // never changed on an existing article
    title: (v) => v + "（改）",
    category: (v) => (v === "heating" ? "utilities" : "heating"),
    audience: (v) => (v === "public" ? "internal" : "public"),
    department: (v) => (v === "heating-company" ? "hrss" : "heating-company"),
    phone: (v) => (v ? "" : "12345"),
    effective_from: () => "2031-01-02",
    expires: (v) => (v ? "" : "2032-03-04"),
    review_by: () => "2031-12-31",
    questions: (v) => [...(v || []), "新加的问法：怎么办？"],
    keywords: (v) => (v || []).slice(1),
  };
  const failures = [];
  const read = [];
  for (const text of texts) {
    const values = fm.read(text);
    read.push(values);
    for (const key of Object.keys(changed)) {
      const lenient = fm.parse(text).fields.get(key)?.lenient; // a full-width colon is corrected when written
      if (key in values && !lenient && fm.setField(text, key, values[key]) !== text) {
        failures.push([values.id, key, "same value rewrote"]);
      }
    }
    if (fm.setBody(text, values.body) !== text) failures.push([values.id, "body", "same body rewrote"]);
    for (const [key, change] of Object.entries(changed)) {
      const wanted = change(values[key]);
      const after = fm.setField(text, key, wanted);
      const back = fm.read(after);
      const removed = wanted === "" && !["title", "id"].includes(key); // an emptied optional field goes
      const expected = removed ? undefined : wanted;
      if (JSON.stringify(back[key] ?? (Array.isArray(wanted) ? [] : undefined)) !== JSON.stringify(expected)) {
        failures.push([values.id, key, "reads back as " + JSON.stringify(back[key])]);
      }
      for (const other of Object.keys(changed)) {
        if (other !== key && JSON.stringify(back[other]) !== JSON.stringify(values[other])) {
          failures.push([values.id, key, "changed " + other]);
        }
      }
      if (back.body !== values.body) failures.push([values.id, key, "changed the body"]);
      if (!onlyField(text, after, key)) failures.push([values.id, key, "rewrote other lines"]);
    }
    const newBody = values.body.replace("## 标准答复", "## 标准答复\\n\\n（改）");
    const withBody = fm.setBody(text, newBody);
    if (fm.read(withBody).body !== newBody || !withBody.startsWith(text.slice(0, text.indexOf("\\n---") + 4))) {
      failures.push([values.id, "body", "front matter touched"]);
    }
  }
  return { failures, read };
}
"""


@pytest.fixture
def editor_page(open_page: Callable[..., Page]) -> Page:
    page = open_page("/editor")
    page.evaluate(HELPERS)
    return page


def test_every_article_reads_as_the_service_reads_it_and_only_changed_fields_are_rewritten(
    editor_page: Page, demo_keys: dict[str, str], live_server: str
):
    admin = demo_keys["admin"]
    articles = call_api(f"{live_server}/api/worklist", admin)[0]["articles"]
    assert len(articles) >= 50
    drafts = [call_api(f"{live_server}/api/articles/{a['id']}/draft", admin)[0] for a in articles]
    result = editor_page.evaluate(ROUND_TRIP, [d["markdown"] for d in drafts])
    assert result["failures"] == []
    for draft, values in zip(drafts, result["read"], strict=True):
        for field in ("id", "title", "category", "department", "review_by"):
            assert values[field] == draft[field], (draft["id"], field)


TRICKY = {
    "quoted values": (
        "---\nid: a\ntitle: '它''s 标题'\nphone: \"022-1234\"\nkeywords: [\"a, b\", 'c', d]\n---\n",
        {"title": "它's 标题", "phone": "022-1234", "keywords": ["a, b", "c", "d"]},
        ("title", "新标题", '---\nid: a\ntitle: 新标题\nphone: "022-1234"\nkeywords: ["a, b", \'c\', d]\n---\n'),
    ),
    "comments": (
        "---\n# 文件头\nid: a\ntitle: 标题  # 市民的问法\nquestions:\n  - 一  # 最常见\n  # 少见的：\n  - 二\n"
        "# 以下是日期\nreview_by: 2026-01-01\n---\n",
        {"title": "标题", "questions": ["一", "二"], "review_by": "2026-01-01"},
        (
            "questions",
            ["一", "二", "三"],
            "---\n# 文件头\nid: a\ntitle: 标题  # 市民的问法\nquestions:\n  - 一\n  - 二\n  - 三\n"
            "# 以下是日期\nreview_by: 2026-01-01\n---\n",
        ),
    ),
    "a flow list becomes block lines": (
        "---\nid: a\nkeywords: [暖气, 截门]\nreview_by: 2026-01-01\n---\n",
        {"keywords": ["暖气", "截门"]},
        ("keywords", ["暖气", "放风阀"], "---\nid: a\nkeywords:\n  - 暖气\n  - 放风阀\nreview_by: 2026-01-01\n---\n"),
    ),
    "a missing field goes where the format puts it": (
        "---\nid: a\ntitle: 标题\neffective_from: 2025-01-01\nreview_by: 2026-01-01\n---\n\n正文\n",
        {"expires": None, "phone": None},
        (
            "expires",
            "2025-12-31",
            "---\nid: a\ntitle: 标题\neffective_from: 2025-01-01\nexpires: 2025-12-31\n"
            "review_by: 2026-01-01\n---\n\n正文\n",
        ),
    ),
    "an emptied optional field is removed": (
        '---\nid: a\ndepartment: hrss\nphone: "12333"\nquestions:\n  - 一\n---\n',
        {"phone": "12333"},
        ("phone", "", "---\nid: a\ndepartment: hrss\nquestions:\n  - 一\n---\n"),
    ),
    "CRLF line endings stay CRLF": (
        "---\r\nid: a\r\ntitle: 标题\r\nquestions:\r\n  - 一\r\n---\r\n\r\n## 标准答复\r\n\r\n您好。\r\n",
        {"title": "标题", "questions": ["一"], "body": "## 标准答复\n\n您好。\n"},
        (
            "questions",
            ["一", "二"],
            "---\r\nid: a\r\ntitle: 标题\r\nquestions:\r\n  - 一\r\n  - 二\r\n---\r\n\r\n## 标准答复\r\n\r\n您好。\r\n",
        ),
    ),
    "no newline at the end": (
        "---\nid: a\ntitle: 标题\n---\n\n## 标准答复\n\n您好。",
        {"title": "标题", "body": "## 标准答复\n\n您好。"},
        ("title", "新", "---\nid: a\ntitle: 新\n---\n\n## 标准答复\n\n您好。"),
    ),
    "a full-width colon is read, and written back as YAML's": (
        "---\nid: a\ntitle：标题\n---\n",
        {"title": "标题"},
        ("title", "新标题", "---\nid: a\ntitle: 新标题\n---\n"),
    ),
    "districts are read as pairs and written one a line": (
        "---\nid: a\ndepartment: x\ndistricts:  # 区: 单位\n  binhai: binhai-approval  # 滨海\n  hexi: hexi-amr\n"
        "review_by: 2026-01-01\n---\n",
        {"districts": [["binhai", "binhai-approval"], ["hexi", "hexi-amr"]], "review_by": "2026-01-01"},
        (
            "districts",
            [["hexi", "hexi-amr"]],
            "---\nid: a\ndepartment: x\ndistricts:  # 区: 单位\n  hexi: hexi-amr\nreview_by: 2026-01-01\n---\n",
        ),
    ),
    "another field leaves districts as written": (
        "---\nid: a\ntitle: 标题\ndistricts: {binhai: binhai-approval}\n---\n",
        {"districts": [["binhai", "binhai-approval"]]},
        ("title", "新标题", "---\nid: a\ntitle: 新标题\ndistricts: {binhai: binhai-approval}\n---\n"),
    ),
    "districts go after the department": (
        '---\nid: a\ndepartment: x\nphone: "1"\n---\n',
        {"districts": None},
        ("districts", [["binhai", "b"]], '---\nid: a\ndepartment: x\ndistricts:\n  binhai: b\nphone: "1"\n---\n'),
    ),
    "values YAML would misread are quoted, others not": (
        "---\nid: a\ntitle: 标题\n---\n",
        {},
        ("title", "暖气: 不热 #1", '---\nid: a\ntitle: "暖气: 不热 #1"\n---\n'),
    ),
}


@pytest.mark.parametrize("case", TRICKY, ids=list(TRICKY))
def test_tricky_front_matter_reads_and_writes_as_yaml_would(editor_page: Page, case: str):
    text, expected, (key, value, written) = TRICKY[case]
    result = editor_page.evaluate(
        """async ([text, key, value]) => {
          const { fm, onlyField } = await window.fmChecks();
          const after = fm.setField(text, key, value);
          return { read: fm.read(text), same: fm.setField(text, key, fm.read(text)[key]) === text,
                   after, back: fm.read(after)[key] ?? null, only: onlyField(text, after, key),
                   body: fm.setBody(text, fm.read(text).body) === text };
        }""",
        [text, key, value],
    )
    for field, want in expected.items():
        assert result["read"].get(field) == want, field
    # Unchanged text, unchanged bytes; only a full-width colon is corrected when its field is written.
    assert result["same"] == ("full-width" not in case) and result["body"]
    assert result["after"] == written
    assert result["only"]
    assert result["back"] == (value or None if not isinstance(value, list) else value)


def test_the_service_reads_every_value_the_form_writes_as_the_form_meant_it(
    editor_page: Page, demo_keys: dict[str, str], live_server: str
):
    titles = ["暖气: 不热 #1", "- 开头是横线", "true", "null", "12345", "2025-01-01", "[方括号]", "@暖气不热"]
    titles += ["'单引号'", '"双引号"', "a # b", "供暖：18℃ 以上?"]
    base = call_api(f"{live_server}/api/articles/heating-radiator-not-warm/draft", demo_keys["editor"])[0]["markdown"]
    texts = editor_page.evaluate(
        """async ([text, titles]) => {
          const { fm } = await window.fmChecks();
          return titles.map((title) => fm.setField(fm.setField(text, "title", title), "keywords", [title, "暖气"]));
        }""",
        [base, titles],
    )
    for title, text in zip(titles, texts, strict=True):
        preview = call_api(f"{live_server}/api/preview", demo_keys["editor"], "POST", {"markdown": text})[0]
        assert preview["ok"], preview["problems"]
        assert preview["title"] == title, text.split("---")[1]
