"""Every read of the store, as functions of an open Connection (RecordStore runs each in a
short transaction of its own through Database.read; the writer runs some inside its own):

- ``store.reads.lists``: the protocol's list pages and list sizes (the hot path);
- ``store.reads.records``: records (GetRecord, a record's formats, the whole stored record,
  harvested records' origins and how many came from a source);
- ``store.reads.catalogue``: the repository as a whole (earliest datestamp, sets, stats, the
  values in repository_meta).

The harvest state's own reads (sources, runs, checkpoints, learnt formats) stay with it in
store/harvest_state.py, next to the writes of the same rows.
"""
