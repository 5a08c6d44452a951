from django.core.management.base import BaseCommand, CommandError

from notifications.system_templates import restore_system_templates


class Command(BaseCommand):
    help = "Restore shipped system templates (all, or the given ids), discarding API edits."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", metavar="ID")

    def handle(self, *args, **options):
        try:
            restored = restore_system_templates(options["ids"] or None)
        except KeyError as exc:
            raise CommandError(f"unknown system template id(s): {exc.args[0]}") from None
        self.stdout.write(f"Restored {len(restored)} system template(s): {', '.join(restored)}")
