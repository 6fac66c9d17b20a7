-- fundledger schema, migration 13: the people who sign in to the web application, and their
-- API tokens.
--
-- Users are administrative data, not ledger money: a user row changes (a new password, the
-- day it was disabled), so it is not a link of the audit chain. What was done to a user is:
-- every change appends a row to `user_events` (no secret in it), which is chained, and the
-- write is journaled with its operator (`fundledger log`). Nothing here is ever deleted: a
-- user is disabled, a token revoked.

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 40 AND name = trim(name)),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'body', 'reviewer')),
    -- An Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`); never the password.
    password_hash  TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    lang           TEXT NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en')),
    created_at     TEXT NOT NULL,
    disabled_at    TEXT
);

CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'users: a user is never deleted; disable it'); END;
CREATE TRIGGER users_fixed BEFORE UPDATE ON users
WHEN NEW.id IS NOT OLD.id OR NEW.name IS NOT OLD.name OR NEW.role IS NOT OLD.role
  OR NEW.created_at IS NOT OLD.created_at
  OR (OLD.disabled_at IS NOT NULL AND NEW.disabled_at IS NOT OLD.disabled_at)
BEGIN SELECT RAISE(ABORT, 'users: a user''s name, role and creation are fixed, and a disabled user stays disabled'); END;

-- Where a user may act: the counties of a clerk (by catalogue name, as projects name them),
-- the projects of an implementing body. Admins and reviewers have no rows here.
CREATE TABLE user_scopes (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    county      TEXT REFERENCES counties(name),
    project_id  INTEGER REFERENCES projects(id),
    CHECK ((county IS NULL) <> (project_id IS NULL)),
    UNIQUE (user_id, county, project_id)
);

CREATE INDEX user_scopes_by_user ON user_scopes (user_id);

CREATE TRIGGER user_scopes_no_update BEFORE UPDATE ON user_scopes
BEGIN SELECT RAISE(ABORT, 'users: a user''s scope is never edited'); END;
CREATE TRIGGER user_scopes_no_delete BEFORE DELETE ON user_scopes
BEGIN SELECT RAISE(ABORT, 'users: a user''s scope is never edited'); END;
CREATE TRIGGER user_scopes_of_role BEFORE INSERT ON user_scopes
WHEN NOT EXISTS (
    SELECT 1 FROM users u WHERE u.id = NEW.user_id
      AND ((u.role = 'clerk' AND NEW.county IS NOT NULL) OR (u.role = 'body' AND NEW.project_id IS NOT NULL)))
BEGIN SELECT RAISE(ABORT, 'users: counties scope clerks, projects scope implementing bodies, nothing else'); END;

-- API tokens: only the SHA-256 of a token is kept (the token is shown once, when issued).
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    sha256      BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
BEGIN SELECT RAISE(ABORT, 'users: a token is never deleted; revoke it'); END;
CREATE TRIGGER api_tokens_revoke_only BEFORE UPDATE ON api_tokens
WHEN NEW.id IS NOT OLD.id OR NEW.user_id IS NOT OLD.user_id OR NEW.sha256 IS NOT OLD.sha256
  OR NEW.created_at IS NOT OLD.created_at OR OLD.revoked_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'users: a token is only ever revoked, once'); END;

-- What was done to users, and by whom: chained and journaled like every recorded fact.
CREATE TABLE user_events (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    action       TEXT NOT NULL CHECK (action IN ('add', 'disable', 'passwd', 'token')),
    detail       TEXT NOT NULL DEFAULT '',
    operator     TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);

CREATE TRIGGER user_events_no_update BEFORE UPDATE ON user_events
BEGIN SELECT RAISE(ABORT, 'R4: the record of user changes is appended to, never edited'); END;
CREATE TRIGGER user_events_no_delete BEFORE DELETE ON user_events
BEGIN SELECT RAISE(ABORT, 'R4: the record of user changes is appended to, never edited'); END;
