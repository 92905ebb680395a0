"""Fault injection against a live system: Redis stopped, a worker killed mid-batch, the web
restarted, PostgreSQL refusing connections, all while requests keep coming."""
