"""``evertide run``: the daemon (:mod:`.runner`), its single-instance lock on SQLite (:mod:`.lock`), its feed
job (:mod:`.feeds_job`) and its log lines (:mod:`.logs`). Only this package reads the clock for publishing."""
