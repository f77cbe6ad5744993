-- See ../0013_trust_and_operators.sql.
ALTER TABLE cooperatives ADD COLUMN legal_name TEXT;
ALTER TABLE cooperatives ADD COLUMN registration TEXT;
ALTER TABLE cooperatives ADD COLUMN city TEXT;
ALTER TABLE cooperatives ADD COLUMN region TEXT;

CREATE TABLE verified_labels (
    subject_kind  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    label         TEXT NOT NULL,
    note          TEXT,
    granted_by    TEXT NOT NULL,
    granted_at_ms BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, label)
);

CREATE TABLE listing_reports (
    id            TEXT PRIMARY KEY,
    listing_id    TEXT NOT NULL,
    reason        TEXT NOT NULL,
    details       TEXT,
    at_ms         BIGINT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open',
    handled_by    TEXT,
    handled_at_ms BIGINT
);
CREATE INDEX listing_reports_open ON listing_reports (state, listing_id);

CREATE TABLE contact_messages (
    id              TEXT PRIMARY KEY,
    cooperative_id  TEXT NOT NULL,
    listing_id      TEXT,
    sender_name     TEXT NOT NULL,
    reply_to        TEXT NOT NULL,
    body            TEXT NOT NULL,
    at_ms           BIGINT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'new'
);
CREATE INDEX contact_messages_by_coop ON contact_messages (cooperative_id, id);

CREATE TABLE operators (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL,
    password_hash   TEXT,
    setup_hash      TEXT,
    setup_expires_ms BIGINT,
    created_at_ms   BIGINT NOT NULL,
    disabled        BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE operator_sessions (
    token_hash   TEXT PRIMARY KEY,
    operator_id  TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id        TEXT PRIMARY KEY,
    at_ms     BIGINT NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT,
    detail    TEXT
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
