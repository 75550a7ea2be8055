"""Files -> Article values: the five seeds as published, and every kind of bad input."""

import datetime
import gzip
import json
import re
from pathlib import Path

import pytest

from search.documents import (
    Article,
    Rejected,
    article_from_mapping,
    parse_date,
    parse_seed,
    read_jsonl,
    read_paths,
    read_seed,
    split_tags,
)

SEEDS = Path(__file__).parents[1] / "seeds"
REUTERS = (
    "https://www.reuters.com/world/asia-pacific/"
    "north-korea-blinkens-agenda-seoul-under-shadow-gaza-ukraine-2023-11-09/?utm_source=reddit.com"
)


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    """The seed folder read once, keyed by the three-digit prefix of each id."""
    items = list(read_paths([SEEDS]))
    assert all(isinstance(item, Article) for item in items), items
    return {item.id[:3]: item for item in items}


def write_jsonl(path: Path, lines: list[bytes | str | dict]) -> Path:
    """Write one line per item: dicts as JSON, str as given, bytes raw (for bad UTF-8)."""
    encoded = [
        item if isinstance(item, bytes)
        else (json.dumps(item, ensure_ascii=False) if isinstance(item, dict) else item).encode()
        for item in lines
    ]  # fmt: skip
    data = b"\n".join(encoded) + b"\n"
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def good(id: str, **fields: object) -> dict:
    return {"id": id, "title": f"عنوان {id}", "body": f"نص المقال {id}", **fields}


# --- Seeds ------------------------------------------------------------------------------------


def test_seed_ids_in_sorted_order(seeds):
    assert list(seeds) == ["000", "001", "002", "003", "004"]
    assert seeds["001"].id == "001_5247e4dff38d7759"  # the file stem


@pytest.mark.parametrize(
    "seed, title",
    [
        (
            "000",
            "الولايات المتحدة وكوريا الجنوبية تكثفان خطط الردع بشأن التهديد النووي الكوري الشمالي",
        ),
        ("001", "كوريا الجنوبية وأمريكا تبحثان ردع التهديدات الكورية الشمالية"),
        ("002", "بلينكن يعبر عن قلقه من زيادة التعاون العسكري بين روسيا و كوريا الشمالية"),
        (
            "003",
            "يدعو الناتو إلى علاقة أقوى مع اليابان ، وتعيد الولايات المتحدة تأكيد التزامها بالردع"
            " التقليدي والنووي لحماية كوريا الجنوبية",
        ),
        (
            "004",
            "كوريا الجنوبية تعزز تعاونها مع الناتو والولايات المتحدة رداً على مساعدة القوات"
            " الكورية الشمالية لروسيا",
        ),
    ],
)
def test_seed_title_is_the_first_line(seeds, seed, title):
    assert seeds[seed].title == title


@pytest.mark.parametrize(
    "seed, date, source, url, tags",
    [
        # "(أ ف ب)" in the dateline; "أكتوبر تشرين الأول" in the prose is not a publishing date
        ("000", None, "أ ف ب", None, ()),
        ("001", datetime.date(2023, 10, 20), "وكالة تقدم الاخبارية", None, ("کوریا الجنوبیة",)),
        # the URL and the name come from two المصدر lines; the name beats the "المستقلة/-" dateline
        (
            "002",
            datetime.date(2023, 11, 9),
            "وكالة الصحافة المستقلة",
            REUTERS,
            ("کوریا الشمالیة کوریا الجنوبیة",),  # separators lost on the site: one tag
        ),
        ("003", None, None, None, ()),
        (
            "004",
            datetime.date(2024, 10, 27),
            "وكالة الصحافة المستقلة",
            None,
            ("القوات الکوریة الشمالیة حلف شمال الأطلسی کوریا الجنوبیة کوریا الشمالیة فی روسیا",),
        ),
    ],
)
def test_seed_metadata(seeds, seed, date, source, url, tags):
    article = seeds[seed]
    assert (article.date, article.source, article.url, article.tags) == (date, source, url, tags)


