"""The lexicon: one item, written under the next generation so a warm container notices a change."""

import json

from chalicelib.knowledge.lexicon import Lexicon
from chalicelib.store.table import TableStore, Writes

_KEY = {"pk": "LEXICON", "sk": "CURRENT"}


class LexiconStore(TableStore):
    """The lexicon the index is built with, and the source files it was read from (for `kb export`)."""

    def current(self) -> tuple[Lexicon, int]:
        """The lexicon and the generation it was written at (an empty lexicon at 0 if never written)."""
        item = self._get(_KEY)
        if not item:
            return Lexicon(), 0
        return Lexicon.model_validate_json(item["lexicon"]), int(item["generation"])

    def files(self) -> dict[str, str]:
        """The lexicon's source files as last saved (name -> text)."""
        item = self._get(_KEY)
        return json.loads(item["files"]) if item and "files" in item else {}

    def save(self, lexicon: Lexicon, files: dict[str, str] | None = None) -> int:
        """Write the lexicon (and its files, if given); the generation it was written at."""

        def writes(generation: int) -> Writes:
            item = {**_KEY, "lexicon": lexicon.model_dump_json(), "generation": generation}
            if files is not None:
                item["files"] = json.dumps(files, ensure_ascii=False)
            return [{"Put": {"Item": item}}]

        return int(self._commit(writes)[0]["Put"]["Item"]["generation"])
