"""Marks (密级标志): canonical form, parsing of real-world variants, finding marks in prose."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baomi.levels import STATE_SECRET_LEVELS, Level
from baomi.marking import (
    STAR_CHARS,
    Marking,
    MarkMatch,
    find_all,
    format_marking,
    parse,
)
from baomi.periods import Period

D = datetime.date
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed"


# --- Marking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marking", "text"),
    [
        (Marking(Level.SECRET, Period(years=5)), "机密★5年"),
        (Marking(Level.CONFIDENTIAL, Period(months=6)), "秘密★6个月"),
        (Marking(Level.TOP_SECRET, Period(long_term=True)), "绝密★长期"),
        (Marking(Level.SECRET, Period(until=D(2030, 6, 30))), "机密★2030年6月30日"),
        (Marking(Level.SECRET, Period(condition="会议开始前")), "机密★会议开始前"),
        (Marking(Level.SECRET), "机密★"),
        (Marking(Level.INTERNAL), "内部"),
        (Marking(Level.WORK_SECRET), "工作秘密"),
        (Marking(Level.WORK_SECRET, work_secret_label="内部事项 注意保管"), "内部事项 注意保管"),
    ],
)
def test_canonical_form(marking: Marking, text: str) -> None:
    assert str(marking) == text
    assert parse(text) == marking


def test_format_marking() -> None:
    assert format_marking(Level.SECRET, Period(years=5)) == "机密★5年"
    assert format_marking(Level.TOP_SECRET) == "绝密★"
    assert format_marking(Level.WORK_SECRET) == "工作秘密"


def test_marking_validation() -> None:
    with pytest.raises(ValueError):
        Marking(Level.PUBLIC)
    with pytest.raises(ValueError):
        Marking(Level.SECRET, work_secret_label="内部")
    with pytest.raises(ValueError):
        Marking(Level.WORK_SECRET, Period(years=1))
    with pytest.raises(ValueError):
        Marking(Level.INTERNAL, work_secret_label=" ")
    with pytest.raises(TypeError):
        Marking(4)  # type: ignore[arg-type]


def test_work_secret_label_defaults_to_level_name() -> None:
    assert Marking(Level.WORK_SECRET).work_secret_label == "工作秘密"
    assert Marking(Level.INTERNAL) == Marking(Level.INTERNAL, work_secret_label="内部")


def test_period_stated_and_latest_expiry() -> None:
    start = D(2024, 3, 1)
    assert Marking(Level.SECRET, Period(years=5)).period_stated
    assert Marking(Level.SECRET, Period(years=5)).latest_expiry(start) == D(2029, 3, 1)
    not_stated = Marking(Level.SECRET)
    assert not not_stated.period_stated
    assert not_stated.latest_expiry(start) == D(2044, 3, 1)  # the 20-year ceiling, an upper bound
    assert not Marking(Level.WORK_SECRET).period_stated
    assert Marking(Level.WORK_SECRET).latest_expiry(start) is None
    assert Marking(Level.TOP_SECRET, Period(long_term=True)).latest_expiry(start) is None


def test_problems() -> None:
    assert Marking(Level.SECRET, Period(years=5)).problems() == []
    assert Marking(Level.SECRET).problems() == ["period not stated"]
    assert len(Marking(Level.CONFIDENTIAL, Period(years=15)).problems()) == 1
    late = Marking(Level.CONFIDENTIAL, Period(until=D(2040, 1, 1)))
    assert late.problems() == []  # needs a start date to judge
    assert len(late.problems(D(2024, 1, 1))) == 1
    assert Marking(Level.WORK_SECRET).problems() == []


# --- parse ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("机密★5年", "机密★5年"),
        ("  机密★5年\n", "机密★5年"),
        ("机密☆5年", "机密★5年"),
        ("机密*5年", "机密★5年"),
        ("机密＊5年", "机密★5年"),
        ("机密﹡5年", "机密★5年"),
        ("机密 ★ 5 年", "机密★5年"),
        ("机密\u3000★\u30005年", "机密★5年"),
        ("机密\n★5年", "机密★5年"),
        ("机密\r\n★5年", "机密★5年"),
        ("机密★\n5年", "机密★5年"),
        ("机 密★5年", "机密★5年"),
        ("机密★５年", "机密★5年"),
        ("机密＊１０年", "机密★10年"),
        ("机密★05年", "机密★5年"),
        ("秘密★15年", "秘密★15年"),  # over the ceiling, but still the mark on the paper
        ("秘密★6个月", "秘密★6个月"),
        ("秘密★6月", "秘密★6个月"),
        ("秘密★６ 个 月", "秘密★6个月"),
        ("秘密★6個月", "秘密★6个月"),
        ("秘密★12个月", "秘密★1年"),
        ("绝密★长期", "绝密★长期"),
        ("绝密★長期", "绝密★长期"),
        ("绝密 ☆ 长期", "绝密★长期"),
        ("机密★2030年6月30日", "机密★2030年6月30日"),
        ("机密★2030年06月30日", "机密★2030年6月30日"),
        ("机密★２０３０年０６月３０日", "机密★2030年6月30日"),
        ("机密★2030 年 6 月 30 日", "机密★2030年6月30日"),
        ("机密★会议开始前", "机密★会议开始前"),
        ("机密★ 项目验收后", "机密★项目验收后"),
        ("机密★\n项目验收后", "机密★项目验收后"),
        ("秘密★《合作协议》签署后", "秘密★《合作协议》签署后"),
        ("机密★长期保存后", "机密★长期保存后"),
        ("机密★", "机密★"),
        ("绝密 ＊", "绝密★"),
        ("内部", "内部"),
        ("内部事项 注意保管", "内部事项 注意保管"),
        ("内部事项\u3000注意保管", "内部事项 注意保管"),
        ("内部事项注意保管", "内部事项 注意保管"),
        ("内部事项  注意保管", "内部事项 注意保管"),
        (" 工作秘密 ", "工作秘密"),
    ],
)
def test_parse_variants(text: str, canonical: str) -> None:
    marking = parse(text)
    assert marking is not None, text
    assert str(marking) == canonical


def test_parse_levels() -> None:
    assert parse("秘密★") == Marking(Level.CONFIDENTIAL)
    assert parse("机密★") == Marking(Level.SECRET)
    assert parse("绝密★") == Marking(Level.TOP_SECRET)
    assert parse("内部") == Marking(Level.INTERNAL)
    assert parse("内部事项 注意保管") == Marking(Level.WORK_SECRET, work_secret_label="内部事项 注意保管")
    assert parse("工作秘密") == Marking(Level.WORK_SECRET)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "机密",  # a word, not a mark
        "秘密",
        "绝密文件",
        "公开",
        "机密★★",
        "机密★★★",
        "机密**",
        "机密★2030年",  # a year is not a period
        "机密★1年6个月",
        "秘密★6月30日",
        "机密★0年",
        "秘密★18个月",
        "机密★2030年2月30日",
        "机密★100年",
        "机密★会议开始前。",
        "机密★会" + "议" * 30,
        "工作秘密★5年",
        "内部文件",
        "内部事项",
        "这是机密★5年的文件",
        "机密★5年 机密★5年",
        "机密\n\n★5年",  # two line breaks: not one mark
        "机密 5年",
    ],
)
def test_parse_rejects(text: str) -> None:
    assert parse(text) is None


# --- find_all ------------------------------------------------------------------------------------


def one(text: str) -> MarkMatch:
    matches = find_all(text)
    assert len(matches) == 1, matches
    m = matches[0]
    assert text[m.start : m.end] == m.text
    return m


def test_find_marks_in_running_text() -> None:
    text = "根据规定，本文件标为机密★5年，请妥善保管。"
    m = one(text)
    assert m.text == "机密★5年"
    assert m.marking == Marking(Level.SECRET, Period(years=5))
    assert m.line == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("机密★5年", "机密★5年"),
        ("机密 ＊ ５ 年", "机密★5年"),
        ("秘密*6个月", "秘密★6个月"),
        ("秘密★6月", "秘密★6个月"),
        ("绝密☆长期", "绝密★长期"),
        ("机密★２０３０年０６月３０日", "机密★2030年6月30日"),
        ("机密★会议开始前", "机密★会议开始前"),
        ("机密★ 会议开始前", "机密★会议开始前"),
        ("机密★", "机密★"),
        ("机密\n★5年", "机密★5年"),
        ("机密★\n5年", "机密★5年"),
        ("机密★\n2030年6月30日", "机密★2030年6月30日"),
    ],
)
def test_find_each_variant_in_a_document(raw: str, expected: str) -> None:
    text = f"XX〔2024〕12号\n{raw}\n特急\n\n关于开展保密检查的通知\n\n各单位：\n……"
    m = one(text)
    assert m.text == raw
    assert str(m.marking) == expected
    assert m.strong
    assert m.line == 2
    assert m.start == text.index(raw)


def test_span_of_a_mark_split_by_a_line_break() -> None:
    text = "标题\r\n绝密\r\n☆ 10 年\r\n正文"
    m = one(text)
    assert m.text == "绝密\r\n☆ 10 年"
    assert m.marking == Marking(Level.TOP_SECRET, Period(years=10))
    assert m.strong


def test_several_marks_in_order_with_lines() -> None:
    text = "内部\n第一段。\n第二段说明秘密★1年的由来。\n" + "\n" * 10 + "附件：机密★会议开始前\n工作秘密\n"
    matches = find_all(text)
    assert [str(m.marking) for m in matches] == ["内部", "秘密★1年", "机密★会议开始前", "工作秘密"]
    assert [m.line for m in matches] == [1, 3, 14, 15]
    assert [m.strong for m in matches] == [True, True, False, True]
    for m in matches:
        assert text[m.start : m.end] == m.text


def test_strong_means_own_line_or_header() -> None:
    body = "\n".join(f"第{i}行正文。" for i in range(10))
    assert one(f"{body}\n  机密★5年  \n").strong  # own line, late in the text
    assert not one(f"{body}\n见机密★5年文件\n").strong  # in prose, late
    assert one(f"见机密★5年文件\n{body}").strong  # in prose, but in the header lines


def test_period_not_stated_and_following_title() -> None:
    # 机密★ alone with the title on the next line: the title is not a period.
    for title in ("2024年工作要点", "关于印发工作要点的通知", "5年规划"):
        m = one(f"机密★\n{title}\n正文")
        assert m.text == "机密★"
        assert m.marking == Marking(Level.SECRET)
    # Same line, separated by a space: only condition-like text is a condition.
    m = one("机密★ 关于印发工作要点的通知")
    assert m.marking == Marking(Level.SECRET)
    assert m.text == "机密★"
    m = one("机密★ 项目验收后\n")
    assert m.marking == Marking(Level.SECRET, Period(condition="项目验收后"))


def test_unreadable_period_still_finds_the_level() -> None:
    for raw in ("秘密★18个月", "机密★0年", "机密★2030年", "机密★1年6个月", "机密★2030年2月30日"):
        m = one(f"{raw}\n正文")
        assert m.text == raw[:3]
        assert m.marking == Marking(Level.from_zh(raw[:2]))


@pytest.mark.parametrize(
    "text",
    [
        "严守国家秘密，不泄露机密，绝密文件随阅随退。",
        "打印“秘密”、“机密”、“绝密”文件，应指定专人。",
        "本文件为机密\n文件，请保管。",
        "公司机密\n* 注意事项一\n* 注意事项二",  # markdown bullets after prose
        "公司机密\n★ 重点提示",
        "这是**机密**信息，也是*绝密*信息。",
        "评级：机密★★★",
        "工作秘密★1年",
        "工作秘密是指……",
        "这是内部文件。",
        "内部事项应当注意保管",
        "请注意：内部\n",  # the line is more than the mark
        "查阅绝密文件、资料及区*全体会议",
    ],
)
def test_prose_is_not_a_mark(text: str) -> None:
    assert find_all(text) == []


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("内部", "内部"),
        ("  内部  ", "内部"),
        ("\u3000内部事项\u3000注意保管", "内部事项 注意保管"),
        ("内部事项注意保管", "内部事项 注意保管"),
        ("工作秘密\r", "工作秘密"),
    ],
)
def test_work_secret_mark_on_its_own_line(line: str, label: str) -> None:
    text = f"标题\n{line}\n正文中提到内部和工作秘密两个词。"
    m = one(text)
    assert m.marking.work_secret_label == label
    assert m.strong
    assert m.text == line.strip()


def test_no_star_no_work_word_is_fast_path() -> None:
    assert find_all("") == []
    assert find_all("普通文本，没有任何标志。\n" * 1000) == []


# --- round trip -------------------------------------------------------------------------------------

# Condition text from characters that cannot be read as a period's digits or punctuation.
_CONDITION_ALPHABET = "会议开始前后项目验收结束公布发布之日时止文件定型产品年月个长期合同签署《》"
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    level = draw(st.sampled_from(STATE_SECRET_LEVELS))
    top = level.ceiling_years
    assert top is not None
    period = draw(
        st.one_of(
            st.builds(Period, years=st.integers(1, top)),
            st.builds(Period, months=st.integers(1, 11)),
            st.just(Period(long_term=True)),
            st.builds(Period, until=st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31))),
            st.builds(
                Period,
                condition=st.text(_CONDITION_ALPHABET, min_size=1, max_size=30).filter(lambda s: s != "长期"),
            ),
            st.just(Period.not_stated()),
        )
    )
    return Marking(level, period)


def _spaces(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["", "", " ", "  ", "\u3000", "\t"]))


def _number(draw: st.DrawFn, n: int, pad: int = 1) -> str:
    text = str(n).zfill(draw(st.integers(1, pad)))
    return text.translate(_FULL) if draw(st.booleans()) else text


@st.composite
def written(draw: st.DrawFn, marking: Marking, gap1: str, gap2: str) -> str:
    """`marking` as someone might have typed it: other stars, full-width digits, spaces."""

    def s() -> str:
        return _spaces(draw)

    p = marking.period
    level = marking.level.zh
    if draw(st.booleans()):
        level = level[0] + s() + level[1]
    star = draw(st.sampled_from(STAR_CHARS))
    if p.years is not None:
        period = _number(draw, p.years, 2) + s() + "年"
    elif p.months is not None:
        period = _number(draw, p.months, 2) + s() + draw(st.sampled_from(["个月", "个 月", "月"]))
    elif p.until is not None:
        u = p.until
        parts = [_number(draw, u.year), "年", _number(draw, u.month, 2), "月", _number(draw, u.day, 2), "日"]
        period = parts[0] + "".join(s() + part for part in parts[1:])
    else:
        period = p.zh
    return f"{level}{gap1}{star}{gap2}{period}"


@given(markings())
def test_round_trip_canonical(marking: Marking) -> None:
    assert parse(str(marking)) == marking


@given(st.data(), markings())
def test_round_trip_variants(data: st.DataObject, marking: Marking) -> None:
    gap1 = data.draw(st.sampled_from(["", " ", "\u3000", "\n", " \n ", "\r\n"]))
    gap2 = data.draw(st.sampled_from(["", " ", "\u3000 ", "\n"]))
    text = data.draw(written(marking, gap1, gap2))
    assert parse(text) == marking, text
    assert parse(f"\n {text} \n") == marking

    # The same mark in a document, on its own line after a document number.
    doc = f"XX〔2024〕12号\n{text}\n\n关于开展保密检查的通知\n正文。"
    m = one(doc)
    assert m.start == len("XX〔2024〕12号\n")
    assert m.strong
    cond = marking.period.condition
    # What find_all deliberately does not read as the period in running text: a condition
    # on the next line, or after a space unless it reads like one (ends in 前/后/…).
    endings = ("前", "后", "时", "止", "日")
    if cond is not None and gap2 != "" and ("\n" in gap2 or not cond.endswith(endings)):
        assert m.marking == Marking(marking.level)
        star_at = next(i for i, c in enumerate(text) if c in STAR_CHARS)
        assert m.text == text[: star_at + 1]
    else:
        assert m.marking == marking
        assert m.text == (text if marking.period_stated else text.rstrip())


# --- the seed: prose full of 机密/秘密/绝密 and no marks ------------------------------------------


def _seed_text() -> str:
    if not SEED.is_dir():
        pytest.skip(f"seed folder {SEED} not found (expected shared/ beside the repository)")
    files = sorted(p for p in SEED.rglob("*") if p.is_file())
    assert files, f"{SEED} is empty"
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_seed_prose_has_no_state_secret_marks() -> None:
    text = _seed_text()
    # Not vacuous: the prose uses the level words hundreds of times.
    uses = sum(text.count(word) for word in ("机密", "秘密", "绝密"))
    assert uses >= 200, uses
    assert text.count("绝密") >= 10
    matches = find_all(text)
    assert [m for m in matches if m.marking.is_state_secret] == []
    # Looked at: the seed has no line that is only 内部 / 工作秘密 / 内部事项 注意保管 either.
    assert matches == []
    # No line of it parses as a mark on its own.
    assert [line for line in text.splitlines() if parse(line) is not None] == []


def test_seed_prose_with_marks_added_finds_exactly_those() -> None:
    text = _seed_text()
    lines = text.splitlines(keepends=True)
    inserted = {
        0: "机密★5年\n",
        len(lines) // 3: "秘密＊６个月\n",
        len(lines) // 2: "内部事项　注意保管\n",
        len(lines) - 1: "绝密\n★长期\n",
    }
    doc = "".join(inserted.get(i, "") + line for i, line in enumerate(lines))
    found = find_all(doc)
    assert [str(m.marking) for m in found] == ["机密★5年", "秘密★6个月", "内部事项 注意保管", "绝密★长期"]
    assert all(m.strong for m in found)
    for m in found:
        assert doc[m.start : m.end] == m.text
