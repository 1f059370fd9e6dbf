"""The whole analysis of one post: normalise and cut once, then topic, relevance, urgency, places,
keywords, spam and SimHash from the content tokens of that cut; sentiment reads the whole cut with
the emoticons and emoji cleaning removed (they, negations and punctuation carry the polarity) and
gives three polarities and an emotion (nlp/sentiment.py)."""

from __future__ import annotations

import gc
from copy import copy
from dataclasses import dataclass
from pathlib import Path

from sklearn.pipeline import Pipeline

from nlp.features import LinearBank
from nlp.keywords import keywords
from nlp.level2 import level2_of
from nlp.models import EMPTY_TEXT, ModelCard, load_model, reads_raw_text, sentiment_tokens_of
from nlp.normalize import clean_keeping_cues, detect_spam, normalise
from nlp.places import Gazetteer
from nlp.sentiment import judge
from nlp.simhash import simhash_many
from nlp.tokenize import Tokenizer, content_of, for_profile
from nlp.urgency import assess
from nlp.urgency_model import EMERGENCY, threshold_of
from yuqing.profile import Profile

MAX_CHARS = 20_000  # a post longer than this is analysed on its head; it is stored whole
RELEVANT_AT = 0.5


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
    needs_triage: bool = False  # topic probability under the profile's triage threshold, or no topic at all
    emotion: str | None = None  # 愤怒/恐惧/悲伤 within negative, 喜悦, 中性 (nlp/sentiment.py)
    negative_intensity: float = 0.0  # 0–1: P of the negative emotions, anger and fear weighing more than sadness


def _fed_tokens(model):
    """A model that cuts raw text itself, without that step: the analysis hands it the tokens."""
    if reads_raw_text(model):
        return Pipeline(model.steps[1:])
    return model


