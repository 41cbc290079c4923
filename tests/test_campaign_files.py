"""One writer at a time for a campaign file, never over someone else's change: the lock,
the hash check, the file's mode, owner and links, and the debris of a killed writer.

The concurrent imports are real processes (forked), each reading the campaign file
and then importing at the same moment as the other, as two translators' imports would.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import stat
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from conftest import PROJECT
from generator.campaign import load_campaign
from generator.campaign.files import (
    CampaignWriteError,
    lock_path,
    read_campaign_text,
    text_sha256,
    write_campaign_text,
)
from generator.campaign.strings import StringsError, export_strings, import_strings
from generator.cli import EXIT_INVALID, EXIT_OK, main

SAMPLE = PROJECT / "campaigns" / "laos-border-crossings.yaml"
THAI = "ไปทำงานต่างประเทศ ให้ไปอย่างปลอดภัยเสมอ"
VIETNAMESE = "Đi làm việc ở nước ngoài? Hãy luôn an toàn"


@pytest.fixture
def sample(project: Path) -> Path:
    path = project / "campaigns" / SAMPLE.name
    shutil.copy(SAMPLE, path)
    return path


def edited_po(loaded, lang: str, context: str, text: str) -> bytes:
    catalog = read_po(io.BytesIO(export_strings(loaded, lang).po))
    [message] = [m for m in catalog if m.context == context]
    message.string = text
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    return buffer.getvalue()


def at_once(target, argument_lists: list[tuple]) -> list:
    """Run ``target(*arguments, connection)`` in one forked process per argument list; each
    says "ready" when it has read what it needs, then all are told "go" together. The
    answers, in the order of the argument lists."""
    context = multiprocessing.get_context("fork")
    pipes = [context.Pipe() for _ in argument_lists]
    workers = [
        context.Process(target=target, args=(*arguments, child))
        for arguments, (_, child) in zip(argument_lists, pipes, strict=True)
    ]
    for worker in workers:
        worker.start()
    for parent, _ in pipes:
        assert parent.poll(120) and parent.recv() == "ready"
    for parent, _ in pipes:
        parent.send("go")
    answers = [parent.recv() for parent, _ in pipes if parent.poll(120)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return answers


def _import(path, po, project, connection) -> None:
    loaded = load_campaign(path, project)  # both read the file before either writes
    connection.send("ready")
    connection.recv()
    try:
        result = import_strings(loaded, po, project)
        connection.send("written" if result.written else "nothing")
    except StringsError as error:
        connection.send(str(error))


def test_twenty_rounds_of_two_concurrent_imports_lose_nothing(project, sample):
    loaded = load_campaign(sample, project)
    thai, vietnamese = project / "th.po", project / "vi.po"
    thai.write_bytes(edited_po(loaded, "th", "headline", THAI))
    vietnamese.write_bytes(edited_po(loaded, "vi", "headline", VIETNAMESE))
    original = sample.read_bytes()
    for _ in range(20):
        sample.write_bytes(original)
        answers = at_once(_import, [(sample, po, project) for po in (thai, vietnamese)])
        # The second import waited for the first and worked on the file it left: both
        # changes are in the file.
        assert answers == ["written", "written"], answers
        text = sample.read_text(encoding="utf-8")
        assert THAI in text and VIETNAMESE in text
        load_campaign(sample, project)  # and the file is a valid campaign


def _write(path, new_text, expected, connection) -> None:
    connection.send("ready")
    connection.recv()
    try:
        write_campaign_text(path, new_text, expected, writer=f"writer {os.getpid()}")
        connection.send("written")
    except CampaignWriteError as error:
        connection.send(str(error))


def test_two_writers_of_one_version_one_wins_the_other_is_refused(project, sample):
    """Writers that do not re-read under the lock (the workspace saving what a browser
    showed): the second is refused, saying who wrote first, never silently lost."""
    before = sample.read_text(encoding="utf-8")
    digest = text_sha256(before)
    for _ in range(20):
        sample.write_text(before, encoding="utf-8")
        answers = at_once(_write, [(sample, before + f"# {i}\n", digest) for i in range(2)])
        assert answers.count("written") == 1, answers
        [refusal] = [answer for answer in answers if answer != "written"]
        assert "changed since it was read (by writer " in refusal
        winner = answers.index("written")
        assert sample.read_text(encoding="utf-8") == before + f"# {winner}\n"


def test_a_file_changed_since_it_was_read_is_not_overwritten(project, sample):
    before, digest = read_campaign_text(sample)
    assert before == sample.read_text(encoding="utf-8") and digest == text_sha256(before)
    write_campaign_text(sample, before + "\n# one\n", digest, writer="the workspace")
    with pytest.raises(CampaignWriteError, match=r"changed since it was read \(by the workspace"):
        write_campaign_text(sample, before + "\n# two\n", digest)
    assert sample.read_text(encoding="utf-8").endswith("# one\n")
    # A change by an editor (not through this tool) is named as such.
    sample.write_text(before, encoding="utf-8")
    with pytest.raises(CampaignWriteError, match=r"by another program \(an editor\?\)"):
        write_campaign_text(sample, before + "\n# three\n", text_sha256(before + "\n# one\n"))


def test_mode_and_owner_are_kept(project, sample):
    os.chmod(sample, 0o640)
    os.chown(sample, 1234, 4321)  # the tests run as root, as CI does
    loaded = load_campaign(sample, project)
    po = project / "th.po"
    po.write_bytes(edited_po(loaded, "th", "headline", THAI))
    assert import_strings(loaded, po, project).written
    info = sample.stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    assert (info.st_uid, info.st_gid) == (1234, 4321)
    assert THAI in sample.read_text(encoding="utf-8")


def test_a_symlinked_campaign_file_stays_a_link_and_its_target_is_written(project, tmp_path):
    real = tmp_path / "shared" / "border.yaml"
    real.parent.mkdir()
    shutil.copy(SAMPLE, real)
    link = project / "campaigns" / SAMPLE.name
    link.symlink_to(real)
    loaded = load_campaign(link, project)
    po = project / "th.po"
    po.write_bytes(edited_po(loaded, "th", "headline", THAI))
    assert import_strings(loaded, po, project).written
    assert link.is_symlink() and link.resolve() == real
    assert THAI in real.read_text(encoding="utf-8")
    assert lock_path(real).exists()  # the lock sits beside the real file, shared by all links


def test_a_link_to_no_regular_file_is_refused(project, tmp_path):
    link = project / "campaigns" / "gone.yaml"
    link.symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(CampaignWriteError, match=r"is a link to .*not a regular file"):
        write_campaign_text(link, "id: x\n", text_sha256(""))
    assert link.is_symlink() and not link.exists()


def test_a_killed_imports_part_file_is_removed_by_the_next_import(project, sample):
    leftover = sample.with_name(f".{sample.name}.k1ll3d.part")
    leftover.write_text("half a campaign")
    other = sample.with_name(".other.yaml.x.part")  # not this campaign's: left alone
    other.write_text("someone else's")
    loaded = load_campaign(sample, project)
    po = project / "th.po"
    po.write_bytes(export_strings(loaded, "th").po)  # no edits: nothing to write
    result = import_strings(loaded, po, project)
    assert not result.written
    assert not leftover.exists()
    assert other.exists()


def test_cli_import_refused_when_the_file_changed_meanwhile(project, sample, monkeypatch):
    """The CLI reads the file, then someone else writes it before the import's write."""
    loaded = load_campaign(sample, project)
    po = project / "th.po"
    po.write_bytes(edited_po(loaded, "th", "headline", THAI))
    import generator.campaign.strings as strings

    real_write = strings.write_campaign_text

    def meanwhile(path, new_text, expected, writer=None):
        path.write_text(path.read_text(encoding="utf-8") + "# an editor's note\n")
        return real_write(path, new_text, expected, writer)

    monkeypatch.setattr(strings, "write_campaign_text", meanwhile)
    args = ["strings", "import", str(sample), str(po), "--project", str(project)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == EXIT_INVALID, result.output
    assert "changed since it was read" in result.output
    assert "Traceback" not in result.output
    assert sample.read_text(encoding="utf-8").endswith("# an editor's note\n")
    assert THAI not in sample.read_text(encoding="utf-8")
    monkeypatch.undo()
    assert CliRunner().invoke(main, args).exit_code == EXIT_OK
