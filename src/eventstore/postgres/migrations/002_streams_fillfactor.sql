-- Every append moves its stream's head: an UPDATE of one small row, under
-- ingest several times a second for every meter. Half of each page is kept
-- free so the new version fits beside the old one (a HOT update: no new
-- streams_pkey entry, and old versions are pruned in place). On full pages
-- three in four head moves went to another page (n_tup_hot_upd 20-27% of
-- n_tup_upd in 60,000 gateway-shaped appends to 5,000 streams), growing the
-- table fivefold and adding an index entry each; with this, all but a handful
-- are HOT. Pages written before this migration follow it once rewritten
-- (VACUUM FULL streams at a quiet time).
ALTER TABLE streams SET (fillfactor = 50);
