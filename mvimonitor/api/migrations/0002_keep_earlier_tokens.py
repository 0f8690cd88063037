"""Tokens made before personal tokens existed (Django REST Framework's `authtoken` table, one per user, no expiry)
become personal tokens named "earlier token" that expire 90 days from this migration, so no script stops working the
day of the upgrade and none works for ever. Only their hash is kept; the old table is left for the operator to drop."""

import hashlib
from datetime import timedelta
from typing import Any

from django.db import migrations
from django.utils import timezone


def keep_earlier_tokens(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    api_token = apps.get_model("api", "ApiToken")
    expires = timezone.now() + timedelta(days=90)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
    api_token.objects.bulk_create(
        api_token(
            user_id=user_id,
            name="earlier token",
            prefix=key[:8],
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            expires_at=expires,
        )
        for key, user_id in rows
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_tokens")]

    operations = [migrations.RunPython(keep_earlier_tokens, migrations.RunPython.noop)]
