"""The API's JSON parser: camel-case keys as everywhere in the API, and no text a database cannot store.

A NUL character, or half of a UTF-16 surrogate pair (JSON's `\\ud800` without its partner), is valid JSON but no
valid text for PostgreSQL; refused here, the client gets a 400 naming the body instead of a server error.
"""

from collections.abc import Mapping
from typing import Any

from djangorestframework_camel_case.parser import CamelCaseJSONParser
from rest_framework.exceptions import ParseError


def unstorable_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(value: Any, where: str) -> None:
    if isinstance(value, str):
        if unstorable_text(value):
            raise ParseError(f"{where or 'the body'} holds a NUL character or an unpaired surrogate.")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check(str(key), where)
            _check(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")


class JSONParser(CamelCaseJSONParser):  # type: ignore[misc]
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check(data, "")
        return data