class Analyzer:
    def __init__(self, profile: Profile, topic, relevance, sentiment, version: str,
                 cards: dict[str, ModelCard] | None = None, emergency=None) -> None:
        self.profile = profile
        self.gazetteer = Gazetteer(profile)
        self.tokenizer: Tokenizer = for_profile(profile)
        self._topic, self._relevance, self._sentiment = topic, relevance, sentiment
        self.cards = cards or {}
        # the supervised emergency model beside the urgency rules; without it the rules alone decide
        self._emergency = emergency
        self._emergency_at = threshold_of(self.cards["urgency"]) if emergency is not None else None
        self._content_bank = LinearBank([m for m in (topic, relevance, emergency) if m is not None])
        # the sentiment model reads its own tokens; one fed the content tokens is the same fold either way
        self._sentiment_bank = LinearBank([_fed_tokens(sentiment)])
        self.version = version
        self.triage_below = profile.meta.triage.min_topic_prob

    @classmethod
    def load(cls, profile: Profile, model_dir: Path | None = None) -> Analyzer:
        from yuqing.settings import get_settings

        model_dir = model_dir or get_settings().model_dir
        models, cards = {}, {}
        for kind in ("topic", "relevance", "sentiment"):
            models[kind], cards[kind] = load_model(kind, model_dir)
        kinds = ["topic", "relevance", "sentiment"]
        if (model_dir / "urgency.joblib").is_file():  # optional: a model directory from before it existed
            models["urgency"], cards["urgency"] = load_model("urgency", model_dir)
            kinds.append("urgency")
        version = "+".join(cards[k].version.split("-", 1)[1][:14] for k in kinds)
        return cls(profile, models["topic"], models["relevance"], models["sentiment"], f"v{version}", cards,
                   emergency=models.get("urgency"))

    def without_emergency_model(self) -> Analyzer:
        """The same analysis with the urgency rules alone (to measure the rules, or what the model adds)."""
        rules_only = copy(self)
        if self._emergency is not None:
            rules_only._emergency = rules_only._emergency_at = None
            rules_only.version = self.version.rsplit("+", 1)[0]  # the version names the models that ran
        return rules_only

    def analyze(self, title: str, text: str, *, likes: int = 0, reposts: int = 0, comments: int = 0) -> AnalysisResult:
        return self.analyze_many([(title, text, likes, reposts, comments)])[0]

    def analyze_many(self, posts: list[tuple[str, str, int, int, int]]) -> list[AnalysisResult]:
        """Batch form: the classifiers run once per batch, which is where the speed comes from."""
        if not posts:
            return []
        # A batch makes tens of thousands of small lists and no reference cycle, so the cyclic
        # collector would only re-scan live objects (~5 % of the time); reference counting still
        # frees everything, and a collection runs after the batch as it would have.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._analyze_many(posts)
        finally:
            if collecting:
                gc.enable()

    def _analyze_many(self, posts: list[tuple[str, str, int, int, int]]) -> list[AnalysisResult]:
        raw = [f"{title or ''}\n{text or ''}"[:MAX_CHARS] for title, text, *_ in posts]
        normalised = [normalise(value) for value in raw]
        prepared = [clean_keeping_cues(value, normalised=True) for value in normalised]
        cleaned = [value for value, _ in prepared]
        cuts = [self.tokenizer.lcut(value) for value in cleaned]  # the one cut every part reads
        tokens = [content_of(cut) for cut in cuts]
        feed = [t if t else [EMPTY_TEXT] for t in tokens]
        content_models = self._content_bank.probabilities(feed)
        topic_p, relevance_p = content_models[0], content_models[1]
        emergency_p = None
        if self._emergency is not None:
            emergency_p = content_models[2][:, list(self._emergency.classes_).index(EMERGENCY)]
        if reads_raw_text(self._sentiment):
            # polarity lives in what the content tokens drop: emoticons, negations, punctuation
            own = [sentiment_tokens_of(cut, cues) for cut, (_, cues) in zip(cuts, prepared, strict=True)]
            sentiment_p = self._sentiment_bank.probabilities(own)[0]
        else:
            sentiment_p = self._sentiment_bank.probabilities(feed)[0]
        topic_classes, relevance_classes, sentiment_classes = (
            [str(c) for c in model.classes_] for model in (self._topic, self._relevance, self._sentiment))
        # whole columns to Python numbers at once: indexing numpy one element at a time costs more
        best_topic = topic_p.argmax(axis=1).tolist()
        best_prob = topic_p.max(axis=1).tolist()
        relevance_scores = (relevance_p[:, relevance_classes.index("relevant")].tolist()
                            if "relevant" in relevance_classes else [0.0] * len(posts))
        polarities, emotions, sentiment_scores, negatives = judge(sentiment_classes, sentiment_p)
        alarms = [None] * len(posts)
        if emergency_p is not None:
            alarms = [p if p >= self._emergency_at else None for p in emergency_p.tolist()]
        signatures = simhash_many(tokens)
        results = []
        for index, (_title, _text, likes, reposts, comments) in enumerate(posts):
            has_text = bool(tokens[index])
            topic = topic_classes[best_topic[index]] if has_text else None
            topic_prob = best_prob[index] if has_text else 0.0
            relevance_score = relevance_scores[index]
            model_relevant = has_text and relevance_score >= RELEVANT_AT
            alarm = alarms[index] if has_text else None
            urgency = assess(cleaned[index], relevant=model_relevant, negative=negatives[index], likes=_int(likes),
                             reposts=_int(reposts), comments=_int(comments), model_alarm=alarm)
            # an emergency is a matter for the government whatever the relevance model thinks
            relevant = model_relevant or urgency.emergency
            places = self.gazetteer.match(cleaned[index])
            spam, spam_reason = detect_spam(normalised[index], simplified=True)
            results.append(AnalysisResult(
                model_version=self.version, topic=topic, topic_prob=round(topic_prob, 4),
                topic_level2=level2_of(topic, cleaned[index]), relevant=relevant,
                relevance_score=round(relevance_score, 4), urgency=urgency.level, urgency_score=urgency.score,
                urgency_signals=urgency.signals, sentiment=polarities[index], sentiment_score=sentiment_scores[index],
                places=places.places, jurisdiction=places.jurisdiction, keywords=tuple(keywords(tokens[index])),
                spam=spam, spam_reason=spam_reason, simhash=signatures[index], tokens=tuple(tokens[index]),
                needs_triage=topic is None or topic_prob < self.triage_below,
                emotion=emotions[index], negative_intensity=negatives[index],
            ))
        return results


def _int(value) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0