@pytest.mark.parametrize(
    "boilerplate",
    ["تاريخ النشر", "آخر تحديث", "المصدر", "كلمات دلالية", "إقرأ أيضاً", "اقرأ ايضا", "Exit mobile"],
)
@pytest.mark.parametrize("seed", ["000", "001", "002", "003", "004"])
def test_seed_body_has_no_boilerplate(seeds, seed, boilerplate):
    lines = seeds[seed].body.split("\n") + list(seeds[seed].related)
    assert not [line for line in lines if line.startswith(boilerplate)]


def test_seed_000_dateline_stays_and_site_junk_goes(seeds):
    body = seeds["000"].body.split("\n")
    assert body[0].startswith("سول ، كوريا الجنوبية (أ ف ب) – قامت الولايات المتحدة")
    assert body[-1].endswith("“مخطط خطير لإشعال حرب عدوانية جديدة” ضد الشمال.")
    assert len(body) == 22  # 23 non-empty lines after the title, less "Exit mobile version"
    assert seeds["000"].related == ()


def test_seed_001_teasers_after_a_bare_marker(seeds):
    article = seeds["001"]
    assert article.body.startswith("بحث وزير الدفاع الكوري الجنوبي الجديد شين وون-سيك")
    assert article.body.endswith("وفقاً لما صرح به مكتب شين.")
    assert len(article.body.split("\n")) == 7
    assert len(article.related) == 6
    assert article.related[0] == (
        "شقيقة زعيم كوريا الشمالية: ليس لدينا مصلحة في المصالحة مع بيونج يانج"
    )
    assert "F-16" not in article.body  # only the last teaser mentions the F-16s
    assert "F-16" in article.related[-1]


def test_seed_002_site_marker_cut_and_teasers_apart(seeds):
    article = seeds["002"]
    assert article.body.startswith("قال وزير الخارجية الأمريكي أنتوني بلينكن، اليوم الخميس")
    assert "المستقلة/-" not in article.body
    assert "الشكمالية" not in article.body  # the typo lives in a teaser only
    assert "قالت كوريا الشكمالية" in article.related[1]
    assert article.related[0].startswith("صواريخنا قادرة على الوصول للبرّ الرئيسي بأمريكا")
    assert len(article.related) == 9
    assert "reuters" not in article.body
    assert len(article.body.split("\n")) == 21


def test_seed_003_inline_teaser_and_the_article_goes_on(seeds):
    article = seeds["003"]
    assert article.related == ("ما سر اهتمام إيطاليا القوي بالقضية الليبية في الوقت الحاضر؟",)
    assert "إيطاليا" not in article.body
    body = article.body.split("\n")
    assert body[7] == "الناتو واليابان"  # the subheading right after the teaser line
    assert body[-1].endswith("داعيًا إلى علاقة أقوى بين الناتو وطوكيو.")
    assert len(body) == 12


def test_seed_004_teasers(seeds):
    article = seeds["004"]
    assert article.body.startswith("من المقرر أن يجتمع مسؤولون من كوريا الجنوبية")
    assert article.body.endswith("تأخذ اتفاقياتنا على محمل الجد”.")
    assert article.related[0] == (
        "سر زيارة وزير خارجية إيران لروسيا.. هل تتدخل موسكو في الوقت الحرج؟ فيديو"
    )
    assert "علا شحود" not in article.body
    assert len(article.related) == 6


