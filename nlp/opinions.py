"""网民主要观点: the main opinion groups among an issue's posts, each with the post that best stands for
it (the one nearest its centre) and the words that set it apart. For the 舆情专报 (flows/brief.py).

TF-IDF over content tokens and k-means, k chosen by silhouette among a few small values: posts of
one issue share their topic, so what separates them is the stance and the detail (补偿太低 vs 噪音
扰民), which is what an analyst reads a 观点 section for. Near-identical posts (reposts) are counted
once per text so a copied message does not become the main opinion by repetition alone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Normalizer

from nlp.tokenize import content_tokens

MAX_GROUPS = 5


@dataclass(frozen=True)
class OpinionGroup:
    size: int  # posts (repeats included)
    share: float
    terms: tuple[str, ...]  # the words that set the group apart
    representative: int  # index into the texts given


def opinion_pipeline(k: int) -> Pipeline:
    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=content_tokens, min_df=1, sublinear_tf=True)),
        ("norm", Normalizer()),
        ("kmeans", KMeans(n_clusters=k, n_init=10, random_state=0)),
    ])


def opinion_groups(texts: list[str], *, max_groups: int = MAX_GROUPS) -> list[OpinionGroup]:
    """The opinion groups of `texts`, largest first (empty for no text)."""
    if not texts:
        return []
    # Texts are the same opinion when their content tokens are: k-means cannot find more groups
    # than distinct feature rows, and a repost that differs only in punctuation is no new view.
    unique: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        tokens = content_tokens(text or "")
        unique.setdefault(" ".join(tokens) or " ".join((text or "").split()), []).append(index)
    first = list(unique.values())
    keys = [texts[members[0]] or "" for members in first]
    weights = np.array([len(members) for members in first], dtype=float)
    if len(keys) < 3 or not any(content_tokens(k) for k in keys):
        return [OpinionGroup(size=len(texts), share=1.0, terms=(), representative=first[0][0])]
    best = None
    for k in range(2, min(max_groups, len(keys) - 1) + 1):
        pipeline = opinion_pipeline(k)
        try:
            labels = pipeline.fit_predict(keys, kmeans__sample_weight=weights)
        except ValueError:  # an empty vocabulary after stop words
            break
        if len(set(labels)) < 2:
            continue
        features = pipeline[:-1].transform(keys)
        quality = silhouette_score(features, labels)
        if best is None or quality > best[0]:
            best = (quality, pipeline, labels, features)
    if best is None:
        return [OpinionGroup(size=len(texts), share=1.0, terms=(), representative=first[0][0])]
    _, pipeline, labels, _ = best
    distances = pipeline.transform(keys)  # each text's distance to every group's centre
    vocabulary = pipeline.named_steps["tfidf"].get_feature_names_out()
    centres = pipeline.named_steps["kmeans"].cluster_centers_
    groups = []
    for label in sorted(set(labels)):
        members = np.flatnonzero(labels == label)
        nearest = members[int(np.argmin(distances[members, label]))]
        size = int(weights[members].sum())
        top = tuple(vocabulary[i] for i in np.argsort(centres[label])[::-1][:6] if centres[label][i] > 0)
        groups.append(OpinionGroup(size=size, share=size / len(texts), terms=top,
                                   representative=first[nearest][0]))
    return sorted(groups, key=lambda g: -g.size)
