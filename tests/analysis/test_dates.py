"""Table-driven tests for date/time normalisation (English via Duckling, Chinese via jionlp)."""

from __future__ import annotations

from datetime import datetime

import pytest

from tipline.analysis.dates import DateMention, day_context, find_dates, intervals_disjoint

D = datetime
EN_ANCHOR = D(2025, 9, 16, 10, 0)  # a Tuesday
ZH_ANCHOR = D(2025, 3, 18, 10, 0)  # a Tuesday (zh-pollution-date)

EN_CASES = [
    # (text, span, lo, hi, precision)
    ("June last year", "June last year", D(2024, 6, 1), D(2024, 7, 1), "month"),
    ("It started last autumn.", "last autumn", D(2024, 9, 23), D(2024, 12, 22), "season"),
    ("three weeks ago", "three weeks ago", D(2025, 8, 23), D(2025, 8, 30), "week"),
    ("in March this year", "in March this year", D(2025, 3, 1), D(2025, 4, 1), "month"),
    ("It was around March this year.", "around March this year", D(2025, 2, 14),
     D(2025, 4, 16), "month"),
    ("last October", "last October", D(2024, 10, 1), D(2024, 11, 1), "month"),
    ("Mid-August, in the car park.", "Mid-August", D(2025, 8, 11), D(2025, 8, 21), "range"),
    ("paying me since last autumn", "since last autumn", D(2024, 9, 23), EN_ANCHOR, "since"),
    ("We met on 3 March.", "on 3 March", D(2025, 3, 3), D(2025, 3, 4), "day"),
    ("saved on 2024-11-03", "on 2024-11-03", D(2024, 11, 3), D(2024, 11, 4), "day"),
    ("closed at 22:58", "at 22:58", D(2025, 9, 16, 22, 58), D(2025, 9, 16, 22, 59), "minute"),
    ("I was home by ten thirty.", "by ten thirty", D(2025, 9, 16), D(2025, 9, 16, 22, 31),
     "range"),
    ("last week", "last week", D(2025, 9, 8), D(2025, 9, 15), "week"),
    ("yesterday", "yesterday", D(2025, 9, 15), D(2025, 9, 16), "day"),
    ("two years ago", "two years ago", D(2023, 1, 1), D(2024, 1, 1), "year"),
    ("the night before", "the night before", D(2025, 9, 15, 18), D(2025, 9, 16, 6), "range"),
    ("a few weeks ago", "a few weeks ago", D(2025, 8, 2), D(2025, 9, 6), "week"),
    ("the end of my shift at 10:45", "at 10:45", D(2025, 9, 16, 22, 45), D(2025, 9, 16, 22, 46),
     "minute"),
    ("He has been a director since 2019.", "since 2019", D(2019, 1, 1), EN_ANCHOR, "since"),
    ("Once or twice last summer", "last summer", D(2024, 6, 21), D(2024, 9, 24), "season"),
    ("paid on 3 March 2024 at 10am.", "on 3 March 2024 at 10am.", D(2024, 3, 3, 10),
     D(2024, 3, 3, 11), "hour"),
    ("In late 2024 the firm moved", "late 2024", D(2024, 8, 1), D(2025, 1, 1), "range"),
    ("ten days ago", "ten days ago", D(2025, 9, 6), D(2025, 9, 7), "day"),
]  # fmt: skip

