-- Orleans ADO.NET grain persistence on SQLite, written from the provider's contract
-- the OrleansQuery rows name the SQL Orleans runs.
-- Unlike Orleans' sample scripts, grain identity is unique here, so a racing duplicate
-- first write fails instead of leaving two rows that make every later read throw.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Identity ON OrleansStorage
    (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, ifnull(GrainIdExtensionString, ''), ServiceId);

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND ifnull(GrainIdExtensionString, '''') = ifnull(@GrainIdExtensionString, '''')
  AND ServiceId = @ServiceId
LIMIT 1;');

-- One statement, one result row whenever the write applies: insert the first version, or
-- update when the stored version equals the one the grain holds (optimistic concurrency).
-- A version mismatch returns no row, which Orleans reports as InconsistentStateException.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
VALUES (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @PayloadBinary, strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), 1)
ON CONFLICT (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString, ifnull(GrainIdExtensionString, ''''), ServiceId)
DO UPDATE SET PayloadBinary = excluded.PayloadBinary, ModifiedOn = excluded.ModifiedOn, Version = OrleansStorage.Version + 1
WHERE OrleansStorage.Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now''), Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND ifnull(GrainIdExtensionString, '''') = ifnull(@GrainIdExtensionString, '''')
  AND ServiceId = @ServiceId
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;');
