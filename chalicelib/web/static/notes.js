// The notes the tools write on a version or an audit entry, in the editors' words. The service writes them in
// Chinese (chalicelib/knowledge/workflow.py); records written before still hold English ones, read here as the same.
const OLD = {
  "added from the folder": "从知识库文件夹新增",
  "changed in the folder": "文件夹中已修改",
  "changed in the folder; archived in the app, so it waits for review": "文件夹中已修改（已在编辑台下线，等待审核）",
  "its file was removed from the knowledge folder": "文件已从文件夹删除",
  "file already saved": "文件内容已是最新版本",
  // A version saved without a note was named by its step.
  create: "新建",
  save: "保存",
  rollback: "回滚",
  sync: "文件同步",
};
const OLD_PATTERNS = [
  [/^imported from (.+)$/, "从 $1 导入"],
  [/^rollback to version (\d+)$/, "回滚到版本 $1"],
];

export function noteText(note) {
  if (!note) return "";
  if (Object.hasOwn(OLD, note)) return OLD[note];
  const [pattern, words] = OLD_PATTERNS.find(([p]) => p.test(note)) || [];
  return pattern ? note.replace(pattern, words) : note;
}
