"""The 监测方案 query language: what matches, what is refused (with the position and the reason),
hostile input, and many schemes matched in one pass giving the same answers as one by one."""

import csv

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from nlp.query import MAX_DEPTH, QueryError, SchemeIndex, parse


@pytest.mark.parametrize("query, text, expected", [
    ("鲤城 AND (拆迁 OR 征收) NOT 招聘", "鲤城区拆迁补偿不到位", ("鲤城", "拆迁")),
    ("鲤城 AND (拆迁 OR 征收) NOT 招聘", "鯉城區徵收土地補償太低", ("鲤城", "征收")),  # traditional post
    ("鲤城 AND (拆迁 OR 征收) NOT 招聘", "鲤城拆迁公司招聘工人", None),
    ("鲤城 AND (拆迁 OR 征收) NOT 招聘", "鲤城今天下雨", None),
    ("+江南街道 +噪音 !广告", "江南街道工地夜间噪音扰民", ("江南街道", "噪音")),
    ("+江南街道 +噪音 !广告", "江南街道噪音治理广告", None),
    ("江南街道 噪音", "江南街道噪音", ("江南街道", "噪音")),  # side by side means AND
    ("拆迁 | 征收", "征收", ("征收",)),
    ("拆迁 -招聘", "拆迁招聘", None),
    ('"垃圾 焚烧" OR 焚烧厂', "建垃圾 焚烧厂", ("垃圾 焚烧", "焚烧厂")),
    ("“垃圾焚烧” NEAR/5 抗议", "垃圾焚烧项目引发抗议", ("垃圾焚烧", "抗议")),
    ("噪音 NEAR/3 扰民", "噪音严重扰民", ("噪音", "扰民")),
    ("噪音 NEAR/3 扰民", "扰民的噪音", ("噪音", "扰民")),  # either order
    ("噪音 NEAR/3 扰民", "噪音问题一直存在，晚上扰民", None),
    ("ＡＢＣ", "abc公司", ("abc",)),  # full width and case folded
    ("NOT 招聘 拆迁", "拆迁", ("拆迁",)),
])
def test_what_matches(query, text, expected):
    assert parse(query).match(text) == expected


@pytest.mark.parametrize("query, position, reason", [
    ("鲤城 AND (拆迁 OR 征收", 8, "括号没有闭合"),
    ("鲤城)", 3, "多余的右括号"),
    ("", 1, "查询为空"),
    ("   ", 1, "查询为空"),
    ("NOT 招聘", 1, "至少写一个必须出现的词"),
    ("!广告 !招聘", 1, "至少写一个必须出现的词"),
    ("拆迁 OR", 4, "OR 后面缺少检索词"),
    ("AND 拆迁", 1, "AND 前面缺少检索词"),
    ("拆迁 AND AND 征收", 4, "AND 后面缺少检索词"),
    ('"拆迁 征收', 1, "引号没有闭合"),
    ('""', 1, "空的引号短语"),
    ("拆迁 NEAR/ 征收", 4, "NEAR 后面要写距离"),
    ("拆迁 NEAR/x 征收", 4, "距离必须是数字"),
    ("(a OR b) NEAR/3 c", 10, "NEAR 的两边只能是词或引号短语"),
    ("NEAR/3 c", 1, "NEAR 前面缺少检索词"),
    ("()", 1, "空括号"),
    ("a\x00b", 2, "控制字符"),
    ("a NEAR/99999 b", 3, "NEAR 的距离最多"),
])
def test_malformed_queries_are_refused_with_position_and_reason(query, position, reason):
    with pytest.raises(QueryError) as caught:
        parse(query)
    assert caught.value.position == position and reason in caught.value.reason
    assert f"第 {position} 个字符" in str(caught.value)


def test_hostile_queries_are_bounded():
    with pytest.raises(QueryError, match="嵌套"):
        parse("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(QueryError, match="过长"):
        parse("a " * 5000)
    for chain in ("!" * 1990 + "a", "NOT " * 400 + "a", "(NOT " * 30 + "a" + ")" * 30):
        with pytest.raises(QueryError, match="嵌套"):
            parse(chain)
    assert parse("拆迁 " + "NOT " * (MAX_DEPTH - 1) + "a").match("拆迁") == ("拆迁",)
    with pytest.raises(QueryError, match="检索词超过"):
        parse(" ".join(f"词{i}" for i in range(300)))
    hostile = parse("<script>alert(1)</script> OR '; DROP TABLE posts; --")
    assert hostile.match("x'; drop table posts;") == ("';", "drop", "table", "posts;")
    assert hostile.match("普通帖子") is None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list('ab拆迁 ()"“”!+-|&NEAR/ANDORT12（）')), max_size=40))
def test_any_string_parses_or_is_refused_with_a_position(query):
    try:
        parsed = parse(query)
    except QueryError as exc:
        assert 1 <= exc.position <= len(query) + 1 and exc.reason
    else:
        parsed.match("拆迁ab")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["拆迁", "征收", "噪音 NEAR/4 扰民", "鲤城 !招聘", "(拆迁 OR 噪音) 鲤城", "扰", "a"]),
                min_size=1, max_size=6),
       st.text(alphabet=st.sampled_from(list("拆迁征收噪音扰民鲤城招聘a，")), max_size=30))
def test_many_schemes_in_one_pass_equal_one_by_one(queries, text):
    parsed = {i: parse(q) for i, q in enumerate(queries)}
    one_by_one = {i: q.match(text) for i, q in parsed.items() if q.match(text) is not None}
    assert SchemeIndex(parsed).match(text) == one_by_one


def test_scheme_test_cli_writes_exactly_the_matching_rows(tmp_path):
    source = tmp_path / "posts.csv"
    rows = [["1", "鯉城區拆遷", "補償不到位", "5"], ["2", "招聘", "鲤城拆迁公司招聘", "0"], ["3", "", "今天天气不错", "1"]]
    source.write_bytes(("id,title,text,likes\n" + "".join(",".join(r) + "\n" for r in rows)).encode("gbk"))
    out = tmp_path / "matches.csv"
    result = CliRunner().invoke(main, ["scheme", "test", "--query", "鲤城 AND (拆迁 OR 征收) NOT 招聘",
                                       "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig", newline="") as handle:
        got = list(csv.DictReader(handle))
    assert got == [{"id": "1", "title": "鯉城區拆遷", "text": "補償不到位", "likes": "5", "matched_terms": "鲤城; 拆迁"}]


def test_scheme_test_cli_refuses_a_malformed_query_with_status_2(tmp_path):
    source = tmp_path / "posts.csv"
    source.write_text("text\n拆迁\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["scheme", "test", "--query", "鲤城 AND (拆迁", "--input", str(source),
                                       "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "第 8 个字符" in result.output and "括号没有闭合" in result.output
    assert not (tmp_path / "o.csv").exists()