ZH_CASES = [
    ("去年六月", "去年六月", D(2024, 6, 1), D(2024, 7, 1), "month"),
    ("去年6月他来过", "去年6月", D(2024, 6, 1), D(2024, 7, 1), "month"),
    ("上个月我在抖音上看直播", "上个月", D(2025, 2, 1), D(2025, 3, 1), "month"),
    ("三天前", "三天前", D(2025, 3, 15), D(2025, 3, 16), "day"),
    ("去年年底就开始了", "去年年底", D(2024, 11, 1), D(2025, 1, 1), "range"),
    ("前年", "前年", D(2023, 1, 1), D(2024, 1, 1), "year"),
    ("上周六", "上周六", D(2025, 3, 15), D(2025, 3, 16), "day"),
    ("3月8号，星期六", "3月8号", D(2025, 3, 8), D(2025, 3, 9), "day"),
    ("去年腊月里，快过年那阵子", "去年腊月", D(2024, 12, 16), D(2025, 2, 13), "range"),
    ("今年三月", "今年三月", D(2025, 3, 1), D(2025, 4, 1), "month"),
    ("昨天晚上", "昨天晚上", D(2025, 3, 17, 18), D(2025, 3, 18), "range"),
    ("晚上十点", "晚上十点", D(2025, 3, 18, 22), D(2025, 3, 18, 23), "hour"),
    ("他三月份调走了", "三月份", D(2025, 3, 1), D(2025, 4, 1), "month"),
    ("12月5号", "12月5号", D(2024, 12, 5), D(2024, 12, 6), "day"),
    ("三月十号左右吧", "三月十号左右", D(2025, 3, 8), D(2025, 3, 13), "day"),
    ("四月十号", "四月十号", D(2024, 4, 10), D(2024, 4, 11), "day"),  # later than anchor: last year
]  # fmt: skip


def _one(found: list[DateMention], text: str, span: str) -> DateMention:
    matches = [d for d in found if d.text == span]
    assert len(matches) == 1, found
    d = matches[0]
    assert text[d.start : d.end] == span
    return d


@pytest.mark.parametrize(("text", "span", "lo", "hi", "precision"), EN_CASES)
def test_english_dates(text: str, span: str, lo: datetime, hi: datetime, precision: str) -> None:
    d = _one(find_dates(text, "en", EN_ANCHOR), text, span)
    assert (d.lo, d.hi, d.precision) == (lo, hi, precision)


@pytest.mark.parametrize(("text", "span", "lo", "hi", "precision"), ZH_CASES)
def test_chinese_dates(text: str, span: str, lo: datetime, hi: datetime, precision: str) -> None:
    d = _one(find_dates(text, "zh", ZH_ANCHOR), text, span)
    assert (d.lo, d.hi, d.precision) == (lo, hi, precision)


@pytest.mark.parametrize(
    ("text", "lang", "anchor", "span", "lo", "hi"),
    [
        # Past bias: "Friday" said on a Sunday is the Friday before, 23:15 give or take.
        ("On Friday night, around quarter past eleven, I saw a dark SUV", "en",
         D(2025, 11, 23, 8, 30), "On Friday night, around quarter past eleven",
         D(2025, 11, 21, 23), D(2025, 11, 21, 23, 31)),
        # "the night before" is relative to the mention before it.
        ("We met on 3 March. I saw him the night before.", "en", EN_ANCHOR, "the night before",
         D(2025, 3, 2, 18), D(2025, 3, 3, 6)),
        # A bare clock time takes the day mentioned just before it.
        ("Badge records, 11 April 2025: badged in at 21:58.", "en", D(2025, 4, 20),
         "at 21:58", D(2025, 4, 11, 21, 58), D(2025, 4, 11, 21, 59)),
        # A night shift crosses midnight: 1 a.m. is on the next calendar day.
        ("七月三十一号那天我值夜班。大概夜里一点多，我听见304房吵", "zh", D(2025, 8, 8),
         "夜里一点", D(2025, 8, 1, 1), D(2025, 8, 1, 2)),
        # A weekday's 半夜 is that night, into the next day's small hours.
        ("上个星期四半夜，我听见有人喊。", "zh", D(2025, 8, 8, 10), "上个星期四半夜",
         D(2025, 7, 31, 21), D(2025, 8, 1, 6)),
        # 第二天 counts from the last day the text named, not from the day it was said.
        ("七月三十一号那天我值夜班。大概夜里一点多，我听见。一直绑到第二天早上交班前才解开。", "zh",
         D(2025, 8, 8, 10), "第二天早上", D(2025, 8, 1, 6), D(2025, 8, 1, 10)),
        # A month that narrows the season just before it lies inside that season.
        ("The first contact was last autumn, in October I think.", "en", D(2025, 11, 27),
         "in October", D(2024, 10, 1), D(2024, 11, 1)),
        # A date without a year follows the year of the date before it.
        ("2024年10月9日、12月2日两次调解", "zh", D(2025, 3, 11), "12月2日",
         D(2024, 12, 2), D(2024, 12, 3)),
        # A date later than a date-only anchor on the same day stays in that year.
        ("5月2日10:01至10:09，吴丽华与一境外号码通话", "zh", D(2025, 5, 2),
         "5月2日10:01至10:09", D(2025, 5, 2, 10, 1), D(2025, 5, 2, 10, 10)),
    ],
)  # fmt: skip
def test_dates_in_context(
    text: str, lang: str, anchor: datetime, span: str, lo: datetime, hi: datetime
) -> None:
    d = _one(find_dates(text, lang, anchor), text, span)
    assert (d.lo, d.hi) == (lo, hi)


