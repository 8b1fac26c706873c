package tokens

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/store"
)

// touchEvery is how stale last_used_at must be before Authenticate writes
// it again: at most one bookkeeping write per token per minute.
const touchEvery = time.Minute

// authenticate returns the token whose raw value is raw, from whichever
// workspace holds it, or ErrInvalidToken. It reads the database on every
// call, so a revocation committed by any instance is effective at once.
// Package roster's Directory.Authenticate calls it through package
// construct.
func authenticate(ctx context.Context, st *store.Store, raw string) (Token, error) {
	kind, ok := parseRaw(raw)
	if !ok {
		return Token{}, ErrInvalidToken
	}
	hash := hashOf(raw)
	db, err := st.Read(ctx)
	if err != nil {
		return Token{}, err
	}
	var r row
	// The lookup by hash is an index search, whose timing depends on the
	// hash, not on the secret: SHA-256 is one-way, so it reveals nothing an
	// attacker could use to approach a valid token. The comparison below
	// runs in constant time anyway, so equality is never decided by an
	// early exit over secret bytes.
	err = db.Where("hash = ?", hash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Token{}, ErrInvalidToken
	}
	if err != nil {
		return Token{}, err
	}
	if subtle.ConstantTimeCompare([]byte(r.Hash), []byte(hash)) != 1 || Kind(r.Kind) != kind {
		return Token{}, ErrInvalidToken
	}
	t := r.token()
	if kind == KindAPIKey {
		if t, err = apiKeyRole(ctx, st, t); err != nil {
			return Token{}, err
		}
	}
	touch(ctx, st, r)
	return t, nil
}

// apiKeyRole fills an API key's Role from its service user, read in a
// consistent snapshot; a key whose user is gone is ErrInvalidToken.
func apiKeyRole(ctx context.Context, st *store.Store, t Token) (Token, error) {
	err := st.View(ctx, t.Workspace, access.System, func(tx *store.Tx) error {
		var err error
		t, err = withRole(tx, t)
		return err
	})
	if err == nil && t.Role == "" {
		return Token{}, ErrInvalidToken
	}
	return t, err
}

// touch records that token r was used now, unless it was recorded less than
// touchEvery ago. The condition is in the UPDATE too, so instances sharing
// the database write at most once per token per minute between them. It is
// bookkeeping: not audited, and a failure is logged, never the caller's.
func touch(ctx context.Context, st *store.Store, r row) {
	now := st.Now().UTC()
	stale := now.Add(-touchEvery)
	if r.LastUsedAt != nil && r.LastUsedAt.After(stale) {
		return
	}
	err := st.DB.WithContext(context.WithoutCancel(ctx)).Model(&row{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at <= ?)", r.ID, stale).
		Update("last_used_at", now).Error
	if err != nil {
		st.Log.Warn("tokens: recording a token's last use failed", "token_id", r.ID, "error", err)
	}
}
