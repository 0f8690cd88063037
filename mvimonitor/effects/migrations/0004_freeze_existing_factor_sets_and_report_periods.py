"""Existing data under the rules of 0003 (ADR 0025).

- Public factor sets were loaded from published lists: they are published now (at the time they were loaded).
- Sets that stored effects have used are marked used (and so frozen).
- Realisations that lie outside their commitment's period are REPORTED, not changed: their ids are logged and printed
  so someone can correct them; the recalculation leaves them out meanwhile. `manage.py check_effect_periods` lists
  them again at any time.
"""

import logging
import sys
from typing import Any

from django.db import migrations
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger("mvimonitor.effects")


def freeze_and_report(apps: Any, schema_editor: Any) -> None:
    factor_set = apps.get_model("effects", "EmissionFactorSet")
    effect = apps.get_model("effects", "EffectCalculation")
    realisation = apps.get_model("effects", "Realisation")
    factor_set.objects.filter(organisation__isnull=True, published_at__isnull=True).update(
        published_at=F("created_at")
    )
    used = effect.objects.filter(factor_set__isnull=False).values("factor_set_id")
    factor_set.objects.filter(pk__in=used, first_used_at__isnull=True).update(first_used_at=timezone.now())
    outside = realisation.objects.filter(
        Q(period_start__lt=F("commitment__period_start")) | Q(period_end__gt=F("commitment__period_end"))
    )
    ids = list(outside.order_by("pk").values_list("pk", flat=True))
    if ids:
        message = (
            f"{len(ids)} realisation(s) lie outside their commitment's period and are not counted until corrected "
            f"(nothing was changed): ids {', '.join(str(pk) for pk in ids)}. "
            "List them again with: manage.py check_effect_periods"
        )
        logger.warning(message)
        sys.stdout.write(f"\n  {message}\n")


class Migration(migrations.Migration):
    dependencies = [
        ("effects", "0003_frozen_factor_sets_and_effect_history"),
    ]

    operations = [
        migrations.RunPython(freeze_and_report, migrations.RunPython.noop, elidable=False),
    ]
