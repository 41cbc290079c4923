"""Declared fonts: installed, covering their texts, and the only ones the renderer sees."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import SMALL_CAMPAIGN
from generator.campaign import load_campaign
from generator.campaign.languages import FONT_ALTERNATIVES, LANGUAGES, all_font_families, font_stack
from generator.typeset.fonts import (
    FontError,
    check_coverage,
    declared_files,
    faces_of,
    missing_characters,
    private_fontconfig,
)

SYSTEM_FONTS = Path("/usr/share/fonts")

# One ordinary sentence per language, which its own stack must draw entirely.
SAMPLES = {
    "lo": "ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ! ໂທ 1554 (ຟຣີ)",
    "th": "ไปทำงานต่างประเทศ ไปอย่างปลอดภัย โทร 1300",
    "vi": "Làm việc ở nước ngoài? Hãy an toàn. Gọi 111",
    "zh-Hans": "出国工作？注意安全。请拨打 110",
    "ko": "해외에서 일하시나요? 안전하게. 1345",
    "my": "နိုင်ငံခြားမှာအလုပ်လုပ်မလား ဘေးကင်းစွာသွားပါ ၁၅၅၄",
    "km": "ទៅធ្វើការនៅបរទេស ទៅដោយសុវត្ថិភាព ១២៨០",
    "en": "Working abroad? Stay safe. Call 1554 — “free”, 24/7",
}


def test_every_language_has_a_sample():
    assert SAMPLES.keys() == LANGUAGES.keys()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_each_language_is_covered_by_its_own_stack(lang):
    assert missing_characters(SAMPLES[lang], font_stack(lang)) == []
    check_coverage(SAMPLES[lang], lang, "sample")


def test_lao_text_is_covered_by_the_lao_stack():
    text = "ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ ສາຍດ່ວນຊາວໜຸ່ມ ໑໕໕໔ ກະຊວງແຮງງານ ແລະ ສະຫວັດດີການສັງຄົມ"
    assert missing_characters(text, font_stack("lo")) == []
    check_coverage(text, "lo", "messages.call")


@pytest.mark.parametrize("alternative", sorted(FONT_ALTERNATIVES["lo"]))
def test_lao_alternatives_cover_lao_and_latin(alternative):
    text = "ໄປເຮັດວຽກຕ່າງປະເທດ Call 1554"
    assert missing_characters(text, font_stack("lo", alternative)) == []
    check_coverage(text, "lo", "messages.headline", alternative)


def test_lao_stack_does_not_cover_thai():
    # Guards against a test that would pass with any font: Thai is not in the Lao stack.
    assert missing_characters("ไทย", font_stack("lo")) == ["ไ", "ท", "ย"]


@pytest.mark.parametrize(
    ("char", "code"),
    [("中", "U+4E2D"), ("\U0001f600", "U+1F600"), ("ა", "U+10D0")],
)
def test_uncovered_character_in_lao_text_is_named(char, code):
    text = f"ຢ່າໄວ້ໃຈ {char} ຄົນແປກໜ້າ"
    assert missing_characters(text, font_stack("lo")) == [char]
    with pytest.raises(FontError) as info:
        check_coverage(text, "lo", "message 'headline'")
    message = str(info.value)
    assert "'lo'" in message
    assert "Lao" in message
    assert "message 'headline'" in message
    assert code in message


def test_missing_characters_are_listed_once_in_order():
    text = "ა中ສະບາຍດີაა中ა"
    assert missing_characters(text, font_stack("lo")) == ["ა", "中"]


def test_error_names_several_missing_characters():
    with pytest.raises(FontError) as info:
        check_coverage("ສະບາຍດີ ა ბ", "lo", "placement name")
    assert "U+10D0" in str(info.value) and "U+10D1" in str(info.value)


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", " ", "\u00a0", "\t", "\n", "\u3000"],
)
def test_whitespace_and_invisible_characters_are_ignored(invisible):
    text = f"ຢ່າ{invisible}ໄວ້ໃຈ{invisible}"
    assert missing_characters(text, font_stack("lo")) == []
    check_coverage(text, "lo", "messages.headline")


def test_empty_text_is_covered():
    assert missing_characters("", font_stack("lo")) == []


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_language_has_its_fonts_installed(lang):
    for family in font_stack(lang):
        faces = faces_of(family)
        assert faces, f"font family {family!r} for {lang} is not installed"
        for face in faces:
            assert face.family == family
            assert face.file.is_file()


def test_every_declared_family_has_files():
    files = declared_files()
    assert set(files) == set(all_font_families())
    for family, paths in files.items():
        assert paths, f"no file for {family!r}"


def test_unknown_family_has_no_faces():
    assert faces_of("No Such Font Family 1234") == []


def test_private_fontconfig_holds_only_the_declared_fonts(tmp_path):
    config = private_fontconfig(tmp_path)
    assert config.is_file()
    assert config.is_relative_to(tmp_path)

    root = ET.parse(config).getroot()  # well-formed XML
    assert root.tag == "fontconfig"
    assert root.findall("include") == []  # the system configuration is not pulled in
    (folder_element,) = root.findall("dir")
    folder = Path(folder_element.text)
    assert folder.is_relative_to(tmp_path)

    declared = {path.resolve() for paths in declared_files().values() for path in paths}
    entries = list(folder.iterdir())
    assert entries
    targets = set()
    for entry in entries:
        assert entry.is_symlink(), f"{entry} is not a link"
        target = entry.resolve()
        assert target.is_file()
        assert target.is_relative_to(SYSTEM_FONTS), target
        assert "dejavu" not in str(target).lower()
        targets.add(target)
    assert targets == declared


def test_private_fontconfig_is_reused(tmp_path):
    first = private_fontconfig(tmp_path)
    text = first.read_text()
    assert private_fontconfig(tmp_path) == first
    assert first.read_text() == text


def test_fontconfig_with_the_private_configuration_sees_no_other_fonts(tmp_path):
    config = private_fontconfig(tmp_path)
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "XDG_CACHE_HOME": str(tmp_path / "c")}
    listing = subprocess.run(
        ["fc-list", "--format", "%{family}\n"], capture_output=True, text=True, env=env, check=True
    ).stdout
    families = {name for row in listing.splitlines() for name in row.split(",")}
    assert families, "fontconfig found no font through the private configuration"
    assert not any("DejaVu" in name for name in families)
    assert set(all_font_families()) <= families
    # Nothing but the declared families (and their style names), or the other faces
    # of the CJK collection files they live in.
    declared = tuple(all_font_families())
    extra = {name for name in families if not name.startswith(declared)}
    assert all(name.startswith(("Noto Sans CJK", "Noto Sans Mono CJK")) for name in extra), extra


# --- through the build ------------------------------------------------------------------


def test_build_fails_the_poster_naming_language_message_and_character(project, tmp_path):
    from generator.build.campaign import build_campaign

    text = SMALL_CAMPAIGN.replace("ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ", "ຮູ້ຈັກນາຍຈ້າງ ა ຂອງທ່ານ")
    assert text != SMALL_CAMPAIGN
    path = project / "campaigns" / "georgian.yaml"
    path.write_text(text, encoding="utf-8")
    output = tmp_path / "out"

    result = build_campaign(load_campaign(path, project), project, output, jobs=1)

    (poster,) = result.results
    assert not poster.ok
    assert poster.file is None
    assert "'lo'" in poster.error
    assert "employer" in poster.error
    assert "U+10D0" in poster.error
    assert list(output.rglob("*.pdf")) == []
    assert result.failed == [poster]
    manifest = json.loads((output / "small-test" / "manifest.json").read_text())
    assert manifest["posters"] == []


def test_each_familys_character_set_is_its_cmap_as_fonttools_reads_it():
    """The loader's coverage checks read character sets with HarfBuzz (45 times faster
    for a CJK face); they must be the very sets of the fonts' cmaps."""
    from fontTools.ttLib import TTFont

    from generator.typeset.fonts import _charset, faces_of

    for family in all_font_families():
        face = faces_of(family)[0]
        with TTFont(face.file, fontNumber=face.index, lazy=True) as font:
            assert _charset(family) == frozenset(font.getBestCmap()), family
