"""Domain-shaped synthetic NLI pairs in English and Chinese, in the style of hotline statements.

Public NLI sets rarely contrast amounts, dates, places, who-did-what-to-whom, or a witness
taking a statement back; these templates add such pairs with known labels. Deterministic
for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from training.data import LABEL2ID, Pair

EN_NAMES = ["Daniel Okafor", "Maria Lopez", "Tom Becker", "Aisha Khan", "Peter Novak",
            "Laura Chen", "the supervisor", "my manager", "the driver", "the landlord",
            "Mr. Hughes", "Mrs. Patel", "the inspector", "the accountant", "Ivan Petrov"]
EN_PLACES = ["the warehouse in Leeds", "the office on King Street", "the car park",
             "a cafe near the station", "the loading dock", "his flat in Bristol",
             "the hotel lobby", "the site office", "the back room of the shop", "the bank"]
EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"]
EN_OBJECTS = ["the photos", "the invoices", "the keys", "the contract", "the laptop",
              "the documents", "the phone", "the samples"]
ZH_NAMES = ["王强", "李娜", "张伟", "刘洋", "陈静", "杨帆", "赵敏", "孙磊", "主管", "经理",
            "司机", "房东", "会计", "周老板", "黄主任"]
ZH_PLACES = ["北京的仓库", "公司办公室", "停车场", "火车站旁边的咖啡馆", "装卸区", "他在上海的家",
             "酒店大堂", "工地办公室", "商店后面的房间", "银行门口"]
ZH_OBJECTS = ["照片", "发票", "钥匙", "合同", "笔记本电脑", "文件", "手机", "样品"]


def _other(rng: random.Random, items: list[str], current: str) -> str:
    return rng.choice([x for x in items if x != current])


def _money(rng: random.Random) -> int:
    return rng.choice([50, 80, 100, 200, 250, 300, 400, 500, 800, 1000, 1200, 1500, 2000,
                       3000, 5000, 7500, 10000, 20000])


def _en(rng: random.Random) -> tuple[str, str, str]:
    """One English (premise, hypothesis, label) triple."""
    a = rng.choice(EN_NAMES)
    b = _other(rng, EN_NAMES, a)
    amt = _money(rng)
    day, month = rng.randint(1, 28), rng.choice(EN_MONTHS)
    place = rng.choice(EN_PLACES)
    obj = rng.choice(EN_OBJECTS)
    cur = rng.choice(["dollars", "euros", "pounds"])
    kind = rng.choice(["pay", "meet", "take", "refuse", "see"])
    if kind == "pay":
        prem = f"On {day} {month}, {a} paid me {amt} {cur} in cash at {place}."
        options = {
            "entailment": [f"{a} gave me money.", f"I received {amt} {cur} from {a}.",
                           f"The payment was made at {place}.", f"I was paid in {month}."],
            "contradiction": [f"{a} paid me {_money_other(rng, amt)} {cur}.",
                              f"{a} never paid me anything.",
                              f"The payment happened on {_day_other(rng, day)} {month}.",
                              f"The payment was made at {_other(rng, EN_PLACES, place)}.",
                              f"It was {b} who paid me, not {a}.",
                              f"I paid {a} {amt} {cur}; {a} did not pay me.",
                              f"I refused the money {a} offered me."],
            "neutral": [f"{a} paid me because I had helped with the move.",
                        f"{b} was also at {place} that day.",
                        f"{a} had paid me before, in {_other(rng, EN_MONTHS, month)}.",
                        f"{a} asked me not to tell anyone."],
        }
    elif kind == "meet":
        prem = f"I met {a} at {place} on {day} {month} around {rng.randint(1, 11)} in the evening."
        options = {
            "entailment": [f"I met {a}.", f"The meeting took place at {place}.",
                           f"I saw {a} in {month}."],
            "contradiction": [f"I have never met {a}.",
                              f"I met {a} at {_other(rng, EN_PLACES, place)}.",
                              f"I met {a} on {day} {_other(rng, EN_MONTHS, month)}.",
                              f"I was not at {place} on {day} {month}."],
            "neutral": [f"{a} was nervous during the meeting.", f"{b} arranged the meeting.",
                        f"We talked about {obj}."],
        }
    elif kind == "take":
        prem = f"{a} took {obj} from {place} and handed them to {b}."
        options = {
            "entailment": [f"{a} removed {obj} from {place}.", f"{b} received {obj}.",
                           f"{obj.capitalize()} ended up with {b}."],
            "contradiction": [f"{b} took {obj} and handed them to {a}.",
                              f"{a} did not touch {obj}.",
                              f"{obj.capitalize()} never left {place}.",
                              f"{b} never received {obj}."],
            "neutral": [f"{a} was paid for {obj}.", f"{b} later lost {obj}.",
                        f"Nobody else knew about {obj}."],
        }
    elif kind == "refuse":
        prem = f"When {a} asked me to sell {obj}, I refused outright."
        options = {
            "entailment": [f"I did not sell {obj} to {a}.", f"{a} asked me for {obj}.",
                           f"I turned down {a}'s request."],
            "contradiction": [f"{a} paid me for {obj}.", f"I sold {obj} to {a}.",
                              f"I agreed to sell {obj} to {a}.",
                              f"{a} never asked me about {obj}."],
            "neutral": [f"{a} offered me {amt} {cur} for {obj}.", f"{b} later bought {obj}.",
                        f"{a} was angry that I said no."],
        }
    else:
        prem = f"I saw {a} hand {b} an envelope with {amt} {cur} at {place}."
        options = {
            "entailment": [f"{a} gave {b} an envelope.", "I witnessed the handover.",
                           f"{b} received money from {a}."],
            "contradiction": [f"I never actually saw {a} hand over any envelope; someone told me.",
                              f"I take back what I said: {a} gave {b} nothing.",
                              f"{b} handed the envelope to {a}.",
                              f"The envelope contained {_money_other(rng, amt)} {cur}.",
                              f"I was not at {place} that day, so I saw nothing."],
            "neutral": [f"{b} counted the money later.", "The envelope was brown.",
                        f"{a} and {b} are cousins."],
        }
    label = rng.choice(list(options))
    return prem, rng.choice(options[label]), label


def _zh(rng: random.Random) -> tuple[str, str, str]:
    """One Chinese (premise, hypothesis, label) triple."""
    a = rng.choice(ZH_NAMES)
    b = _other(rng, ZH_NAMES, a)
    amt = _money(rng)
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    place = rng.choice(ZH_PLACES)
    obj = rng.choice(ZH_OBJECTS)
    kind = rng.choice(["pay", "meet", "take", "refuse", "see"])
    if kind == "pay":
        prem = f"{month}月{day}日，{a}在{place}给了我{amt}元现金。"
        options = {
            "entailment": [f"{a}给过我钱。", f"我从{a}那里收到了{amt}元。", f"付款发生在{place}。",
                           f"我是在{month}月拿到钱的。"],
            "contradiction": [f"{a}给了我{_money_other(rng, amt)}元。", f"{a}从来没有给过我钱。",
                              f"付款是在{month}月{_day_other(rng, day)}日。",
                              f"付款地点是{_other(rng, ZH_PLACES, place)}。",
                              f"给我钱的是{b}，不是{a}。", f"是我给了{a}{amt}元，不是他给我。",
                              f"我拒绝了{a}给的钱。"],
            "neutral": [f"{a}给我钱是因为我帮他搬过家。", f"那天{b}也在{place}。",
                        f"{a}让我不要告诉任何人。"],
        }
    elif kind == "meet":
        prem = f"{month}月{day}日晚上，我在{place}见到了{a}。"
        options = {
            "entailment": [f"我见过{a}。", f"见面地点是{place}。", f"我在{month}月见过{a}。"],
            "contradiction": [f"我从来没见过{a}。",
                              f"我是在{_other(rng, ZH_PLACES, place)}见到{a}的。",
                              f"我是{_other_int(rng, month, 12)}月{day}日见到{a}的。",
                              f"{month}月{day}日我根本不在{place}。"],
            "neutral": [f"见面时{a}很紧张。", f"这次见面是{b}安排的。", f"我们谈到了{obj}。"],
        }
    elif kind == "take":
        prem = f"{a}从{place}拿走了{obj}，交给了{b}。"
        options = {
            "entailment": [f"{a}拿走了{obj}。", f"{b}收到了{obj}。", f"{obj}最后到了{b}手里。"],
            "contradiction": [f"是{b}拿走了{obj}交给{a}。", f"{a}根本没碰过{obj}。",
                              f"{obj}一直留在{place}，没有被拿走。", f"{b}从来没有收到{obj}。"],
            "neutral": [f"{a}因为{obj}收了钱。", f"{b}后来把{obj}弄丢了。",
                        f"别人都不知道{obj}的事。"],
        }
    elif kind == "refuse":
        prem = f"{a}让我把{obj}卖给他，我当场拒绝了。"
        options = {
            "entailment": [f"我没有把{obj}卖给{a}。", f"{a}向我要过{obj}。",
                           f"我拒绝了{a}的要求。"],
            "contradiction": [f"{a}为{obj}付了我钱。", f"我把{obj}卖给了{a}。",
                              f"我同意把{obj}卖给{a}。",
                              f"{a}从来没问过我{obj}的事。"],
            "neutral": [f"{a}出价{amt}元买{obj}。", f"{b}后来买走了{obj}。",
                        f"{a}因为我拒绝而很生气。"],
        }
    else:
        prem = f"我亲眼看到{a}在{place}把一个装有{amt}元的信封交给了{b}。"
        options = {
            "entailment": [f"{a}给了{b}一个信封。", "我目睹了交接过程。",
                           f"{b}从{a}那里收到了钱。"],
            "contradiction": [f"其实我没有亲眼看到{a}交信封，是别人告诉我的。",
                              f"我收回之前的说法：{a}什么也没给{b}。", f"是{b}把信封交给了{a}。",
                              f"信封里装的是{_money_other(rng, amt)}元。",
                              f"那天我不在{place}，什么也没看到。"],
            "neutral": [f"{b}后来数了钱。", "那个信封是棕色的。", f"{a}和{b}是表兄弟。"],
        }
    label = rng.choice(list(options))
    return prem, rng.choice(options[label]), label


def _money_other(rng: random.Random, amt: int) -> int:
    return rng.choice([x for x in (amt * 2, amt // 2 or 1, amt + 100, amt * 10, _money(rng))
                       if x != amt])


def _day_other(rng: random.Random, day: int) -> int:
    return _other_int(rng, day, 28)


def _other_int(rng: random.Random, value: int, top: int) -> int:
    return rng.choice([x for x in range(1, top + 1) if x != value])


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def synth_pairs(n: int, seed: int, langs: tuple[str, ...] = ("en", "zh")) -> list[Pair]:
    """n synthetic pairs, alternating over `langs`, labels roughly balanced."""
    rng = random.Random(seed)
    makers: list[tuple[str, Callable[[random.Random], tuple[str, str, str]]]] = [
        (f"synth-{lang}", {"en": _en, "zh": _zh}[lang]) for lang in langs]
    out = []
    for i in range(n):
        source, make = makers[i % len(makers)]
        prem, hyp, label = make(rng)
        out.append(Pair(_cap(prem), _cap(hyp), LABEL2ID[label], source))
    return out
