import GRDB

/// The store's schema, changed only by appending migrations: a store written by an older Tributary opens in a newer.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE feeds (
                        url TEXT PRIMARY KEY NOT NULL,
                        etag TEXT,
                        last_modified TEXT,
                        last_status INTEGER,
                        last_error TEXT,
                        error_count INTEGER NOT NULL DEFAULT 0,
                        last_fetched REAL,
                        last_success REAL,
                        next_due REAL,
                        disabled_reason TEXT,
                        pending_redirect TEXT,
                        redirect_confirmations INTEGER NOT NULL DEFAULT 0,
                        health BLOB,
                        info TEXT,
                        key_by_link INTEGER NOT NULL DEFAULT 0,
                        churn_strikes INTEGER NOT NULL DEFAULT 0
                    );
                    -- AUTOINCREMENT: an id is never reused, so a story or duplicate link never points at a stranger.
                    CREATE TABLE articles (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        feed_url TEXT NOT NULL,
                        entry_key TEXT NOT NULL,
                        article TEXT NOT NULL,
                        first_seen REAL NOT NULL,
                        content_updated REAL NOT NULL,
                        sort_date REAL NOT NULL,
                        content_hash TEXT NOT NULL,
                        story_id TEXT,
                        duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL,
                        reasons TEXT,
                        UNIQUE (feed_url, entry_key)
                    );
                    CREATE INDEX articles_first_seen ON articles(first_seen);
                    CREATE INDEX articles_lead ON articles(sort_date) WHERE duplicate_of IS NULL;
                    CREATE INDEX articles_duplicate_of ON articles(duplicate_of);
                    CREATE INDEX articles_story ON articles(story_id);
                    -- Outlives the article row: an entry that expired but is still in its feed is not new.
                    CREATE TABLE identities (
                        feed_url TEXT NOT NULL,
                        entry_key TEXT NOT NULL,
                        first_seen REAL NOT NULL,
                        last_seen REAL NOT NULL,
                        link TEXT,
                        PRIMARY KEY (feed_url, entry_key)
                    ) WITHOUT ROWID;
                    CREATE INDEX identities_last_seen ON identities(last_seen);
                    CREATE TABLE stories (
                        id TEXT PRIMARY KEY NOT NULL,
                        title TEXT,
                        last_active REAL NOT NULL
                    );
                    CREATE TABLE story_related (
                        story_id TEXT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
                        rank INTEGER NOT NULL,
                        related_id TEXT NOT NULL,
                        PRIMARY KEY (story_id, rank)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2: meta") { db in
            try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT)")
        }
        migrator.registerMigration("v3: article_links, published") { db in
            // The linker's decisions move to a narrow table of their own: storing one used to rewrite the whole
            // article row (its JSON and three indexes), which made storing a first run's decisions cost as much as
            // the linker itself. The old columns stay in `articles`, NULL and unused: SQLite cannot drop a column
            // that takes part in a foreign key, and rebuilding the table would buy nothing else.
            // `published` (published, else updated; seconds since the reference date, as the article JSON keeps
            // it) lets the linker read its dates without parsing JSON numbers.
            try db.execute(
                sql: """
                    CREATE TABLE article_links (
                        article_id INTEGER PRIMARY KEY NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
                        story_id TEXT NOT NULL,
                        duplicate_of INTEGER REFERENCES articles(id) ON DELETE SET NULL,
                        reasons TEXT
                    );
                    INSERT INTO article_links (article_id, story_id, duplicate_of, reasons)
                        SELECT id, story_id, duplicate_of, reasons FROM articles WHERE story_id IS NOT NULL;
                    CREATE INDEX article_links_story ON article_links(story_id);
                    CREATE INDEX article_links_duplicate_of ON article_links(duplicate_of);
                    UPDATE articles SET story_id = NULL, duplicate_of = NULL, reasons = NULL
                        WHERE story_id IS NOT NULL OR duplicate_of IS NOT NULL OR reasons IS NOT NULL;
                    DROP INDEX articles_story;
                    DROP INDEX articles_lead;
                    CREATE INDEX articles_sort_date ON articles(sort_date);
                    ALTER TABLE articles ADD COLUMN published REAL;
                    UPDATE articles SET published =
                        COALESCE(json_extract(article, '$.published'), json_extract(article, '$.updated'));
                    """)
        }
        migrator.registerMigration("v4: partial duplicate indexes") { db in
            // Only copies have a `duplicate_of` (none at all in `articles` since v3, a quarter of `article_links`),
            // so the indexes that find an article's copies keep no entry for the others: every stored article
            // and every stored decision used to add one. The lookups (copies of given leads, and the foreign keys'
            // SET NULL when an article is pruned) all ask for `duplicate_of = ?`, which SQLite answers from a
            // partial index.
            try db.execute(
                sql: """
                    DROP INDEX articles_duplicate_of;
                    CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
                    DROP INDEX article_links_duplicate_of;
                    CREATE INDEX article_links_duplicate_of ON article_links(duplicate_of)
                        WHERE duplicate_of IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v5: article title and link columns") { db in
            // Publishing names the other articles of each story by title and link, thousands of them, and the
            // linker reads both for every article of its window: picked out of the JSON, each row's whole article
            // was parsed (twice) for two short strings. Kept beside the JSON, they are read like any column.
            try db.execute(
                sql: """
                    ALTER TABLE articles ADD COLUMN title TEXT;
                    ALTER TABLE articles ADD COLUMN link TEXT;
                    UPDATE articles SET title = json_extract(article, '$.title'), link = json_extract(article, '$.link');
                    """)
        }
        return migrator
    }
}
