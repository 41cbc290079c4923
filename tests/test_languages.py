"""The open language registry: any BCP 47 tag, its script from CLDR, fonts by script,
coverage of CLDR's exemplar characters, one located error per unusable language."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.campaign import CampaignError
from generator.campaign.languages import (
    LANGUAGES,
    Declaration,
    LanguageError,
    LanguageRegistry,
    font_package,
    resolve,
)
from generator.campaign.loader import parse_campaign
from generator.typeset.fonts import exemplar_characters, language_font_problem

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _registry_restored():
    """Campaigns declare languages in the process's registry: each test leaves it as found."""
    saved = dict(LANGUAGES._declared), dict(LANGUAGES._languages)
    yield
    LANGUAGES._declared, LANGUAGES._languages = saved


@pytest.mark.parametrize(
    ("tag", "name", "script", "first_font"),
    [
        ("fr", "French", "Latn", "Noto Sans"),
        ("da", "Danish", "Latn", "Noto Sans"),
        ("de", "German", "Latn", "Noto Sans"),
        ("ru", "Russian", "Cyrl", "Noto Sans"),
        ("ja", "Japanese", "Jpan", "Noto Sans CJK JP"),
        ("hmn", "Hmong", "Latn", "Noto Sans"),  # ICU has no likely script: langcodes does
        ("hmn-Latn", "Hmong (Latin)", "Latn", "Noto Sans"),  # the script from the tag
    ],
)
def test_registry_resolves_tags_by_cldr(tag, name, script, first_font):
    language = LANGUAGES[tag]
    assert (language.code, language.name, language.script) == (tag, name, script)
    assert language.fonts[0] == first_font
    assert language_font_problem(language) is None  # the installed fonts cover its letters
    assert language.segment and not language.keep_words  # breaks from ICU's line breaker


def test_native_names_come_from_cldr():
    assert LANGUAGES["fr"].native_name == "français"
    assert LANGUAGES["ja"].native_name == "日本語"
    assert LANGUAGES["ru"].native_name == "русский"


@pytest.mark.parametrize(
    ("tag", "font"),
    [
        ("ja", "Noto Sans CJK JP"),
        ("zh-Hans", "Noto Sans CJK SC"),
        ("zh", "Noto Sans CJK SC"),
        ("zh-Hant", "Noto Sans CJK TC"),
        ("zh-TW", "Noto Sans CJK TC"),
        ("ko", "Noto Sans CJK KR"),
    ],
)
def test_cjk_font_follows_the_language(tag, font):
    assert LANGUAGES[tag].fonts[0] == font


def test_line_breaks_come_from_icu_and_korean_keeps_words():
    from generator.typeset.segment import ZWSP, insert_breaks

    assert all(LANGUAGES[tag].segment for tag in ("th", "lo", "km", "my", "fr", "zh-Hans", "ru"))
    assert insert_breaks("anti-traite", "fr") == f"anti-{ZWSP}traite"
    assert (
        insert_breaks("儿童，不是", "zh_Hans") == f"儿{ZWSP}童，{ZWSP}不{ZWSP}是"
    )  # not before ，
    assert LANGUAGES["ko"].keep_words and not LANGUAGES["ko"].segment


@pytest.mark.parametrize("tag", ["qaa", "xx", "en--US", "12", "fr_FR", ""])
def test_unknown_or_ill_formed_tags_are_refused(tag):
    assert tag not in LANGUAGES
    with pytest.raises(LanguageError, match=r"language tag|unknown"):
        resolve(tag)


def test_unknown_language_says_how_to_declare_it():
    with pytest.raises(LanguageError) as error:
        resolve("qaa")
    assert "'languages:' block" in str(error.value) and "qaa" in str(error.value)


@pytest.mark.parametrize(("tag", "script"), [("ar", "Arabic"), ("he", "Hebrew"), ("fa", "Arabic")])
def test_right_to_left_languages_are_refused(tag, script):
    with pytest.raises(LanguageError, match=f"right to left \\({script} script\\)"):
        resolve(tag)


def test_script_without_fonts_is_refused_unless_declared():
    with pytest.raises(LanguageError, match="Deva script, for which no font"):
        resolve("hi")
    hindi = resolve("hi", Declaration(fonts=("Noto Sans Devanagari", "Noto Sans")))
    assert hindi.fonts == ("Noto Sans Devanagari", "Noto Sans")


