"""Features of single statements for the learned evasion and probing detectors.

What carries over between authors is less the exact phrase than the shape of an answer: does
it give what the question asks for (a yes or no, a number or a date, a place, a person), how
close is it to the question, does it answer with a question, point elsewhere or hedge. The cue
families of cues.yaml are features here, each weighed by the learned model, not by hand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from tipline.analysis._cues import cues, first_sentence_end, language_of, normalise
from tipline.analysis.embeddings import embed
from tipline.analysis.facts import Item
from tipline.case import Case, Statement

_ASKS_WHERE = re.compile(r"\bwhere\b|哪里|哪儿|什么地方|在哪", re.IGNORECASE)
_ASKS_WHO = re.compile(r"\bwho(?:m|se)?\b|谁|哪位|什么人", re.IGNORECASE)
_ASKS_WHY = re.compile(r"\bwhy\b|为什么|为何|怎么会", re.IGNORECASE)
_QUESTION_MARK = re.compile(r"[?？]")
# A question about the answerer's own doing ("Did you…", "你有没有…"): a hedge there is due an
# answer, unlike a hedge about what others did or what one could not have seen.
# "Can you describe…", "能不能说说" ask to tell, not about one's doing.
_TO_YOU = re.compile(r"(?<!can )(?<!could )(?<!would )\byou(?:r|rself)?\b(?! (?:describe|tell|"
                     r"explain|say|walk)\b)|你(?!们单位|们公司|能不能|可以)|您(?!能|可以)",
                     re.IGNORECASE)
# A question sentence (up to its mark) and what it is about: the asker ("me", "my name", "我"),
# or what the listener knows or holds ("do you know", "have you found", "你们掌握").
_QUESTION = re.compile(r"[^.!?。！？]*[?？]")
_ABOUT_SELF = re.compile(r"\b(?:i|me|my|myself)\b|我", re.IGNORECASE)
# What fishing for the investigation sounds like, and what an honest reporter's worry sounds
# like, written from the definition of probing (asking whether one is suspected, what is known,
# who else reported) against asking for protection — not from any case. A reporter's questions
# are compared with both by meaning, in either language.
PROBE_LIKE = (
    "Am I being investigated?", "Is my name in your files?", "Do you suspect me?",
    "What do you already know about this?", "Who else has reported this to you?",
    "Has anyone mentioned my name to you?", "What has he told you about me?",
    "我是不是被调查了？", "我的名字在你们的档案里吗？", "你们怀疑我吗？",
    "你们已经掌握了哪些情况？", "还有谁举报了这件事？", "有没有人提到我的名字？",
    "他跟你们说了我什么？",
)
WORRY_LIKE = (
    "Please keep my identity confidential.", "Will I be protected if he finds out?",
    "I am afraid of retaliation.", "When will I hear about the outcome of my report?",
    "请为我的身份保密。", "如果他知道了，我会不会被报复？", "我能得到保护吗？",
    "我反映的问题什么时候有结果？",
)
_ABOUT_KNOWING = re.compile(
    r"\byou(?:'ve|'re| have| are| guys)?\b.{0,30}\b(?:know|knew|found|find|have|got|heard|"
    r"check\w*|look\w* into|suspect\w*|investigat\w*)\b|"
    r"(?:你们|警方|组织|公司).{0,10}(?:知道|掌握|查到|查了|调查|怀疑|听说|收到)", re.IGNORECASE)


def evasion_features() -> list[str]:
    """What the evasion scorer reads: each evasion cue family, and the answer's shape."""
    return [f"ev_{n}" for n in cues().sections["evasion"]] + [
        "open_invitation", "polar", "polar_unanswered", "quantity", "quantity_unanswered",
        "where_unanswered", "who_unanswered", "asks_why", "asks_own", "hedged_own",
        "has_number", "direct",
        "counter_question", "log_length", "short", "negated", "ev_prior"]


def probing_features() -> list[str]:
    """What the probing scorer reads: each probing cue family, and what the statement asks."""
    return [f"pr_{n}" for n in cues().sections["probing"]] + [
        "is_answer", "log_length", "first_person", "negated", "asks", "asks_about_self",
        "asks_what_is_known", "pr_prior", "probe_like_question"]


Answer = tuple[Statement, dict[str, float], bool]  # statement, features, said by the reporter


def answer_features(case: Case, items: Sequence[Item]) -> list[Answer]:
    """Every statement with its features; read once per analysis for evasion and probing."""
    by_ref = {it.ref: it for it in items}
    out = [(st, statement_features(case, st.text, st.question, by_ref[st.id]),
            bool(case.reporter and st.by == case.reporter)) for st in case.statements]
    _add_probe_likeness(out)
    return out


@lru_cache(maxsize=1)
def _prototypes() -> tuple[np.ndarray, np.ndarray]:
    return embed(PROBE_LIKE), embed(WORRY_LIKE)


