-- Trust for buyers (who sells, labels operators verified, reports and
-- messages) and the operators' console (/admin): accounts, sessions and an
-- audit log no one can edit.

-- Who sells, shown on the cooperative's page. Set by operators (`hanout-market
-- cooperative set` or the console), never by a device.
ALTER TABLE cooperatives ADD COLUMN legal_name TEXT;
ALTER TABLE cooperatives ADD COLUMN registration TEXT;  -- e.g. the ODCo number
ALTER TABLE cooperatives ADD COLUMN city TEXT;
ALTER TABLE cooperatives ADD COLUMN region TEXT;

-- Labels an operator verified: `made_in_morocco`, `protected_origin`
-- (e.g. argan oil's IGP), `artisan_label`, `centre_of_excellence`.
-- subject: a cooperative's id or a listing's id (subject_kind says which).
CREATE TABLE verified_labels (
    subject_kind  TEXT NOT NULL,          -- cooperative | listing
    subject_id    TEXT NOT NULL,
    label         TEXT NOT NULL,
    note          TEXT,                   -- e.g. the certificate's number
    granted_by    TEXT NOT NULL,          -- the operator's email
    granted_at_ms INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, label)
) STRICT;

-- "Report this listing" from the public page, into the operators' queue.
-- state: open | dismissed | actioned.
CREATE TABLE listing_reports (
    id            TEXT PRIMARY KEY NOT NULL,  -- UUIDv7
    listing_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,              -- a key of the reasons list
    details       TEXT,                       -- free text, bounded
    at_ms         INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    handled_by    TEXT,
    handled_at_ms INTEGER
) STRICT;
CREATE INDEX listing_reports_open ON listing_reports (state, listing_id);

-- Messages buyers send a cooperative through its page (no address shown).
CREATE TABLE contact_messages (
    id              TEXT PRIMARY KEY NOT NULL,  -- UUIDv7
    cooperative_id  TEXT NOT NULL,
    listing_id      TEXT,
    sender_name     TEXT NOT NULL,
    reply_to        TEXT NOT NULL,              -- the buyer's email or phone
    body            TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'new' -- new | forwarded | spam
) STRICT;
CREATE INDEX contact_messages_by_coop ON contact_messages (cooperative_id, id);

-- Marketplace operators. role: moderator | admin. The password is an
-- argon2id PHC string; until it is set, setup_hash is the SHA-256 of the
-- one-time setup token `operator add` printed.
CREATE TABLE operators (
    id              TEXT PRIMARY KEY NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL,
    password_hash   TEXT,
    setup_hash      TEXT,
    setup_expires_ms INTEGER,
    created_at_ms   INTEGER NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Console sessions: only the SHA-256 of the cookie's token is kept.
CREATE TABLE operator_sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    operator_id  TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL
) STRICT;

-- Who did what in the console, when: append-only.
CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY NOT NULL,  -- UUIDv7: in time order
    at_ms     INTEGER NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT,
    detail    TEXT
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
