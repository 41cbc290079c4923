"""Line-break opportunities (ZERO WIDTH SPACE) for Lao, Thai, Burmese and Khmer."""

from __future__ import annotations

import unicodedata

import icu
import pytest

from generator.campaign.languages import LANGUAGES
from generator.typeset.segment import WORD_JOINER, ZWSP, insert_breaks, words

# (language, sentence without spaces, words ICU's dictionary must find in it)
SENTENCES = [
    ("lo", "ຢ່າໄວ້ໃຈຄົນແປກໜ້າ", ["ຢ່າ", "ຄົນແປກໜ້າ"]),  # don't trust strangers
    ("lo", "ເກັບໜັງສືຜ່ານແດນໄວ້ກັບຕົວເອງ", ["ເກັບ", "ໜັງສື", "ຕົວ"]),  # keep your passport
    ("th", "ไปทำงานต่างประเทศไปอย่างปลอดภัย", ["ทำงาน", "ประเทศ", "ปลอดภัย"]),
    ("th", "เก็บหนังสือเดินทางไว้กับตัว", ["เก็บ", "หนังสือเดินทาง"]),
    ("my", "အလုပ်အကိုင်အတွက်နိုင်ငံခြားသွားမလား", ["အတွက်", "နိုင်ငံခြား"]),
    ("my", "တရားဝင်လမ်းကြောင်းဖြင့်သာအလုပ်သွားလုပ်ပါ", ["တရားဝင်", "လမ်းကြောင်း"]),
    ("km", "ធ្វើការនៅបរទេស", ["ធ្វើការ", "បរទេស"]),  # work abroad
    ("km", "រក្សាលិខិតឆ្លងដែនរបស់អ្នកនៅជាមួយខ្លួន", ["រក្សា", "លិខិតឆ្លងដែន", "អ្នក"]),
]

# Texts whose clusters are easy to cut wrongly: stacked vowels and tone marks,
# Khmer subscript consonants (coeng), Burmese stacked consonants, emoji sequences.
CLUSTER_TEXTS = [
    ("lo", "ຕ້ອງການຄວາມຊ່ວຍເຫຼືອໃຫ້ໂທຫາສາຍດ່ວນ"),
    ("lo", "ກະຊວງແຮງງານແລະສະຫວັດດີການສັງຄົມ"),
    ("th", "ต้องการความช่วยเหลือโทรสายด่วนเยาวชน"),
    ("my", "ပစ္စည်းများကိုကိုယ်တိုင်သိမ်းထားပါ"),
    ("my", "သင့်ပတ်စ်ပို့ကိုသင်ကိုယ်တိုင်ထိန်းသိမ်းပါ"),
    ("km", "សុវត្ថិភាពស្របច្បាប់តែប៉ុណ្ណោះ"),
    ("km", "ប្រាប់គ្រួសារពីអាសយដ្ឋាននិងលេខទូរស័ព្ទ"),
    ("lo", "😀ສະບາຍດີ👍🏽ຄົນ👨‍👩‍👧"),
]

# Characters after which a break would tear a cluster apart, though UAX 29 calls
# the next letter a new grapheme: viramas/coengs that stack it, and ZWJ.
JOINERS = {"\u17d2", "\u1039", "\u200d", "\u0e3a", "\u0eba"}


def grapheme_boundaries(text: str) -> set[int]:
    """Code-point offsets where ICU allows a grapheme cluster boundary."""
    iterator = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    iterator.setText(text)
    utf16 = text.encode("utf-16-le")
    return {0} | {len(utf16[: b * 2].decode("utf-16-le")) for b in iterator}


def break_offsets(segmented: str) -> list[int]:
    """Offsets, in the text without ZWSP, where ``segmented`` has a ZWSP."""
    offsets, position = [], 0
    for char in segmented:
        if char == ZWSP:
            offsets.append(position)
        elif char != WORD_JOINER:  # a break forbidden where ICU's dictionary errs
            position += 1
    return offsets


