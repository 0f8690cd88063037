"""Gunicorn settings for MVI Monitor in production (`make serve`, deploy/systemd/mvimonitor-web.service).

Each value can be overridden by an environment variable of the same meaning (docs/production.md).
"""

import multiprocessing
import os

bind = os.getenv("MVIMONITOR_BIND", "127.0.0.1:8000")
workers = int(os.getenv("MVIMONITOR_WEB_WORKERS", str(min(4, multiprocessing.cpu_count() + 1))))
threads = int(os.getenv("MVIMONITOR_WEB_THREADS", "4"))
worker_class = "gthread"
# A request that takes longer than this is stopped and its worker replaced; the slowest pages answer in seconds.
timeout = int(os.getenv("MVIMONITOR_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Replace each worker after this many requests (with jitter), so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.getenv("MVIMONITOR_FORWARDED_ALLOW_IPS", "127.0.0.1")