def test_a_declaration_sets_an_unknown_language():
    registry = LanguageRegistry()
    registry.declare({"qaa": Declaration(name="Akha", script="Latn", line_height=1.5)})
    akha = registry["qaa"]
    assert (akha.name, akha.script, akha.fonts, akha.line_height) == (
        "Akha",
        "Latn",
        ("Noto Sans",),
        1.5,
    )
    assert "qaa" in list(registry)


def test_coverage_missing_letters_are_listed():
    japanese_in_latin_fonts = resolve("ja", Declaration(fonts=("Noto Sans",)))
    problem = language_font_problem(japanese_in_latin_fonts)
    assert problem.startswith("Japanese ('ja'): its fonts (Noto Sans) lack")
    assert "あ" in problem and "more" in problem
    assert len(exemplar_characters(LANGUAGES["ja"])) > 2000


def test_font_not_installed_names_its_debian_package():
    problem = language_font_problem(resolve("fr", Declaration(fonts=("Noto Sans CJK XX",))))
    assert "font family 'Noto Sans CJK XX' is not installed" in problem
    assert "fonts-noto-cjk" in problem
    assert font_package("Phetsarath OT") == "fonts-lao"
    assert font_package("Comic Sans") is None


# --- in a campaign file ---------------------------------------------------------------

CAMPAIGN = """\
id: test
title: {{en: Test}}
{languages}messages:
  headline: {{lo: ຫົວຂໍ້, {tag}: {headline}}}
  call: {{lo: ໂທ, {tag}: {call}}}
  safe: {{lo: ປອດໄພ, {tag}: {safe}}}
designs:
  - id: sign
    template: border-sign
    headline: headline
    call_to_action: call
    messages: [{{text: safe}}]
placements:
  - id: here
    name: {{lo: ບ່ອນນີ້, {tag}: {place}}}
    design: sign
    languages: [lo, {tag}]
    formats: [{{size: A4, quantity: 1}}]
"""


def campaign_text(tag: str, languages: str = "", **texts: str) -> str:
    values = {"headline": "Title", "call": "Call", "safe": "Safe", "place": "Here"} | texts
    return CAMPAIGN.format(tag=tag, languages=languages, **values)


def problems(text: str) -> list:
    with pytest.raises(CampaignError) as error:
        parse_campaign(text, "campaigns/test.yaml", PROJECT)
    return error.value.problems


def test_a_new_language_needs_no_code_change():
    campaign = parse_campaign(
        campaign_text("fr", headline="Protégeons les enfants"), "test.yaml", PROJECT
    )
    assert campaign.placements[0].languages == ["lo", "fr"]


def test_one_located_error_per_unknown_language_not_one_per_text():
    text = campaign_text("qaa")
    [problem] = problems(text)
    lines = [n for n, line in enumerate(text.splitlines(), 1) if "qaa" in line]
    assert problem.field == "placements[0].languages[1]"  # where the poster asks for it
    assert "'qaa'" in problem.message and "'languages:' block" in problem.message
    assert f"({len(lines)} times: here and on lines " in problem.message
    assert sorted([problem.line, *(p.line for p in problem.repeats)]) == lines


def test_declared_language_in_the_campaign_file():
    declared = "languages:\n  qaa: {name: Akha, script: Latn}\n"
    campaign = parse_campaign(campaign_text("qaa", declared), "test.yaml", PROJECT)
    assert campaign.language_declarations()["qaa"].name == "Akha"
    assert LANGUAGES["qaa"].name == "Akha"


def test_declared_font_not_installed_is_one_error_with_the_package():
    declared = "languages:\n  fr: {fonts: [Noto Sans CJK XX]}\n"
    [problem] = problems(campaign_text("fr", declared))
    assert problem.field == "languages.fr"
    assert "'Noto Sans CJK XX' is not installed" in problem.message
    assert "fonts-noto-cjk" in problem.message


def test_right_to_left_language_in_a_campaign_is_one_clear_error():
    [problem] = problems(campaign_text("ar"))
    assert "right to left" in problem.message and "Arabic" in problem.message


def test_text_in_the_wrong_script_for_a_new_language_is_refused():
    from generator.campaign.content import script_problem

    assert script_problem("Защитим детей", "ru") is None
    assert "Thai" in script_problem("ทำงาน", "ru")
    assert script_problem("子どもを守ろう", "ja") is None
    assert "Latin" in script_problem("Protect children", "ja")
    assert script_problem("Tiv thaiv cov menyuam", "hmn-Latn") is None
    assert "Lao" in script_problem("ເຮັດວຽກ", "hmn-Latn")


