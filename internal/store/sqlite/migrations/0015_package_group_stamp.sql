-- A number that every write to package groups or their allowed-repository
-- lists changes in its own transaction (issue #15): the service caches a
-- package's group decision (may this repository publish it?) under the stamp
-- it read, so a publish checks one row instead of finding and walking the
-- package's groups, and a change made through any node binds every node at
-- its next read.
CREATE TABLE package_group_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT  NOT NULL
);
INSERT INTO package_group_stamp (id, stamp) VALUES (1, 0);
