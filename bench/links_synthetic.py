"""A synthetic archive of people-and-identifier records with a known truth, for linking.

Each true person has a name (Chinese in characters, or Latin), maybe a phone, an e-mail and
a bank account, and turns up in 1-6 cases. Each appearance writes them differently:
张伟 / Zhang Wei / Wei ZHANG / Zhang Wie (typo), SMITH John, a phone as +86 138 0013 8000 or
138-0013-8000, some identifiers left out. Some accounts are shared by two different
people (a household), and common names recur among different people, as they do.
The truth is the person index of every record.

    python bench/links_synthetic.py --records 1000 --out /tmp/archive   # case files to try
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Surnames roughly in order of frequency: the generator draws them with Zipf-like weights,
# so 王/李/张 collide as they do in life.
CN_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
                   "肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
                   "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤") + ["欧阳", "司马", "诸葛", "上官"]
CN_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯"
                "婷雪琳晨阳鑫昊然思雨欣怡子轩梓涵博文嘉豪宏伟俊杰晓东海燕春梅秋菊冬梅淑珍德胜永"
                "成立新光荣庆福贵祥安宁康乐天佳慧颖莉倩蕾薇琪瑶璐晶雯婧琦晴露霖峰岩松林森")
EN_FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David "
            "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy "
            "Matthew Lisa Anthony Betty Mark Margaret Paul Sandra Steven Ashley Andrew Kimberly "
            "Joshua Emily Kenneth Donna Kevin Michelle Brian Carol George Amanda Timothy Melissa "
            "Ronald Deborah Edward Stephanie Jason Rebecca Jeffrey Sharon Ryan Laura Jacob "
            "Cynthia Gary Kathleen Nicholas Amy Eric Angela Jonathan Shirley Stephen Anna Larry "
            "Brenda Justin Pamela Scott Emma Brandon Nicole Benjamin Helen Samuel Samantha Gregory "
            "Katherine Alexander Christine Frank Debra Patrick Rachel Raymond Carolyn Jack Janet "
            "Dennis Maria Jerry Olivia Tyler Heather Aaron Diane Jose Julie Adam Joyce Nathan "
            "Victoria Henry Ruth Zachary Virginia Douglas Lauren Peter Kelly Kyle Christina Noah "
            "Joan Ethan Evelyn Jeremy Judith Walter Andrea Christian Hannah Keith Megan Roger "
            "Cheryl Terry Jacqueline Austin Martha Sean Madison Gerald Teresa Carl Gloria").split()
_SYLLABLES = ("an ber bran cal dor el fen gar hal ing jor kel lan mor nor ost par quin ros sel "
              "tan ur val wen yor zel ard bur cot den ers fal gor hut ill kin lor mac nel ock "
              "pet rid son ter vin wick ley ton ham field stone brook wood").split()
PHONE_FORMATS = ("+86 {a} {b} {c}", "{a}{b}{c}", "{a}-{b}-{c}", "(+86) {a} {b} {c}",
                 "0086 {a}{b}{c}", "+86-{a}-{b}-{c}")
EN_PHONE_FORMATS = ("+44 20 {a} {b}", "+442{a}{b}", "020 {a} {b}")


@dataclass
class Person:
    cn: bool
    surname: str
    given: str
    phone: tuple[str, str, str] | None
    email: str | None
    account: str | None
    latin: tuple[str, str] = ("", "")
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawRecord:
    """One appearance of a person in one case, as written there."""

    case: str
    person: str
    name: str
    phone: str | None
    email: str | None
    account: str | None


def _zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def _pinyin(han: str) -> list[str]:
    from pypinyin import lazy_pinyin

    return [s.lower() for s in lazy_pinyin(han)]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    op = rng.random()
    if op < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op < 0.7:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice("aeiounrst") + word[i + 1:]


def make_people(count: int, rng: random.Random) -> list[Person]:
    cn_weights = _zipf_weights(len(CN_SURNAMES), 0.9)
    en_weights = _zipf_weights(len(EN_FIRST), 0.6)
    people: list[Person] = []
    for index in range(count):
        cn = rng.random() < 0.5
        if cn:
            surname = rng.choices(CN_SURNAMES, cn_weights)[0]
            given = "".join(rng.choices(CN_GIVEN, k=1 if rng.random() < 0.15 else 2))
            latin = ("".join(_pinyin(surname)).capitalize(), "".join(_pinyin(given)).capitalize())
        else:
            surname = "".join(rng.choices(_SYLLABLES, k=2)).capitalize()
            given = rng.choices(EN_FIRST, en_weights)[0]
            latin = (surname, given)
        phone = None
        if rng.random() < 0.8:
            phone = (f"1{rng.choice('3456789')}{rng.randrange(10)}",
                     f"{rng.randrange(10000):04d}", f"{rng.randrange(10000):04d}")
        email = f"{latin[1].lower()}.{latin[0].lower()}{index}@example.org" \
            if rng.random() < 0.4 else None
        account = "62" + "".join(str(rng.randrange(10)) for _ in range(14)) \
            if rng.random() < 0.3 else None
        people.append(Person(cn, surname, given, phone, email, account, latin))
    # Households: 2% of people share an account with someone else (a different person).
    for _ in range(count // 50):
        a, b = rng.sample(people, 2)
        if a.account:
            b.account = a.account
    return people


def written_name(person: Person, rng: random.Random) -> str:
    surname, given = person.latin
    roll = rng.random()
    if person.cn:
        if roll < 0.45:
            return person.surname + person.given
        if roll < 0.65:
            return f"{surname} {given}"
        if roll < 0.8:
            return f"{given} {surname.upper()}"
        if roll < 0.9:
            return f"{surname} {_typo(rng, given)}"
        syllables = _pinyin(person.given)
        return f"{surname} " + "-".join(s.capitalize() for s in syllables)
    if roll < 0.6:
        return f"{given} {surname}"
    if roll < 0.8:
        return f"{given} {_typo(rng, surname)}" if rng.random() < 0.5 \
            else f"{_typo(rng, given)} {surname}"
    if roll < 0.95:
        return f"{surname.upper()} {given}"
    return f"{given[0]}. {surname}"


def written_phone(person: Person, rng: random.Random) -> str | None:
    if person.phone is None or rng.random() < 0.4:
        return None
    a, b, c = person.phone
    return rng.choice(PHONE_FORMATS).format(a=a, b=b, c=c)


def generate(records: int, seed: int = 15) -> tuple[list[RawRecord], list[int]]:
    """`records` appearances of about records/2.5 people; the truth is each one's person."""
    rng = random.Random(seed)
    people = make_people(max(2, int(records / 2.5)), rng)
    out: list[RawRecord] = []
    truth: list[int] = []
    while len(out) < records:
        index = rng.randrange(len(people))
        person = people[index]
        for _ in range(min(1 + int(rng.expovariate(0.6)), 6)):
            if len(out) >= records:
                break
            email = person.email if person.email and rng.random() < 0.5 else None
            if email and rng.random() < 0.3:
                email = email.upper()
            account = person.account if person.account and rng.random() < 0.5 else None
            if account and rng.random() < 0.5:
                account = " ".join(account[i:i + 4] for i in range(0, len(account), 4))
            out.append(RawRecord(f"k{len(out)}", "P1", written_name(person, rng),
                                 written_phone(person, rng), email, account))
            truth.append(index)
    return out, truth


def write_cases(records: list[RawRecord], out: Path) -> None:
    """Write each record as a small case file, for `tipline links` to read."""
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    for record in records:
        person: dict[str, str] = {"id": "P1", "name": record.name, "role": "subject"}
        for key in ("phone", "email", "account"):
            if getattr(record, key):
                person[key] = getattr(record, key)
        case = {"id": record.case, "received_at": "2025-01-01T09:00:00+08:00",
                "people": [{"id": "P0", "name": "Anonymous", "role": "reporter"}, person],
                "reporter": "P0",
                "statements": [{"id": "S1", "by": "P0", "text": f"About {record.name}."}]}
        (out / f"{record.case}.yaml").write_text(
            yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    records, _ = generate(args.records, args.seed)
    write_cases(records, args.out)
    print(f"{len(records)} case files in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