@pytest.mark.parametrize(
    ("question", "answer", "lang", "span", "lo", "hi"),
    [
        # The answer's clock time goes on the day its question asks about, not the interview's.
        ("Where were you on the evening of Friday 21 November?", "At home all evening.", "en",
         "all evening", D(2025, 11, 21, 18), D(2025, 11, 22)),
        ("What time did he get home on Friday 21st?", "After midnight, I think.", "en",
         "After midnight", D(2025, 11, 22), D(2025, 11, 22, 6)),
        ("七月三十一号晚上你在哪里？", "晚上十点多我在家。", "zh",
         "晚上十点", D(2025, 7, 31, 22), D(2025, 7, 31, 23)),
        # An answer that names its own day keeps it.
        ("Where were you on Friday 21 November?", "On the 20th I was in Leeds.", "en",
         "On the 20th", D(2025, 11, 20), D(2025, 11, 21)),
    ],
)  # fmt: skip
def test_answer_dates_take_the_questions_day(
    question: str, answer: str, lang: str, span: str, lo: datetime, hi: datetime
) -> None:
    anchor = D(2025, 11, 27, 10, 0)
    context = day_context(find_dates(question, lang, anchor))
    d = _one(find_dates(answer, lang, anchor, context), answer, span)
    assert (d.lo, d.hi) == (lo, hi)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("He is a nice man.", "en"),
        ("It cost about 20,000 RMB.", "en"),
        ("between fifteen and twenty thousand pounds", "en"),
        ("P1 sends m.consult 41 photographs.", "en"),
        ("a section of racking in aisle 14 came down", "en"),
        ("a 10 by 12 centimetre dressing", "en"),
        ("for about four years", "en"),
        ("camera at 9th Avenue and Birch Street", "en"),
        ("I sat down.", "en"),
        ("Room 101 on the 3rd floor", "en"),
        ("The first contact was online.", "en"),
        ("我跟他只见过两三次面，私下没有任何接触。", "zh"),
        ("晚上偷偷往清水河里排废水", "zh"),
        ("一个星期来好几趟", "zh"),
        ("他伸出五个手指头", "zh"),
    ],
)
def test_no_dates(text: str, lang: str) -> None:
    assert find_dates(text, lang, EN_ANCHOR) == []


@pytest.mark.parametrize("text", [
    "in cash, in an envelope on Fridays",
    "Every Sunday night he took the envelopes to his office.",
    "33 of them are dated on a weekend.",
])
def test_recurring_weekdays_are_not_a_date(text: str) -> None:
    assert find_dates(text, "en", EN_ANCHOR) == []


def test_that_weekday_is_the_one_the_conversation_is_about() -> None:
    """Asked about the night of Friday 11 April, "it happened that Friday night" is the 11th,
    not the Friday before the interview (the 25th); without the context it is the latter."""
    anchor = D(2025, 4, 30, 16, 0)
    context = find_dates("What did you see on the night of Friday 11 April?", "en", anchor)[0]
    answer = "It happened here, that Friday night, when the beam came down."
    assert find_dates(answer, "en", anchor, context)[0].lo == D(2025, 4, 11, 18)
    assert find_dates(answer, "en", anchor)[0].lo == D(2025, 4, 25, 18)


def test_aware_anchor_is_reduced_to_wall_clock() -> None:
    from datetime import timedelta, timezone

    aware = EN_ANCHOR.replace(tzinfo=timezone(timedelta(hours=-5)))
    assert find_dates("yesterday", "en", aware)[0].lo == D(2025, 9, 15)


