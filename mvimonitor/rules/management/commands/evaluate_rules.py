from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mvimonitor.rules.evaluation import evaluate
from mvimonitor.rules.models import PolicyRule


class Command(BaseCommand):
    help = "Evaluate the policy rules on every tender, replacing the earlier findings of each rule version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rule", action="append", default=[], help="Only this rule code (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        rules = PolicyRule.objects.order_by("code", "version")
        if options["rule"]:
            rules = rules.filter(code__in=options["rule"])
            if not rules.exists():
                raise CommandError(f"No rule with code {', '.join(options['rule'])}; run load_rules first?")
        for run in evaluate(list(rules)):
            if options["verbosity"] < 1:
                continue
            self.stdout.write(f"{run.rule.code} v{run.rule.version}: {run.findings} findings in {run.seconds:.2f} s")
            for note in run.notes:
                self.stdout.write(f"  {note}")
