"""gunicorn settings for SafePort, from the environment: `gunicorn -c gunicorn.conf.py wsgi:app`.

SAFEPORT_BIND (default 127.0.0.1:$PORT, PORT default 8000), WEB_CONCURRENCY (worker processes,
default 2 x CPUs + 1), SAFEPORT_WORKER_TIMEOUT (seconds, 60), SAFEPORT_MAX_REQUESTS (a worker is
replaced after this many requests, 10000; 0: never). FORWARDED_ALLOW_IPS (gunicorn's own) names
the proxies trusted for X-Forwarded-Proto. gunicorn's control socket (gunicornc) is off unless
SAFEPORT_CONTROL_SOCKET names a path: its default path is one per user, shared by every gunicorn
on the host. The app is not preloaded: each worker runs create_app() and opens its own database
pool. See README.md, "Production".
"""
import multiprocessing
import os

bind = os.environ.get("SAFEPORT_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
timeout = int(os.environ.get("SAFEPORT_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = int(os.environ.get("SAFEPORT_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(p)s'
proc_name = "safeport"
control_socket = os.environ.get("SAFEPORT_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("SAFEPORT_CONTROL_SOCKET")
