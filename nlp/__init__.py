"""Pure text → labels: normalise, tokenize, topic, relevance, sentiment, urgency, places,
keywords, SimHash, online clustering. No database, no Prefect."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nlp"
MODEL_DIR = Path(__file__).resolve().parent / "models"
