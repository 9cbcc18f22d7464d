-- A repository's external connection (e.g. public:npmjs), '' for none.
-- PostgreSQL: TEXT -> TEXT COLLATE "C".
ALTER TABLE repositories ADD COLUMN external_connection TEXT NOT NULL DEFAULT '';
