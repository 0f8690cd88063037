"""The burden of reporting on suppliers: questions asked per request and per supplier, time to answer, and the share of
requests answered on time; for one organisation, and nationally under disclosure control.

Every national figure is a sum over organisations (`mvimonitor.disclosure.Cell`, one contribution per organisation);
the ratios are computed from the sums only when both are shown. Revoked requests are left out. A request counts as
due once its due date has passed or it was answered; it was answered on time when its first answer came on or before
its due date. Nationally the suppliers are counted per organisation (a supplier asked by two buyers counts twice), so
"questions per supplier" there is per supplier and buyer.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q
from django.utils import timezone

from mvimonitor import disclosure
from mvimonitor.organisations.models import Organisation

from .models import ReportingRequest, RequestStatus

MEASURES = ("requests", "questions", "suppliers", "due", "on_time", "answered", "answer_days")


@dataclass(frozen=True, slots=True)
class Burden:
    requests: int | None
    questions: int | None
    suppliers: int | None
    due: int | None
    on_time: int | None
    answered: int | None
    answer_days: int | None
    hidden: frozenset[str] = frozenset()

    @staticmethod
    def _ratio(top: int | None, bottom: int | None, scale: int = 1) -> Decimal | None:
        if top is None or not bottom:
            return None
        return (Decimal(top * scale) / Decimal(bottom)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def questions_per_request(self) -> Decimal | None:
        return self._ratio(self.questions, self.requests)

    @property
    def questions_per_supplier(self) -> Decimal | None:
        return self._ratio(self.questions, self.suppliers)

    @property
    def on_time_percent(self) -> Decimal | None:
        return self._ratio(self.on_time, self.due, 100)

    @property
    def days_to_answer(self) -> Decimal | None:
        return self._ratio(self.answer_days, self.answered)


def _per_organisation() -> dict[str, dict[int, int]]:
    """Every measure per organisation id (organisations with nothing are left out)."""
    today = timezone.localdate()
    parts: dict[str, dict[int, int]] = defaultdict(dict)
    requests = ReportingRequest.objects.exclude(status=RequestStatus.REVOKED)
    rows = (
        requests.values(organisation=F("contract__lot__tender__organisation"))
        .annotate(
            requests=Count("pk", distinct=True),
            suppliers=Count("supplier", distinct=True),
            due=Count("pk", filter=Q(due_date__lt=today) | Q(first_submitted_at__isnull=False), distinct=True),
            answered=Count("pk", filter=Q(first_submitted_at__isnull=False), distinct=True),
        )
        .order_by()
    )
    for row in rows:
        for measure in ("requests", "suppliers", "due", "answered"):
            parts[measure][row["organisation"]] = row[measure]
    questions = (
        requests.values(organisation=F("contract__lot__tender__organisation")).annotate(n=Count("answers")).order_by()
    )
    for counted in questions:
        parts["questions"][counted["organisation"]] = counted["n"]
    answered = requests.filter(first_submitted_at__isnull=False).values_list(
        "contract__lot__tender__organisation", "created_at", "first_submitted_at", "due_date"
    )
    for organisation, created, first, due in answered:
        days = max((timezone.localdate(first) - timezone.localdate(created)).days, 0)
        parts["answer_days"][organisation] = parts["answer_days"].get(organisation, 0) + days
        if timezone.localdate(first) <= due:
            parts["on_time"][organisation] = parts["on_time"].get(organisation, 0) + 1
    return parts


def for_organisation(organisation: Organisation) -> Burden:
    parts = _per_organisation()
    return _burden({measure: parts.get(measure, {}).get(organisation.pk, 0) for measure in MEASURES})


def _burden(values: dict[str, int | None]) -> Burden:
    return Burden(
        requests=values["requests"],
        questions=values["questions"],
        suppliers=values["suppliers"],
        due=values["due"],
        on_time=values["on_time"],
        answered=values["answered"],
        answer_days=values["answer_days"],
        hidden=frozenset(measure for measure in MEASURES if values[measure] is None),
    )


def national() -> Burden:
    """The national figures, each shown only when disclosure control allows it."""
    parts = _per_organisation()
    protected = disclosure.protect(
        [disclosure.Cell(measure, parts.get(measure, {})) for measure in MEASURES],
        inequalities=[
            disclosure.Inequality((("on_time", 1), ("due", -1))),
            disclosure.Inequality((("answered", 1), ("requests", -1))),
            disclosure.Inequality((("due", 1), ("requests", -1))),
            disclosure.Inequality((("suppliers", 1), ("requests", -1))),
        ],
    )
    values: dict[str, int | None] = {}
    for measure in MEASURES:
        value = protected.value(measure)
        values[measure] = None if value is None else int(value)
    return _burden(values)
