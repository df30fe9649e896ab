"""Stage values for the tools, read from the same .chalice/config.json the deployment uses."""

import json
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
CHALICE_CONFIG = PROJECT_DIR / ".chalice" / "config.json"


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables a stage's Lambda gets (global values overlaid by the stage's)."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    if stage not in config["stages"]:
        raise SystemExit(f"{CHALICE_CONFIG}: no stage '{stage}'; stages: {', '.join(config['stages'])}")
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
