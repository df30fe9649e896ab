// The text being edited, kept in this browser (localStorage) a second after each change, per article and one
// slot for a new, unsaved article; so a closed tab or a crash loses nothing. Removed once saved, and at sign-out.

const PREFIX = "zhida.editor.unsaved.";
const DELAY_MS = 1000;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // storage switched off: autosave quietly does nothing
  }
}

export function createAutosave() {
  let timer = 0;
  let pending = null;

  function write(slot, markdown, base) {
    try {
      storage()?.setItem(PREFIX + slot, JSON.stringify({ markdown, base, at: new Date().toISOString() }));
    } catch {
      // full or refused: the server copy is still there
    }
  }

  return {
    // Keep `markdown` (edited from version `base`) for `slot` after a second without further changes.
    keep(slot, markdown, base = null) {
      clearTimeout(timer);
      pending = { slot, markdown, base };
      timer = setTimeout(() => this.flush(), DELAY_MS);
    },
    // Write what is waiting now (the page is closing).
    flush() {
      clearTimeout(timer);
      if (pending) write(pending.slot, pending.markdown, pending.base);
      pending = null;
    },
    cancel() {
      clearTimeout(timer);
      pending = null;
    },
    // {markdown, base, at} kept for `slot`, or null.
    find(slot) {
      try {
        const kept = JSON.parse(storage()?.getItem(PREFIX + slot) || "null");
        return kept && typeof kept.markdown === "string" ? kept : null;
      } catch {
        return null;
      }
    },
    drop(slot) {
      if (pending?.slot === slot) this.cancel();
      storage()?.removeItem(PREFIX + slot);
    },
    // Everything kept by any article: at sign-out, the next person at this browser sees none of it.
    dropAll() {
      this.cancel();
      const store = storage();
      if (!store) return;
      const keys = [];
      for (let i = 0; i < store.length; i += 1) if (store.key(i)?.startsWith(PREFIX)) keys.push(store.key(i));
      for (const key of keys) store.removeItem(key);
    },
  };
}
