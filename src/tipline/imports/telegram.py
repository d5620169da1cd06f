"""Telegram Desktop "Export chat history" in JSON (result.json): one chat (`messages` at the
top) or a full account export (`chats.list[].messages`). Each message of type "message"
becomes a `communication` record: sender (`from`), local time (`date`), text with its
formatting entities flattened, attachment (photo or file name), reply-to, and
`source_message` (Telegram's message id) and `source_chat`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tipline.imports.base import Draft, ImportFileError, ImportOptions, decode_text, read_bytes


def _flatten(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(part if isinstance(part, str) else str(part.get("text", ""))
                       for part in text if isinstance(part, (str, dict)))
    return ""


def _chats(data: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("messages"), list):
        return [data]
    chats = data.get("chats") if isinstance(data, dict) else None
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [c for c in chats["list"] if isinstance(c, dict)
                and isinstance(c.get("messages"), list)]
    raise ImportFileError("not a Telegram export: no 'messages' list (export the chat "
                          "history as JSON)", source=source)


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    try:
        data = json.loads(decode_text(read_bytes(path, opts.max_bytes), source))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"malformed JSON: {exc.msg}", source=source,
                              line=exc.lineno) from None
    except RecursionError:
        raise ImportFileError("malformed JSON: nested too deeply", source=source) from None
    for chat in _chats(data, source):
        chat_name = chat.get("name")
        for pos, msg in enumerate(chat["messages"], start=1):
            if not isinstance(msg, dict):
                raise ImportFileError("a message must be a JSON object", source=source,
                                      field=f"messages[{pos - 1}]")
            if msg.get("type", "message") != "message":
                continue  # service messages: joined, pinned, call started
            number = msg.get("id", pos)
            where = f"message {number}"
            try:
                at = datetime.fromisoformat(str(msg["date"]))
            except KeyError:
                raise ImportFileError("has no date", source=source, field=where) from None
            except ValueError:
                raise ImportFileError(f"date {msg['date']!r} is not ISO 8601", source=source,
                                      field=where) from None
            attachment = msg.get("file") or msg.get("photo")
            text = _flatten(msg.get("text", ""))
            if not text.strip() and not attachment:
                continue
            if not text.strip():
                text = f"[{msg.get('media_type') or 'photo' if msg.get('photo') else 'file'}]"
            fields: dict[str, Any] = {
                "sender": msg.get("from") or msg.get("actor"), "sender_id": msg.get("from_id"),
                "attachment": attachment, "reply_to": msg.get("reply_to_message_id"),
                "forwarded_from": msg.get("forwarded_from"), "source_chat": chat_name,
                "source_message": number,
            }
            yield Draft(kind="communication", at=at, text=text, fields=fields)
