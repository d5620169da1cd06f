"""Synthetic case files of any size, for speed benchmarks: plausible hotline statements with
people, places, dates, amounts, denials and admissions, deterministic per seed."""

from __future__ import annotations

import random
from typing import Any

FIRST = ["Anna", "Ben", "Carla", "Dev", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas",
         "Kemal", "Lena", "Marco", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tariq"]
LAST = ["Keller", "Novak", "Okafor", "Reyes", "Sato", "Varga", "Walsh", "Yilmaz", "Zhou", "Brandt"]
PLACES = ["the Harbour Hotel", "the north depot", "the county office", "the river terminal",
          "the old mill", "the station car park", "the east warehouse", "the union bar"]
WHEN = ["last autumn", "in March this year", "three weeks ago", "June last year", "last week",
        "in early May", "the night before the audit", "two years ago", "on 14 July"]
AMOUNT = ["a few thousand pounds", "around 60,000 pounds", "tens of thousands of pounds",
          "two grand", "18,000 GBP", "just under 1.9 million", "a few hundred quid"]
TEMPLATES = [
    "{a} paid {b} {amount} at {place} {when}.",
    "I never met {b} away from {place}; that is all I know.",
    "{a} told me {b} moved the files out of {place} {when}.",
    "I refused outright and never gave {b} anything.",
    "We met at {place} {when} and {a} handed over {amount}.",
    "I don't really remember. It could have been {amount}, maybe. I'd have to check.",
    "I lied before. {b} has been paying me since {when}, about {amount} each time.",
    "Is someone already looking into me? I want to know if my name is in your files.",
    "The first contact with {b} was {when}, by phone, about the contract at {place}.",
    "{a} was at {place} all evening {when}; I saw the car there myself.",
]


def synthetic_case(n_statements: int, seed: int = 0, n_evidence: int | None = None
                   ) -> dict[str, Any]:
    """A case-file mapping with `n_statements` statements and about one record per ten."""
    rng = random.Random(seed)
    n_people = max(4, n_statements // 25)
    people = [{"id": f"P{i + 1}", "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
               "role": "reporter" if i == 0 else rng.choice(["subject", "witness", "other"])}
              for i in range(n_people)]
    names = [p["name"] for p in people]

    def fill(template: str) -> str:
        return template.format(a=rng.choice(names), b=rng.choice(names),
                               place=rng.choice(PLACES), when=rng.choice(WHEN),
                               amount=rng.choice(AMOUNT))

    statements = []
    for i in range(n_statements):
        text = " ".join(fill(rng.choice(TEMPLATES)) for _ in range(rng.randint(1, 3)))
        entry: dict[str, Any] = {"id": f"S{i + 1}", "by": rng.choice(people)["id"],
                                 "at": f"2025-06-{10 + i * 20 // max(1, n_statements):02d}"
                                       "T09:00:00+01:00",
                                 "text": text}
        if rng.random() < 0.5:
            entry["question"] = f"What happened at {rng.choice(PLACES)}?"
        statements.append(entry)
    evidence = []
    for i in range(n_evidence if n_evidence is not None else max(2, n_statements // 10)):
        a, b = rng.sample(people, 2)
        evidence.append({
            "id": f"E{i + 1}", "kind": rng.choice(["bank_transfer", "location", "communication"]),
            "at": f"2025-0{rng.randint(1, 5)}-{rng.randint(10, 28)}",
            "text": f"{rng.randint(2, 90) * 1000:,} GBP from {a['name']} to {b['name']}; "
                    f"phone of {a['name']} at {rng.choice(PLACES)}.",
            "fields": {"from": a["id"], "to": b["id"]},
        })
    return {"id": f"synthetic-{n_statements}", "language": "en",
            "received_at": "2025-06-10T09:00:00+01:00", "channel": "hotline",
            "reporter": "P1", "people": people, "statements": statements, "evidence": evidence}
