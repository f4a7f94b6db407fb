-- WAL with synchronous=NORMAL: a commit is in the WAL file before it returns, so a killed process
-- loses nothing; only a power cut can lose the last commits. FULL would fsync every grain write.
-- The setting is per connection, so the write query carries it.
UPDATE OrleansQuery SET QueryText = 'PRAGMA synchronous=NORMAL;' || QueryText WHERE QueryKey IN ('WriteToStorageKey', 'ClearStorageKey');
