"""What pinned query counts add for anonymous reads.

Every anonymous page, feed, export and API read first looks up the data
version its ETag is made from (core/httpcache.py): one query before the view,
and the only one when the answer is 304. Logged-in requests do not make it.
"""

VERSION_LOOKUP = 1