# --- Seed rules on small texts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20th, October 2023 GMT", datetime.date(2023, 10, 20)),  # English, ordinal suffix
        ("نوفمبر 9, 2023", datetime.date(2023, 11, 9)),  # month first
        ("October 20, 2023", datetime.date(2023, 10, 20)),
        ("3rd Sept. 2021", datetime.date(2021, 9, 3)),  # abbreviation with a dot
        ("5 أيار، 2021", datetime.date(2021, 5, 5)),  # Levantine, Arabic comma
        ("15 آب 2022", datetime.date(2022, 8, 15)),  # alef madda
        ("9 تشرين الثاني 2023", datetime.date(2023, 11, 9)),  # two-word month
        ("1 كانون الثاني 2024", datetime.date(2024, 1, 1)),
        ("9 نوفمبر/تشرين الثاني 2023", datetime.date(2023, 11, 9)),  # both names
        ("12 أغسطس (آب) 2020", datetime.date(2020, 8, 12)),
        ("20 ابريل 2023", datetime.date(2023, 4, 20)),  # bare alef for hamza
        ("٢٠ أكتوبر ٢٠٢٣", datetime.date(2023, 10, 20)),  # Arabic-Indic digits
        ("۲۰ اكتوبر ۲۰۲۳", datetime.date(2023, 10, 20)),  # Persian digits
        ("2023-10-20", datetime.date(2023, 10, 20)),  # ISO
        ("31 فبراير 2023", None),  # no such day
        ("يمارس 5 2023", None),  # "مارس" inside a verb is no month
        ("بدون تاريخ", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "marker",
    [
        "إقرأ أيضاً:",
        "اقرأ ايضا:",
        "اقرأ أيضًا:",  # tanween before the alef
        "إقرأ أيضا :",
        "اِقْرَأْ أَيْضًا:",  # full diacritics
        "اقـرأ أيضـاً:",  # tatweel
        "اقرأ أيضاً",  # no colon
    ],
)
def test_read_also_variants_start_the_teasers(marker):
    article = parse_seed(f"عنوان\nنص المقال\n{marker}\nخبر آخر\nوخبر ثالث\n", id="x")
    assert article.body == "نص المقال"
    assert article.related == ("خبر آخر", "وخبر ثالث")


def test_inline_read_also_is_one_teaser():
    article = parse_seed("عنوان\nأول\nاقرأ أيضاً: قصة أخرى\nثان\n", id="x")
    assert (article.body, article.related) == ("أول\nثان", ("قصة أخرى",))


def test_read_also_in_the_middle_of_prose_is_body():
    article = parse_seed("عنوان\nقال إن عليك أن تقرأ أيضا: الكتاب\n", id="x")
    assert article.body == "قال إن عليك أن تقرأ أيضا: الكتاب"
    assert article.related == ()


def test_updated_line_gives_the_date_without_a_published_line():
    article = parse_seed("عنوان\nأكتوبر 27, 2024آخر تحديث: أكتوبر 28, 2024\nنص\n", id="x")
    assert (article.date, article.body) == (datetime.date(2024, 10, 27), "نص")


def test_published_line_beats_updated_line():
    text = "عنوان\nتاريخ النشر: 2023-01-02\nمارس 5, 2023آخر تحديث: مارس 6, 2023\nنص\n"
    assert parse_seed(text, id="x").date == datetime.date(2023, 1, 2)


def test_source_line_with_name_and_url():
    article = parse_seed("عنوان\nنص\nالمصدر: رويترز - https://www.reuters.com/a\n", id="x")
    assert (article.source, article.url, article.body) == (
        "رويترز",
        "https://www.reuters.com/a",
        "نص",
    )


def test_explicit_source_beats_dateline():
    article = parse_seed("عنوان\nالمستقلة/- قال الوزير\nالمصدر: وكالة س\n", id="x")
    assert (article.source, article.body) == ("وكالة س", "قال الوزير")


@pytest.mark.parametrize(
    "first, source",
    [
        ("المستقلة/- قال الوزير", "المستقلة"),
        ("(رويترز) - قال الوزير", "رويترز"),
        ("القاهرة (د ب أ) – قال الوزير", "د ب أ"),
        ("باريس (أ.ف.ب) - قال الوزير", "أ ف ب"),  # dotted, canonical name returned
        ("بيروت (ا ف ب) - قال الوزير", "أ ف ب"),  # hamza dropped
        ("قال الوزير لوكالة (رويترز) إن", None),  # an agency mentioned, no dateline dash
    ],
)
def test_dateline_source(first, source):
    assert parse_seed(f"عنوان\n{first}\n", id="x").source == source