def _likeness(questions: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: nearest probing prototype's cosine minus nearest worry's, and which
    probing prototype is nearest."""
    probe, worry = _prototypes()
    vectors = embed(questions)
    to_probe = vectors @ probe.T
    return to_probe.max(axis=1) - (vectors @ worry.T).max(axis=1), to_probe.argmax(axis=1)


def most_probing_question(text: str) -> tuple[tuple[int, int], str] | None:
    """The span of the statement's most probing question sentence and the prototype it is
    nearest to, for a finding's explanation; None when it asks nothing."""
    spans = [(m.start(), m.end()) for m in _QUESTION.finditer(text) if m.group().strip()]
    if not spans:
        return None
    likeness, nearest = _likeness([text[a:b].strip() for a, b in spans])
    k = int(np.argmax(likeness))
    a, b = spans[k]
    a += len(text[a:b]) - len(text[a:b].lstrip())
    return (a, b), PROBE_LIKE[int(nearest[k])]


def _add_probe_likeness(answers: list[Answer]) -> None:
    """`probe_like_question` for the reporter's statements (the others are not read for
    probing): how much nearer its most probing question sentence comes to the nearest probing
    prototype than to the nearest worry; 0 when it asks nothing."""
    mine = [k for k, (_, _, by_reporter) in enumerate(answers) if by_reporter]
    asked = [[q.strip() for q in _QUESTION.findall(answers[k][0].text) if q.strip()]
             for k in mine]
    for k in mine:
        answers[k][1]["probe_like_question"] = 0.0
    flat = [q for qs in asked for q in qs]
    if not flat:
        return
    likeness = _likeness(flat)[0]
    start = 0
    for k, qs in zip(mine, asked, strict=True):
        if qs:
            answers[k][1]["probe_like_question"] = round(
                float(likeness[start:start + len(qs)].max()), 4)
        start += len(qs)


def statement_features(case: Case, raw_text: str, raw_question: str | None, item: Item
                       ) -> dict[str, float]:
    lex = cues()
    text = normalise(raw_text)
    question = normalise(raw_question or "")
    lang = language_of(case, text)
    qlang = language_of(case, question) if question else lang
    lead_end = first_sentence_end(text)
    feats: dict[str, float] = {}
    prior = 0.0  # the cue lexicon's own weights, summed: a prior the scorer may lean on
    for name, family in lex.sections["evasion"].items():
        found = family.find(text, lang)
        early = any(m.start() < lead_end for m in found)
        feats[f"ev_{name}"] = 0.0 if not found else (1.0 if early or not family.lead else 0.4)
        prior += family.weight * feats[f"ev_{name}"]
    keep = 1.0  # probing families as independent evidence (noisy-or), fear of reprisal against
    for name, family in lex.sections["probing"].items():
        feats[f"pr_{name}"] = float(bool(family.find(text, lang)))
        if feats[f"pr_{name}"]:
            keep *= 1.0 - family.weight  # a negative weight (reprisal fear) lowers the score
    feats["ev_prior"] = round(prior, 4)
    feats["pr_prior"] = round(max(0.0, 1.0 - keep), 4)
    qtypes = lex.sections["question_types"]
    answer = bool(question)
    polar = answer and bool(qtypes["polar"].search(question, qlang))
    quantity = answer and bool(qtypes["quantity_or_time"].search(question, qlang))
    has_number = bool(lex.sections["answer_content"]["number_or_date"].search(text, lang))
    direct = feats["ev_direct_answer"] > 0 or item.denies_question or item.affirms_question
    asks_where = answer and bool(_ASKS_WHERE.search(question))
    asks_who = answer and bool(_ASKS_WHO.search(question))
    own = answer and bool(_TO_YOU.search(question))
    length = len(text) / (1.0 if lang == "zh" else 3.0)  # about one word per unit
    feats |= {
        "is_answer": float(answer),
        "open_invitation": float(answer and bool(qtypes["open_invitation"].search(question,
                                                                                   qlang))),
        "polar": float(polar), "polar_unanswered": float(polar and not direct),
        "quantity": float(quantity), "quantity_unanswered": float(quantity and not has_number),
        "where_unanswered": float(asks_where and not item.places),
        "who_unanswered": float(asks_who and not (item.people - {item.speaker})),
        "asks_why": float(answer and bool(_ASKS_WHY.search(question))),
        "asks_own": float(own),
        "hedged_own": float(own and feats["ev_hedge"] > 0 and not feats["ev_honest_limit"]),
        "has_number": float(has_number), "direct": float(direct),
        "counter_question": float(bool(_QUESTION_MARK.search(text))),
        "log_length": round(float(np.log1p(length)), 3),
        "short": float(length < 12),
        "negated": float(any(s.negated for s in item.sentences)),
        "first_person": float(item.speaker in item.people) if item.speaker else 0.0,
        **_questions_asked(raw_text),
    }
    return feats


def _questions_asked(text: str) -> dict[str, float]:
    """Whether the statement asks something, about the speaker, about what the listener knows."""
    asked = _QUESTION.findall(text)
    return {
        "asks": float(bool(asked)),
        "asks_about_self": float(any(_ABOUT_SELF.search(q) for q in asked)),
        "asks_what_is_known": float(any(_ABOUT_KNOWING.search(q) for q in asked)),
    }
