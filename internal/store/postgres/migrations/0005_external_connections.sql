-- A repository's external connection (e.g. public:npmjs), '' for none.
-- The twin of the SQLite migration of the same name.
ALTER TABLE repositories ADD COLUMN external_connection TEXT COLLATE "C" NOT NULL DEFAULT '';