@pytest.mark.parametrize(
    "text, tags",
    [
        ("کوریا الشمالیة کوریا الجنوبیة", ("کوریا الشمالیة کوریا الجنوبیة",)),  # kept as written
        ("  روسيا   أوكرانيا ", ("روسيا أوكرانيا",)),  # whitespace collapsed
        ("روسيا، أوكرانيا, الناتو", ("روسيا", "أوكرانيا", "الناتو")),  # both commas
        ("روسيا،، روسيا", ("روسيا",)),  # empty parts and repeats dropped
        ("", ()),
    ],
)
def test_split_tags(text, tags):
    assert split_tags(text) == tags


def test_tag_line_with_commas_splits():
    article = parse_seed("عنوان\nنص\nكلمات دلالية: روسيا، أوكرانيا\n", id="x")
    assert article.tags == ("روسيا", "أوكرانيا")


# --- Bad seed files ---------------------------------------------------------------------------


def test_seed_invalid_utf8(tmp_path):
    path = tmp_path / "bad.txt"
    good_part = "عنوان\nنص".encode()
    path.write_bytes(good_part + b"\xff\xfe more")
    assert read_seed(path) == Rejected(str(path), None, f"invalid UTF-8 at byte {len(good_part)}")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty file"),
        (b"  \n\n \t\n", "empty file"),
        ("عنوان وحده\n".encode(), "no body text after the title"),
        ("عنوان\nتاريخ النشر: 2023-01-01\nExit mobile version\n".encode(), "no body text"),
    ],
)
def test_seed_without_body_is_rejected(tmp_path, content, reason):
    path = tmp_path / "x.txt"
    path.write_bytes(content)
    rejected = read_seed(path)
    assert isinstance(rejected, Rejected)
    assert (rejected.path, rejected.line) == (str(path), None)
    assert rejected.reason.startswith(reason)


def test_seed_bom_and_crlf(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(
        "\ufeffعنوان\r\nتاريخ النشر: 9th, November 2023 GMT\r\nسطر\r\nسطر ثان\r\n".encode()
    )
    assert read_seed(path) == Article(
        id="crlf", title="عنوان", body="سطر\nسطر ثان", date=datetime.date(2023, 11, 9)
    )


def test_seed_folder_given_to_read_seed(tmp_path):
    rejected = read_seed(tmp_path)
    assert rejected == Rejected(str(tmp_path), None, "cannot read: is a directory")


# --- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_good_lines(tmp_path):
    path = write_jsonl(
        tmp_path / "a.jsonl",
        [
            good(
                "a",
                date="2023-10-20",
                source="أ ف ب",
                url="https://example.org/a",
                tags=["روسيا", " كوريا  الشمالية "],
            ),
            "",  # blank lines are skipped
            {"id": 7, "body": "نص", "tags": "روسيا، أوكرانيا", "date": "2023-10-20T23:30:00+03:00"},
        ],
    )
    assert list(read_jsonl(path)) == [
        Article(
            id="a",
            title="عنوان a",
            body="نص المقال a",
            date=datetime.date(2023, 10, 20),
            source="أ ف ب",
            url="https://example.org/a",
            tags=("روسيا", "كوريا الشمالية"),
        ),
        Article(
            id="7",  # an integer id becomes a string
            title="",  # a missing title is empty
            body="نص",
            date=datetime.date(2023, 10, 20),  # the date as written, no time zone shift
            tags=("روسيا", "أوكرانيا"),
        ),
    ]


def test_jsonl_bad_lines_are_rejected_and_good_lines_survive(tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            good("1"),
            '{"id": "2", "body": ',  # 2: truncated JSON
            good("3"),
            {"id": "4", "title": "بلا نص"},  # 4
            {"title": "بلا معرف", "body": "نص"},  # 5
            good("6", title=["قائمة"]),  # 6: wrong type
            b'{"id": "7", "body": "\xd9 broken"}',  # 7: a lone UTF-8 lead byte
            good("8", date="2023-13-45"),  # 8
            "",  # 9: blank
            "[1, 2]",  # 10: not an object
            good("11", tags=["ok", 3]),  # 11
            good("12"),
        ],
    )
    items = list(read_jsonl(path))
    assert [item.id for item in items if isinstance(item, Article)] == ["1", "3", "12"]
    rejected = [(item.path, item.line, item.reason) for item in items if isinstance(item, Rejected)]
    assert rejected == [
        (str(path), 2, "invalid JSON: Expecting value at column 20"),
        (str(path), 4, "missing field 'body'"),
        (str(path), 5, "missing field 'id'"),
        (str(path), 6, "field 'title' must be a string, got array"),
        (str(path), 7, "invalid UTF-8 at byte 21 of the line"),
        (
            str(path),
            8,
            "invalid date '2023-13-45': expected ISO 8601 such as 2023-10-20",
        ),
        (str(path), 10, "expected a JSON object, got array"),
        (str(path), 11, "field 'tags' must be a list of strings, got array"),
    ]