@pytest.mark.parametrize(("lang", "text", "expected"), SENTENCES)
def test_sentences_without_spaces_are_split_into_words(lang, text, expected):
    pieces = words(text, LANGUAGES[lang].icu_locale)
    assert len(pieces) >= 3, pieces
    assert "".join(pieces) == text
    for word in expected:
        assert word in pieces, f"{word!r} not among {pieces}"


@pytest.mark.parametrize(("lang", "text", "expected"), SENTENCES)
def test_breaks_are_zero_width_spaces_between_the_words(lang, text, expected):
    segmented = insert_breaks(text, LANGUAGES[lang].icu_locale)
    assert segmented.replace(ZWSP, "") == text
    assert segmented.count(ZWSP) == len(words(text, LANGUAGES[lang].icu_locale)) - 1
    assert not segmented.startswith(ZWSP) and not segmented.endswith(ZWSP)
    assert ZWSP * 2 not in segmented


def test_known_lao_split():
    assert words("ຢ່າໄວ້ໃຈຄົນແປກໜ້າ", "lo") == ["ຢ່າ", "ໄວ້ໃຈ", "ຄົນແປກໜ້າ"]
    assert insert_breaks("ຢ່າໄວ້ໃຈຄົນແປກໜ້າ", "lo") == f"ຢ່າ{ZWSP}ໄວ້ໃຈ{ZWSP}ຄົນແປກໜ້າ"


@pytest.mark.parametrize(
    ("lang", "text"), CLUSTER_TEXTS + [(lang, text) for lang, text, _ in SENTENCES]
)
def test_no_break_inside_a_grapheme_cluster(lang, text):
    segmented = insert_breaks(text, LANGUAGES[lang].icu_locale)
    assert segmented.replace(ZWSP, "").replace(WORD_JOINER, "") == text
    assert ZWSP in segmented
    allowed = grapheme_boundaries(text)
    for offset in break_offsets(segmented):
        assert offset in allowed, f"break at {offset} inside a cluster of {text!r}"
        assert text[offset - 1] not in JOINERS, f"break after a joiner at {offset} in {text!r}"
    for piece in segmented.replace(WORD_JOINER, ZWSP).split(ZWSP):
        assert piece
        assert unicodedata.category(piece[0]) not in {"Mn", "Mc"}, (piece, segmented)


def test_a_misplaced_zwsp_inside_a_cluster_is_removed():
    # A ZWSP an author typed between a consonant and its vowel would split the cluster.
    assert insert_breaks("ຢ່າໄ\u200bວ້ໃຈ", "lo") == insert_breaks("ຢ່າໄວ້ໃຈ", "lo")
    assert "ໄ\u200bວ" not in insert_breaks("ຢ່າໄ\u200bວ້ໃຈ", "lo")


@pytest.mark.parametrize(
    ("lang", "text"),
    [(lang, text) for lang, text, _ in SENTENCES]
    + CLUSTER_TEXTS
    + [("en", "Call 1554 now"), ("en", "e-mail us"), ("lo", "ໂທ 1554 ດຽວນີ້"), ("lo", "")],
)
def test_idempotent(lang, text):
    locale = LANGUAGES[lang].icu_locale
    once = insert_breaks(text, locale)
    assert insert_breaks(once, locale) == once
    assert words(once, locale) == words(text, locale)


@pytest.mark.parametrize(
    ("lang", "text", "number"),
    [
        ("lo", "ໂທ 1554", "1554"),
        ("lo", "ໂທ1554", "1554"),
        ("lo", "ໂທຫາ1554ດຽວນີ້", "1554"),
        ("lo", "ໂທຫາ 021 251 128", "021 251 128"),
        ("lo", "ໂທ +856 21 251 128", "+856 21 251 128"),
        ("lo", "໑໕໕໔", "໑໕໕໔"),
        ("th", "โทร1300", "1300"),
        ("th", "โทร 1300 ฟรี", "1300"),
        ("my", "ဖုန်းဆက်ပါ 1554", "1554"),
        ("my", "၁၅၅၄", "၁၅၅၄"),
        ("km", "ហៅទូរស័ព្ទ1280", "1280"),
        ("en", "021-251-128", "021-251-128"),
    ],
)
def test_phone_numbers_are_never_split(lang, text, number):
    segmented = insert_breaks(text, LANGUAGES[lang].icu_locale)
    assert segmented.replace(ZWSP, "") == text
    # No ZWSP inside the number: it is still there, whole, with only its own spaces.
    assert number in segmented


