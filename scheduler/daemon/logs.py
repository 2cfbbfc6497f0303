"""Daemon logs: one line per event, with channel, entry id and outcome; ``--log-format json`` for machines.

Messages never carry secrets: publishers build their error texts without them, and the handler prints only the
event's own fields. A text line shows a platform's message as typed (:mod:`scheduler.outside_text`): an escape
sequence in it cannot drive the terminal the daemon runs in, and a line break in it cannot fake a log line.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from scheduler.outside_text import visible

FIELDS = ("channel", "entry", "detail")


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
        parts = [stamp, record.levelname.lower(), record.getMessage()]
        for field in FIELDS:
            value = getattr(record, field, None)
            if value not in (None, ""):
                parts.append(f"{field}={value}")
        line = visible(" ".join(parts))
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        data |= {field: getattr(record, field) for field in FIELDS if getattr(record, field, None) is not None}
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(log_format: str, *, debug: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger("evertide")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = False
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # requests-oauthlib logs OAuth 1.0a headers (consumer key, access token) at DEBUG, even with --debug.
    for chatty in ("oauthlib", "requests_oauthlib", "urllib3", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
