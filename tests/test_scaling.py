"""No step of a build grows with the square of the campaign: the plan makes the
campaign's texts once, and a poster's call to a worker does not carry the campaign."""

from __future__ import annotations

import pickle
from concurrent.futures import ProcessPoolExecutor

import generator.build.campaign
import generator.build.workers
import generator.campaign.content
import generator.planning.plan
from conftest import SMALL_CAMPAIGN, poster_pdfs
from generator.build.campaign import build_campaign
from generator.campaign import load_campaign

PLACEMENT = """\
  - id: crossing-{n}
    name: {{lo: ດ່ານ {n}, en: Crossing {n}}}
    design: border-sign
    languages: [lo, en]
    formats:
      - {{size: A4, quantity: 1}}
"""


def campaign_with(project, placements: int):
    extra = "".join(PLACEMENT.format(n=n) for n in range(placements))
    path = project / "campaigns" / "many.yaml"
    path.write_text(SMALL_CAMPAIGN + extra, encoding="utf-8")
    return load_campaign(path, project)


def test_a_plan_makes_the_campaigns_texts_once(project, monkeypatch):
    loaded = campaign_with(project, 40)
    made = []
    real = generator.campaign.content.campaign_texts

    def counting(campaign):
        made.append(campaign)
        return real(campaign)

    monkeypatch.setattr(generator.planning.plan, "campaign_texts", counting)
    monkeypatch.setattr(generator.campaign.content, "campaign_texts", counting)
    jobs = generator.planning.plan.plan(loaded.campaign)
    assert len(jobs) == 41
    assert len(made) == 1


def test_a_posters_call_to_a_pool_worker_does_not_carry_the_campaign(
    project, tmp_path, monkeypatch
):
    loaded = campaign_with(project, 2)
    campaign_bytes = len(pickle.dumps(loaded.campaign))
    sent = []

    class Measuring(ProcessPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            sent.append(len(pickle.dumps((fn, args, kwargs))))
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(generator.build.workers, "ProcessPoolExecutor", Measuring)  # worker_pool
    result = build_campaign(loaded, project, tmp_path / "out", jobs=2)
    assert not result.failed, [r.error for r in result.failed]
    assert len(poster_pdfs(result.folder)) == 3 and len(sent) == 3
    assert max(sent) < campaign_bytes / 2, (sent, campaign_bytes)
