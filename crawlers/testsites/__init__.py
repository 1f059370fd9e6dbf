"""Local test sites for the article, Weibo-JSON and site-watch crawlers (127.0.0.1 only).

They serve real text shipped in `data/` (see data/README.md for where it comes from) and count
every hit, so tests can prove what was fetched and how often.
"""