def test_jsonl_text_with_a_lone_surrogate_is_refused_and_a_pair_is_one_character(tmp_path):
    path = write_jsonl(
        tmp_path / "escapes.jsonl",
        [
            '{"id": "1", "body": "\\ud800 lone"}',
            '{"id": "2", "body": "x", "title": "a\\udfffb"}',
            '{"id": "3", "body": "x", "tags": ["\\ud83d"]}',
            '{"id": "4", "body": "face \\ud83d\\ude00"}',
        ],
    )
    items = list(read_jsonl(path))
    reasons = [item.reason for item in items if isinstance(item, Rejected)]
    assert reasons == [
        f"field '{name}' contains a lone surrogate, which is not text"
        for name in ("body", "title", "tags")
    ]
    assert [item.body for item in items if isinstance(item, Article)] == ["face \U0001f600"]


def test_jsonl_gz(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl.gz", [good("1"), "{oops", good("2")])
    items = list(read_jsonl(path))
    assert items[0].id == "1"
    assert items[1] == Rejected(
        str(path), 2, "invalid JSON: Expecting property name enclosed in double quotes at column 2"
    )
    assert items[2].id == "2"


def test_jsonl_gz_truncated_reports_the_line_reached(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(
        b"\n".join(json.dumps(good(str(n))).encode() for n in range(1, 2001)) + b"\n"
    )
    path.write_bytes(data[: len(data) // 2])
    items = list(read_jsonl(path))
    *articles, last = items
    assert articles, "the lines before the break still come through"
    assert [article.id for article in articles] == [str(n) for n in range(1, len(articles) + 1)]
    assert isinstance(last, Rejected)
    assert last.line == len(articles) + 1
    assert last.reason.startswith("corrupt gzip, rest of file skipped: ")


def test_jsonl_gz_that_is_not_gzip(tmp_path):
    path = tmp_path / "plain.jsonl.gz"
    path.write_text(json.dumps(good("1")))
    [rejected] = read_jsonl(path)
    assert (rejected.path, rejected.line) == (str(path), 1)
    assert rejected.reason.startswith("corrupt gzip, rest of file skipped: Not a gzipped file")


def test_jsonl_bom_and_crlf(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good("1")).encode() + b"\r\n\r\n")
    assert [item.id for item in read_jsonl(path)] == ["1"]


def test_jsonl_unreadable(tmp_path):
    folder = tmp_path / "looks.jsonl"
    folder.mkdir()
    assert list(read_jsonl(folder)) == [Rejected(str(folder), None, "cannot read: is a directory")]


@pytest.mark.parametrize(
    "obj, message",
    [
        ({}, "missing field 'id'"),
        ({"id": None, "body": "نص"}, "missing field 'id'"),
        ({"id": "", "body": "نص"}, "field 'id' is empty"),
        ({"id": " ", "body": "نص"}, "field 'id' starts or ends with a space"),
        ({"id": True, "body": "نص"}, "field 'id' must be a string, got boolean"),
        ({"id": 1.5, "body": "نص"}, "field 'id' must be a string, got number"),
        ({"id": "x"}, "missing field 'body'"),
        ({"id": "x", "body": ""}, "field 'body' is empty"),
        ({"id": "x", "body": {"p": 1}}, "field 'body' must be a string, got object"),
        ({"id": "x", "body": "نص", "date": 20231020}, "field 'date' must be an ISO 8601 string"),
        ({"id": "x", "body": "نص", "date": "20 أكتوبر"}, "invalid date '20 أكتوبر'"),
        ({"id": "x", "body": "نص", "tags": {"a": 1}}, "field 'tags' must be a list of strings"),
        (["id", "body"], "expected a JSON object, got array"),
    ],
)
def test_article_from_mapping_refuses(obj, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        article_from_mapping(obj)


def test_article_from_mapping_ignores_unknown_fields_and_keeps_related():
    article = article_from_mapping(
        {"id": "a", "body": " نص ", "extra": 1, "related": ["خبر"], "date": "٢٠٢٣-١٠-٢٠"}
    )
    assert article == Article(
        id="a", title="", body="نص", related=("خبر",), date=datetime.date(2023, 10, 20)
    )


# --- Paths and folders ------------------------------------------------------------------------


def test_folder_reads_every_kind_recursively_in_sorted_order(tmp_path):
    (tmp_path / "a.txt").write_text("عنوان\nنص\n")
    (tmp_path / "notes.md").write_text("not an article")  # other files in a folder are ignored
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "h.txt").write_text("عنوان\nنص\n")  # hidden folders are skipped
    sub = tmp_path / "sub"
    (sub / "deeper").mkdir(parents=True)
    write_jsonl(sub / "b.jsonl", [good("b1"), "nope", good("b2")])
    write_jsonl(sub / "deeper" / "c.jsonl.gz", [good("c1")])
    (sub / "z.txt").write_bytes(b"\xff")
    items = list(read_paths([tmp_path]))
    assert [getattr(item, "id", None) for item in items] == ["a", "b1", None, "b2", "c1", None]
    assert items[2] == Rejected(
        str(sub / "b.jsonl"), 2, "invalid JSON: Expecting value at column 1"
    )
    assert items[5] == Rejected(str(sub / "z.txt"), None, "invalid UTF-8 at byte 0")


def test_paths_mix_files_folders_and_missing(tmp_path):
    seed = SEEDS / "003_64d9782297a6b38a.txt"
    unknown = tmp_path / "article.xml"
    unknown.write_text("{}")
    items = list(read_paths([str(seed), tmp_path / "missing", unknown]))
    assert items[0].id == "003_64d9782297a6b38a"
    assert items[1] == Rejected(str(tmp_path / "missing"), None, "no such file or folder")
    assert items[2] == Rejected(
        str(unknown), None, "unknown file type; expected .txt, .jsonl, .jsonl.gz, .csv or .json"
    )


def test_read_paths_is_lazy(tmp_path):
    # nothing is touched before the first item is asked for, so a CLI can stream big exports
    path = tmp_path / "late.txt"
    items = read_paths([path])
    path.write_text("عنوان\nنص\n")
    assert next(items).id == "late"


def test_jsonl_splits_on_newline_bytes_only(tmp_path):
    # json.dumps(ensure_ascii=False) leaves U+2028 raw; str.splitlines() would break the line
    path = write_jsonl(tmp_path / "sep.jsonl", [good("1", body="سطر\u2028سطر"), good("2")])
    assert [item.body for item in read_jsonl(path)] == ["سطر\u2028سطر", "نص المقال 2"]