def _span(text: str, lang: str, anchor: datetime, span: str) -> DateMention:
    return _one(find_dates(text, lang, anchor), text, span)


def test_pollution_dates_conflict_and_agree() -> None:
    last_saturday = _span("上周六晚上十点多", "zh", ZH_ANCHOR, "上周六晚上十点")
    march_8 = _span("3月8号", "zh", D(2025, 3, 20), "3月8号")
    assert intervals_disjoint(last_saturday, march_8)  # the reporter misremembers one date
    year_end = _span("去年年底", "zh", ZH_ANCHOR, "去年年底")
    la_yue = _span("去年腊月", "zh", D(2025, 3, 20), "去年腊月")
    assert not intervals_disjoint(year_end, la_yue)


def test_customs_mid_august_inside_since_last_autumn() -> None:
    mid_aug = _span("Mid-August", "en", D(2025, 9, 18), "Mid-August")
    since = _span("since last autumn", "en", D(2025, 10, 2), "since last autumn")
    assert not intervals_disjoint(mid_aug, since)


def test_home_by_ten_thirty_against_bar_tab() -> None:
    home = _span(
        "But I was home by ten thirty at the latest.", "en", D(2025, 11, 21), "by ten thirty"
    )
    tab = _span(
        "closed 22:58 on 21 November 2025", "en", D(2025, 11, 21), "22:58 on 21 November 2025"
    )
    assert intervals_disjoint(home, tab)


def test_last_month_against_contact_on_22_march() -> None:
    last_month = _span("上个月我在抖音上看直播", "zh", D(2025, 5, 6), "上个月")
    added = _span("2025年3月22日添加好友", "zh", D(2025, 3, 22), "2025年3月22日")
    assert intervals_disjoint(last_month, added)


def test_a_questions_part_of_day_decides_am_or_pm() -> None:
    """Asked at 14:20 about "the afternoon of Monday 14 July", "one o'clock" is 13:00 that
    day: the weekday-and-date is the last such date (Duckling reads 2031 to match the weekday),
    and an hour outside the afternoon moves by twelve hours into it (alone, at 14:20, the
    latest past "one o'clock" is 01:00)."""
    anchor = D(2025, 11, 10, 14, 20)
    context = day_context(find_dates("Where were you on the afternoon of Monday 14 July?", "en",
                                     anchor))
    assert context is not None and context.lo == D(2025, 7, 14, 12)
    answer = "At the county hearing, from one o'clock until it wrapped up after five."
    d = _one(find_dates(answer, "en", anchor, context), answer, "from one o'clock")
    assert (d.lo, d.hi) == (D(2025, 7, 14, 13), D(2025, 7, 14, 19))


def test_the_weekday_after_a_named_day() -> None:
    """"between 10 pm on Friday 11 April and 2 am on the Saturday": that Saturday is the 12th
    (already inside the range, so no second mention), not the Saturday nearest the interview;
    and "clocked out at six" in that night window is 06:00 on the Saturday."""
    anchor = D(2025, 4, 25, 10, 0)
    question = "Where were you between 10 pm on Friday 11 April and 2 am on the Saturday?"
    found = find_dates(question, "en", anchor)
    assert [(d.lo, d.hi) for d in found] == [(D(2025, 4, 11, 22), D(2025, 4, 12, 3))]
    answer = "I didn't leave the building until I clocked out at six."
    d = _one(find_dates(answer, "en", anchor, day_context(found)), answer, "at six")
    assert d.lo == D(2025, 4, 12, 6)
    later = "I saw him on Monday 3 March and again on the Wednesday."
    assert _one(find_dates(later, "en", anchor), later, "Wednesday").lo == D(2025, 3, 5)


def test_a_clock_time_goes_to_the_nearest_day() -> None:
    """"registered at 00:12 on 12 April; … approx 23:30": forty minutes before, on the 11th,
    not almost a day later."""
    text = 'Registered at 00:12 on 12 April 2025. Note: "struck at work approx 23:30".'
    d = _one(find_dates(text, "en", D(2025, 4, 12, 0, 12)), text, "23:30")
    assert d.lo == D(2025, 4, 11, 23, 30)
