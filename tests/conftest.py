"""Shared fixtures. Every test runs with network connections blocked."""

from __future__ import annotations

import shutil
import socket
import textwrap
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never open a network connection: any attempt fails the test loudly."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a test tried to open a network connection: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throw-away project folder with the real templates and assets."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "assets", root / "assets")
    (root / "campaigns").mkdir()
    return root


SMALL_CAMPAIGN = textwrap.dedent(
    """\
    id: small-test
    title: {en: Small test campaign}
    organisations:
      - id: mlsw
        name: {en: Ministry of Labour and Social Welfare, lo: ກະຊວງແຮງງານ}
        logo: assets/logos/mlsw.svg
    messages:
      headline: {lo: ໄປເຮັດວຽກຕ່າງປະເທດ ໄປຢ່າງປອດໄພ, en: Working abroad? Stay safe, th: ไปทำงานต่างประเทศ ไปอย่างปลอดภัย}
      keep-documents: {lo: ເກັບໜັງສືຜ່ານແດນໄວ້ກັບຕົວເອງ, en: Keep your passport with you, th: เก็บหนังสือเดินทางไว้กับตัว}
      contract: {lo: ເຮັດສັນຍາເປັນລາຍລັກອັກສອນ, en: Get a written contract, th: ทำสัญญาเป็นลายลักษณ์อักษร}
      employer: {lo: ຮູ້ຈັກນາຍຈ້າງຂອງທ່ານ, en: Know your employer, th: รู้จักนายจ้างของคุณ}
      call: {lo: ຕ້ອງການຄວາມຊ່ວຍເຫຼືອ ໃຫ້ໂທຫາ, en: Need help? Call, th: ต้องการความช่วยเหลือ โทร}
    contacts:
      - id: la-1554
        number: "1554"
        country: LA
        name: {lo: ສາຍດ່ວນຊາວໜຸ່ມ, en: Youth helpline, th: สายด่วนเยาวชนลาว}
        source: UNICEF Laos
        source_date: "2022-06"
        verified: 2026-11-23
    designs:
      - id: border-sign
        template: border-sign
        headline: headline
        messages:
          - {text: employer, icon: assets/pictograms/employer.svg}
          - {text: contract, icon: assets/pictograms/contract.svg}
          - {text: keep-documents, icon: assets/pictograms/passport.svg}
        call_to_action: call
        pictogram: assets/pictograms/border-crossing.svg
        contacts: [la-1554]
        organisations: [mlsw]
    placements:
      - id: test-crossing
        name: {lo: ດ່ານທົດລອງ, en: Test crossing, th: ด่านทดสอบ}
        design: border-sign
        languages: [lo, en]
        formats:
          - {size: A4, quantity: 3}
    """
)


@pytest.fixture
def small_campaign(project: Path) -> Path:
    """A valid one-poster campaign (Lao + English, A4) inside ``project``."""
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN, encoding="utf-8")
    return path