@pytest.mark.parametrize(
    "text",
    ["1554", "021 251 128", "+856 21 251 128", "Call 1554 now", "Keep your passport with you"],
)
@pytest.mark.parametrize("locale", ["lo", "th", "my", "km", "en"])
def test_latin_text_and_numbers_are_unchanged(text, locale):
    assert insert_breaks(text, locale) == text


def test_latin_gets_zwsp_only_where_icu_allows_a_break():
    # ICU allows a break after a hyphen; the ZWSP marks it and nothing else changes.
    assert insert_breaks("e-mail us", "en") == f"e-{ZWSP}mail us"
    assert insert_breaks("Working abroad? Stay safe", "en") == "Working abroad? Stay safe"


def test_no_zwsp_after_spaces_or_line_ends():
    segmented = insert_breaks("ຢ່າໄວ້ໃຈ ຄົນແປກໜ້າ\nໂທ 1554", "lo")
    assert f" {ZWSP}" not in segmented
    assert f"\n{ZWSP}" not in segmented
    assert segmented.replace(ZWSP, "") == "ຢ່າໄວ້ໃຈ ຄົນແປກໜ້າ\nໂທ 1554"


def test_words_splits_on_spaces_too():
    assert words("Call 1554 now", "en") == ["Call", "1554", "now"]
    assert words("ໂທ 1554", "lo") == ["ໂທ", "1554"]
    assert words("", "lo") == []


@pytest.mark.parametrize(
    ("lang", "text", "kept"),
    [
        ("lo", "ເດັກນ້ອຍບໍ່ແມ່ນສິ່ງດຶງດູດນັກທ່ອງທ່ຽວ", "ນັກທ່ອງທ່ຽວ"),  # tourist
        ("lo", "ປົກປ້ອງເດັກຈາກການຂູດຮີດທາງເພດ", "ການຂູດຮີດ"),  # exploitation
        ("th", "เด็กไม่ใช่สิ่งดึงดูดนักท่องเที่ยว", "นักท่องเที่ยว"),  # tourist
        ("th", "ร่วมปกป้องเด็กจากการแสวงประโยชน์", "การแสวง"),
    ],
)
def test_no_break_after_a_prefix_or_inside_a_listed_compound(lang, text, kept):
    # ICU's dictionaries cut these words ("ນັກ | ທ່ອງທ່ຽວ", "ท่อง | เที่ยว"); Pango
    # breaks Thai by itself, so a WORD JOINER, not just a missing ZWSP, holds them.
    segmented = insert_breaks(text, LANGUAGES[lang].icu_locale)
    assert kept in words(text, LANGUAGES[lang].icu_locale)
    [glued] = [w for w in segmented.split(ZWSP) if w.replace(WORD_JOINER, "") == kept]
    assert WORD_JOINER in glued
    assert segmented.replace(ZWSP, "").replace(WORD_JOINER, "") == text


def test_japanese_breaks_between_phrases_not_before_small_kana_or_punctuation():
    from generator.campaign.languages import LANGUAGES as REGISTRY

    locale = REGISTRY["ja"].icu_locale
    assert REGISTRY["ja"].segment
    assert words("子どもは観光名所ではありません", locale) == ["子どもは", "観光名所ではありません"]
    pieces = words("18歳未満の子どもは、親または保護者の同伴なしに客室に入れません", locale)
    assert "子どもは、" in pieces and "入れません" in pieces  # the comma stays with its phrase
    assert not any(piece[0] in "ゃゅょっー、。" for piece in pieces)
    segmented = insert_breaks("スキャンして警察に電話", locale)
    assert segmented.replace(WORD_JOINER, "").split(ZWSP) == ["スキャンして", "警察に", "電話"]
