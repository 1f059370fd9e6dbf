"""The whole analysis of one post: cut once, then topic, relevance, sentiment, urgency, places,
keywords, spam and SimHash from the same tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nlp.keywords import keywords
from nlp.level2 import level2_of
from nlp.models import load_model
from nlp.normalize import clean, detect_spam
from nlp.places import Gazetteer
from nlp.simhash import simhash
from nlp.tokenize import add_user_words, content_tokens
from nlp.urgency import assess
from yuqing.profile import Profile

MAX_CHARS = 20_000  # a post longer than this is analysed on its head; it is stored whole
NEUTRAL_BAND = (0.4, 0.6)


@dataclass(frozen=True)
class AnalysisResult:
    model_version: str
    topic: str | None
    topic_prob: float
    topic_level2: str | None
    relevant: bool
    relevance_score: float
    urgency: int
    urgency_score: float
    urgency_signals: tuple[str, ...]
    sentiment: str
    sentiment_score: float
    places: tuple[str, ...]
    jurisdiction: str | None
    keywords: tuple[str, ...]
    spam: bool
    spam_reason: str | None
    simhash: str
    tokens: tuple[str, ...]


def _top(model, tokens_batch):
    probabilities = model.predict_proba(tokens_batch)
    classes = list(model.classes_)
    return [(classes[row.argmax()], float(row.max()), dict(zip(classes, map(float, row), strict=True)))
            for row in probabilities]


class Analyzer:
    def __init__(self, profile: Profile, topic, relevance, sentiment, version: str) -> None:
        self.profile = profile
        self.gazetteer = Gazetteer(profile)
        add_user_words(self.gazetteer.names + [u.name for u in profile.units.values()])
        self._topic, self._relevance, self._sentiment = topic, relevance, sentiment
        self.version = version

    @classmethod
    def load(cls, profile: Profile, model_dir: Path | None = None) -> Analyzer:
        from yuqing.settings import get_settings

        model_dir = model_dir or get_settings().model_dir
        topic, topic_card = load_model("topic", model_dir)
        relevance, relevance_card = load_model("relevance", model_dir)
        sentiment, sentiment_card = load_model("sentiment", model_dir)
        version = "+".join(card.version.split("-", 1)[1][:14] for card in (topic_card, relevance_card, sentiment_card))
        return cls(profile, topic, relevance, sentiment, f"v{version}")

    def analyze(self, title: str, text: str, *, likes: int = 0, reposts: int = 0, comments: int = 0) -> AnalysisResult:
        return self.analyze_many([(title, text, likes, reposts, comments)])[0]

    def analyze_many(self, posts: list[tuple[str, str, int, int, int]]) -> list[AnalysisResult]:
        """Batch form: the classifiers run once per batch, which is where the speed comes from."""
        raw = [f"{title or ''}\n{text or ''}"[:MAX_CHARS] for title, text, *_ in posts]
        cleaned = [clean(value) for value in raw]
        tokens = [content_tokens(value) for value in cleaned]
        feed = [t if t else ["<empty>"] for t in tokens]
        topics = _top(self._topic, feed)
        relevance = _top(self._relevance, feed)
        sentiment = _top(self._sentiment, feed)
        results = []
        for index, (title, text, likes, reposts, comments) in enumerate(posts):
            topic, topic_prob, _ = topics[index]
            _, _, relevance_probs = relevance[index]
            relevant_score = relevance_probs.get("relevant", 0.0)
            positive = sentiment[index][2].get("positive", 0.5)
            label = "neutral" if NEUTRAL_BAND[0] <= positive <= NEUTRAL_BAND[1] else ("positive" if positive > 0.5 else "negative")
            is_relevant = bool(tokens[index]) and relevant_score >= 0.5
            urgency = assess(cleaned[index], relevant=is_relevant, negative=1 - positive, likes=likes or 0,
                             reposts=reposts or 0, comments=comments or 0)
            places = self.gazetteer.match(cleaned[index])
            spam, spam_reason = detect_spam(raw[index])
            results.append(AnalysisResult(
                model_version=self.version, topic=topic if tokens[index] else None, topic_prob=topic_prob if tokens[index] else 0.0,
                topic_level2=level2_of(topic, cleaned[index]), relevant=is_relevant, relevance_score=relevant_score,
                urgency=urgency.level, urgency_score=urgency.score, urgency_signals=urgency.signals,
                sentiment=label, sentiment_score=round(2 * positive - 1, 4), places=places.places,
                jurisdiction=places.jurisdiction, keywords=tuple(keywords(tokens[index])), spam=spam,
                spam_reason=spam_reason, simhash=simhash(tokens[index]), tokens=tuple(tokens[index]),
            ))
        return results