def test_doctor_lists_every_script_with_its_fonts():
    from generator.campaign.languages import SCRIPTS
    from generator.doctor import run_checks

    checks = {check.name: check for check in run_checks()}
    for script in SCRIPTS.values():
        check = checks[f"fonts for script {script.code} ({script.name})"]
        assert check.ok and check.detail == ", ".join(script.fonts)
    for code in (
        "Latn",
        "Cyrl",
        "Grek",
        "Thai",
        "Laoo",
        "Mymr",
        "Khmr",
        "Hans",
        "Hant",
        "Jpan",
        "Kore",
    ):
        assert code in SCRIPTS
    assert checks["text layer (ActualText hook)"].ok


def test_po_round_trip_and_wrong_script_refused_for_hmong(project):
    """Babel has no Hmong locale: the PO header is read as written; a text in another
    script is refused at import as for the built-in languages."""
    import shutil

    from generator.campaign import load_campaign
    from generator.campaign.strings import StringsError, export_strings, import_strings

    sample = project / "campaigns" / "laos-border-crossings.yaml"
    shutil.copy(PROJECT / "campaigns" / sample.name, sample)
    before = sample.read_bytes()
    loaded = load_campaign(sample, project)
    po = project / "hmn.po"
    exported = export_strings(loaded, "hmn-Latn").po
    po.write_bytes(exported)
    assert import_strings(loaded, po, project).changes == []
    po.write_bytes(exported.replace(b'msgstr "Chaw hla ciam teb"', 'msgstr "ด่านชายแดน"'.encode()))
    with pytest.raises(StringsError, match=r"place-label \(hmn-Latn\): has Thai letters"):
        import_strings(loaded, po, project)
    assert sample.read_bytes() == before


def test_a_script_declared_by_the_campaign_is_rendered_with_its_fonts_and_reads_back(tmp_path):
    """Hindi (Devanagari, no fonts in the script table) declared with a font stack:
    the renderer gets the declared font, and its text reads back from the PDF."""
    from conftest import font_families, network_blocked
    from generator.build.campaign import build_campaign
    from generator.campaign import load_campaign

    declared = "languages:\n  hi: {fonts: [Noto Sans Devanagari, Noto Sans]}\n"
    text = campaign_text(
        "hi",
        declared,
        headline="बच्चों की रक्षा करें",
        call="मदद के लिए फ़ोन करें",
        safe="अपना पासपोर्ट अपने पास रखें",
        place="यहाँ",
    )
    project = PROJECT
    path = tmp_path / "hindi.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_campaign(path, project)
    with network_blocked():
        result = build_campaign(loaded, project, tmp_path / "out", jobs=1, profile="digital")
    [poster] = result.results
    assert poster.ok, poster.error
    assert poster.preflight.checks["text layer"].status == "ok"
    pdf = result.folder / poster.file
    assert "Noto-Sans-Devanagari" in font_families(pdf)


def test_the_first_eight_languages_keep_their_settings():
    expected = {
        "lo": ("Laoo", ("Noto Sans Lao", "Noto Sans"), 1.55, "lo"),
        "th": ("Thai", ("Noto Sans Thai", "Noto Sans"), 1.5, "th"),
        "vi": ("Latn", ("Noto Sans",), 1.35, "vi"),
        "zh-Hans": ("Hans", ("Noto Sans CJK SC", "Noto Sans"), 1.35, "zh_Hans"),
        "ko": ("Kore", ("Noto Sans CJK KR", "Noto Sans"), 1.4, "ko"),
        "my": ("Mymr", ("Noto Sans Myanmar", "Noto Sans"), 1.8, "my"),
        "km": ("Khmr", ("Noto Sans Khmer", "Noto Sans"), 1.7, "km"),
        "en": ("Latn", ("Noto Sans",), 1.3, "en"),
    }
    for tag, (script, fonts, line_height, icu_locale) in expected.items():
        language = LANGUAGES[tag]
        assert (language.script, language.fonts, language.line_height) == (
            script,
            fonts,
            line_height,
        ), tag
        assert language.icu_locale == icu_locale
    assert list(LANGUAGES) == list(expected)
