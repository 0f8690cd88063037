"""The policy rules in the definitions register (mvimonitor.dashboards.definitions): every version of every rule,
with the date it holds from and its note, so other monitors can adopt the same rules."""

from mvimonitor.dashboards.definitions import Entry

from .models import PolicyRule


def rule_entries() -> list[Entry]:
    return [
        Entry(
            kind="rule",
            id=rule.code,
            version=str(rule.version),
            effective=rule.valid_from.isoformat(),
            name_nl=rule.name_nl,
            name_en=rule.name_en,
            change_note=rule.note,
            publications="",
        )
        for rule in PolicyRule.objects.order_by("code", "version")
    ]
