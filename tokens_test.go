package roster_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/resources"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// tokenRow is one row of roster_tokens as stored.
type tokenRow struct {
	id, kind, name, prefix, hash, userID, createdBy string
	lastUsed                                        *time.Time
}

// tokenRows reads roster_tokens directly, ordered by name.
func tokenRows(t *testing.T, raw *rawEmailDB) []tokenRow {
	t.Helper()
	rows, err := raw.db.Query(`SELECT id, kind, name, prefix, hash, user_id, created_by, last_used_at FROM roster_tokens ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []tokenRow
	for rows.Next() {
		var r tokenRow
		if err := rows.Scan(&r.id, &r.kind, &r.name, &r.prefix, &r.hash, &r.userID, &r.createdBy, &r.lastUsed); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestSCIMTokenLifecycle: a token is shown once, stored as its SHA-256,
// authenticates to its workspace, records its last use at most once a
// minute, and is refused at once after Revoke while its sibling still works.
func TestSCIMTokenLifecycle(t *testing.T) {
	rostertest.ForEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := rostertest.NewClock()
		d, err := roster.Open(ctx, roster.Config{DSN: dsn, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		w := d.Default()
		admin, err := w.Users().Register(ctx, users.Registration{Email: "admin@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		as := access.UserActor(admin.ID)
		ts := w.Tokens()
		okta, oktaRaw, err := ts.CreateSCIM(ctx, as, "  Okta  ")
		if err != nil {
			t.Fatal(err)
		}
		entra, entraRaw, err := ts.CreateSCIM(ctx, as, "Entra ID")
		if err != nil {
			t.Fatal(err)
		}
		if okta.Name != "Okta" || okta.Kind != tokens.KindSCIM || okta.Workspace != w.ID() || okta.UserID != "" || okta.Role != "" ||
			!okta.CreatedAt.Equal(clock.Now()) || !okta.LastUsedAt.IsZero() {
			t.Errorf("CreateSCIM = %+v, want a fresh SCIM token named Okta of %s", okta, w.ID())
		}
		for _, raw := range []string{oktaRaw, entraRaw} {
			if !strings.HasPrefix(raw, "roster_scim_") || len(raw) != len("roster_scim_")+43 {
				t.Errorf("raw token %q: want roster_scim_ and 43 base64url characters (256 bits)", raw)
			}
		}
		if oktaRaw == entraRaw {
			t.Fatal("two tokens have one raw value")
		}
		if okta.Prefix != oktaRaw[:18] {
			t.Errorf("Prefix %q, want the kind's prefix and 6 characters of %q", okta.Prefix, oktaRaw)
		}

		// Stored: the hash, never the raw value.
		db := openRawEmailDB(t, dsn)
		rows := tokenRows(t, db)
		if len(rows) != 2 || rows[1].id != okta.ID || rows[0].id != entra.ID {
			t.Fatalf("roster_tokens = %+v, want Entra ID and Okta", rows)
		}
		for i, raw := range []string{entraRaw, oktaRaw} {
			r := rows[i]
			if r.hash != sha256Hex(raw) {
				t.Errorf("%s: stored hash %q, want the hex SHA-256 of the raw token", r.name, r.hash)
			}
			secret := strings.TrimPrefix(raw, "roster_scim_")
			for _, col := range []string{r.id, r.kind, r.name, r.prefix, r.hash, r.userID, r.createdBy} {
				if strings.Contains(col, secret[6:]) {
					t.Errorf("%s: a column holds the raw token: %q", r.name, col)
				}
			}
			if r.kind != "scim" || r.userID != "" || r.createdBy != string(as) || r.lastUsed != nil {
				t.Errorf("row %+v: want kind scim, no user, created by %s, never used", r, as)
			}
		}
		listed, err := ts.List(ctx, as, tokens.KindSCIM)
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) != 2 || listed[0].ID != entra.ID || listed[1].ID != okta.ID {
			t.Fatalf("List = %+v, want Entra ID then Okta", listed)
		}
		for _, tok := range listed {
			s := fmt.Sprintf("%+v", tok)
			if strings.Contains(s, oktaRaw[18:]) || strings.Contains(s, entraRaw[18:]) || strings.Contains(s, rows[0].hash) || strings.Contains(s, rows[1].hash) {
				t.Errorf("List entry %s holds a raw token or a hash", s)
			}
		}
		recorded := trail(t, w).Events
		if len(recorded) == 0 {
			t.Fatal("the audit trail is empty: nothing to search for the token")
		}
		for _, ev := range recorded {
			if s := fmt.Sprint(ev.Details); strings.Contains(s, oktaRaw[18:]) || strings.Contains(s, rows[1].hash) {
				t.Errorf("audit event %s %v holds the raw token or its hash", ev.Action, ev.Details)
			}
		}

		// Authenticate, and the last use at most once a minute.
		auth := func(raw string) tokens.Token {
			t.Helper()
			got, err := d.Authenticate(ctx, raw)
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			return got
		}
		lastUsed := func() time.Time {
			t.Helper()
			l, err := ts.List(ctx, as, tokens.KindSCIM)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range l {
				if tok.ID == okta.ID {
					return tok.LastUsedAt
				}
			}
			t.Fatal("okta is not listed")
			return time.Time{}
		}
		if got := auth(oktaRaw); got.ID != okta.ID || got.Workspace != w.ID() || got.Kind != tokens.KindSCIM || got.Name != "Okta" {
			t.Errorf("Authenticate = %+v, want okta of %s", got, w.ID())
		}
		first := clock.Now()
		if got := lastUsed(); !got.Equal(first) {
			t.Errorf("LastUsedAt after first use = %v, want %v", got, first)
		}
		version, events := d.Version(), trail(t, w).Total
		clock.Advance(59 * time.Second)
		auth(oktaRaw)
		if got := lastUsed(); !got.Equal(first) {
			t.Errorf("LastUsedAt 59 s later = %v, want %v still (one write a minute)", got, first)
		}
		clock.Advance(time.Second)
		auth(oktaRaw)
		if got := lastUsed(); !got.Equal(clock.Now()) {
			t.Errorf("LastUsedAt a minute later = %v, want %v", got, clock.Now())
		}
		if d.Version() != version || trail(t, w).Total != events {
			t.Errorf("recording last use took a version or an audit event (version %d → %d)", version, d.Version())
		}

		// Revoke: refused at once; the other token still works.
		if err := ts.Revoke(ctx, as, okta.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Authenticate(ctx, oktaRaw); !errors.Is(err, tokens.ErrInvalidToken) {
			t.Errorf("Authenticate after Revoke: %v, want ErrInvalidToken", err)
		}
		if got := auth(entraRaw); got.ID != entra.ID {
			t.Errorf("Authenticate(entra) = %+v", got)
		}
		ev := trail(t, w).Events[0]
		if ev.Action != "token.revoke" || ev.Target != okta.ID || ev.Actor != as || ev.Details["name"] != "Okta" || ev.Details["kind"] != "scim" {
			t.Errorf("revoke event %+v", ev)
		}
		if err := ts.Revoke(ctx, as, okta.ID); !errors.Is(err, tokens.ErrTokenNotFound) || access.Sentence(err, nil) != "The SCIM token does not exist." {
			t.Errorf("Revoke twice: %v (%q), want ErrTokenNotFound", err, access.Sentence(err, nil))
		}
		d.Close()
		if _, err := d.Authenticate(ctx, entraRaw); !errors.Is(err, roster.ErrClosed) {
			t.Errorf("Authenticate after Close: %v, want ErrClosed", err)
		}
	})
}

// TestAuthenticateRefusesMalformedTokens: every raw value that is not a live
// token is the one ErrInvalidToken, whatever is wrong with it.
func TestAuthenticateRefusesMalformedTokens(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		_, raw, err := e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Okta")
		e.Must("CreateSCIM", err)
		_, key, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		secret := strings.TrimPrefix(raw, "roster_scim_")
		flipped := []byte(raw)
		flipped[len(flipped)-3] ^= 0x20 // a letter's case
		for _, bad := range []string{
			"", " ", "roster_scim_", "roster_key_", "Bearer " + raw, raw + " ", " " + raw, raw[:len(raw)-1], raw + "A",
			"roster_key_" + secret,                                  // the secret under the other kind's prefix
			"roster_scim_" + strings.TrimPrefix(key, "roster_key_"), // and the other way round
			"ROSTER_SCIM_" + secret, "scim_" + secret, secret, sha256Hex(raw), string(flipped),
			"roster_scim_" + strings.Repeat("A", 43), // well-formed, never issued
			"roster_scim_" + strings.Repeat("A", 42) + "=", "roster_scim_" + strings.Repeat("+", 43),
		} {
			_, err := e.D.Authenticate(e.Ctx, bad)
			if !errors.Is(err, tokens.ErrInvalidToken) || err.Error() != "tokens: invalid bearer token" || access.Sentence(err, nil) != "The token is not valid." {
				t.Errorf("Authenticate(%q) = %v, want the one ErrInvalidToken", bad, err)
			}
		}
		if got, err := e.D.Authenticate(e.Ctx, raw); err != nil || got.Name != "Okta" {
			t.Errorf("Authenticate(raw) = %+v, %v after the bad ones", got, err)
		}
	})
}

// TestTokenNames: names are trimmed, 1 to 100 characters, without control
// characters, unique per workspace and kind.
func TestTokenNames(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		ts := e.W.Tokens()
		_, _, err := ts.CreateSCIM(e.Ctx, e.As("admin"), "Okta")
		e.Must("CreateSCIM", err)
		long := strings.Repeat("é", 100)
		_, _, err = ts.CreateSCIM(e.Ctx, e.As("admin"), long)
		e.Must("CreateSCIM of 100 characters", err)
		_, _, err = e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Okta", users.RoleBasic)
		e.Must("CreateAPIKey named like a SCIM token", err)
		before := s.state()
		_, _, err = ts.CreateSCIM(e.Ctx, e.As("admin"), " Okta ")
		s.refused("CreateSCIM of a taken name", before, err, tokens.ErrDuplicateName, `A SCIM token named "Okta" already exists.`)
		_, _, err = e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Okta", users.RoleBasic)
		s.refused("CreateAPIKey of a taken name", before, err, tokens.ErrDuplicateName, `An API key named "Okta" already exists.`)
		for _, bad := range []string{"", "   ", long + "x", "a\nb", "tab\there", "\x00"} {
			_, _, err = ts.CreateSCIM(e.Ctx, e.As("admin"), bad)
			s.refused(fmt.Sprintf("CreateSCIM(%q)", bad), before, err, tokens.ErrInvalidName, "A token name is 1 to 100 characters long, without control characters.")
			_, _, err = e.W.CreateAPIKey(e.Ctx, e.As("admin"), bad, users.RoleBasic)
			s.refused(fmt.Sprintf("CreateAPIKey(%q)", bad), before, err, tokens.ErrInvalidName, "A token name is 1 to 100 characters long, without control characters.")
		}
		_, err = ts.List(e.Ctx, e.As("admin"), "bearer")
		if !errors.Is(err, tokens.ErrInvalidKind) || !errors.Is(err, roster.ErrInvalid) {
			t.Errorf("List of an unknown kind: %v, want ErrInvalidKind", err)
		}
	})
}

// TestAPIKeyLifecycle: an API key is a service user of its role that its
// groups give access; Authenticate returns its user; deleting the key
// deletes the user (row, memberships, lines) and ends its access at once.
func TestAPIKeyLifecycle(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		conn := e.Register(rostertest.Connector("c1"), resources.Facts{})
		g := e.Group("eng")
		key, raw, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "CI", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		if key.Kind != tokens.KindAPIKey || key.Role != users.RoleBasic || key.UserID == "" || key.Name != "CI" ||
			!strings.HasPrefix(raw, "roster_key_") || len(raw) != len("roster_key_")+43 {
			t.Fatalf("CreateAPIKey = %+v, %q", key, raw)
		}
		u, err := e.W.Users().Get(e.Ctx, key.UserID)
		e.Must("Get service user", err)
		if u.Kind != users.KindService || u.Role != users.RoleBasic || u.Source != users.SourceService || !u.Active ||
			u.Email != key.ID+"@api-key.invalid" {
			t.Errorf("service user = %+v", u)
		}
		if n, err := users.NormalizeEmail(u.Email); err != nil || n != u.Email {
			t.Errorf("NormalizeEmail(%q) = %q, %v; the made-up email must be a normalized email", u.Email, n, err)
		}
		if ok, _ := e.W.Access().Can(e.Ctx, key.UserID, access.View, conn); ok {
			t.Error("the key's user views a private connector of a group it is not in")
		}
		_, err = e.W.Groups().AddMembers(e.Ctx, e.As("admin"), g, []string{key.UserID})
		e.Must("AddMembers", err)
		_, err = e.W.Resources().Attach(e.Ctx, e.As("admin"), g, conn)
		e.Must("Attach", err)
		if ok, err := e.W.Access().Can(e.Ctx, key.UserID, access.View, conn); err != nil || !ok {
			t.Errorf("Can(key, view, c1) = %v, %v; want true through its group", ok, err)
		}
		got, err := e.D.Authenticate(e.Ctx, raw)
		e.Must("Authenticate", err)
		if got.ID != key.ID || got.UserID != key.UserID || got.Role != users.RoleBasic || got.Workspace != e.W.ID() || got.Kind != tokens.KindAPIKey {
			t.Errorf("Authenticate = %+v, want key %s acting as %s, basic", got, key.ID, key.UserID)
		}
		// Its user acts with its role: a basic user may not create SCIM tokens.
		_, _, err = e.W.Tokens().CreateSCIM(e.Ctx, access.UserActor(got.UserID), "x")
		rostertest.WantErr(t, "CreateSCIM as a basic key", err, users.ErrNotAdmin)
		// Revoke is for SCIM tokens; users.Delete refuses a service user.
		if err := e.W.Tokens().Revoke(e.Ctx, e.As("admin"), key.ID); !errors.Is(err, tokens.ErrTokenNotFound) {
			t.Errorf("Revoke of an API key: %v, want ErrTokenNotFound", err)
		}
		if err := e.W.Users().Delete(e.Ctx, e.As("admin"), key.UserID); !errors.Is(err, users.ErrServiceUser) ||
			access.Sentence(err, nil) != "An API key's user is deleted by deleting the API key." {
			t.Errorf("users.Delete of a service user: %v, want ErrServiceUser", err)
		}

		e.Must("DeleteAPIKey", e.W.DeleteAPIKey(e.Ctx, e.As("admin"), key.ID))
		if ok, _ := e.W.Access().Can(e.Ctx, key.UserID, access.View, conn); ok {
			t.Error("the deleted key's user can still view c1")
		}
		if _, err := e.W.Users().Get(e.Ctx, key.UserID); !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("Get deleted service user: %v, want ErrUserNotFound", err)
		}
		if ms := e.Members("eng"); len(ms) != 0 {
			t.Errorf("members of eng after DeleteAPIKey = %v, want none", ms)
		}
		if _, err := e.D.Authenticate(e.Ctx, raw); !errors.Is(err, tokens.ErrInvalidToken) {
			t.Errorf("Authenticate after DeleteAPIKey: %v, want ErrInvalidToken", err)
		}
		if rows := tokenRows(t, openRawEmailDB(t, e.DSN)); len(rows) != 0 {
			t.Errorf("roster_tokens after DeleteAPIKey = %+v, want empty", rows)
		}
		err = e.W.DeleteAPIKey(e.Ctx, e.As("admin"), key.ID)
		if !errors.Is(err, tokens.ErrTokenNotFound) || access.Sentence(err, nil) != "The API key does not exist." {
			t.Errorf("DeleteAPIKey twice: %v (%q), want ErrTokenNotFound", err, access.Sentence(err, nil))
		}
		ev := trail(t, e.W).Events
		if ev[0].Action != "user.delete" || ev[0].Target != key.UserID || ev[1].Action != "token.revoke" || ev[1].Target != key.ID ||
			ev[0].Version != ev[1].Version {
			t.Errorf("DeleteAPIKey's events (newest first) = %+v, %+v; want user.delete and token.revoke at one version", ev[0], ev[1])
		}
	})
}

// TestDeleteAPIKeyRefusedWhileItOwns: a key whose user owns an agent is not
// deleted (the refusal names the key); after a transfer it is.
func TestDeleteAPIKeyRefusedWhileItOwns(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		s := &scimEnv{Env: e}
		key, _, err := e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Agent builder", users.RoleBasic)
		e.Must("CreateAPIKey", err)
		agent := e.Register(access.Resource{Kind: access.Agent, ID: "a1"}, resources.Facts{Owner: key.UserID})
		before := s.state()
		err = e.W.DeleteAPIKey(e.Ctx, e.As("admin"), key.ID)
		s.refused("DeleteAPIKey of an owner", before, err, users.ErrOwnsResources, `The API key "Agent builder" still owns the agent; transfer it to someone else first.`)
		var owns *users.OwnsResourcesError
		if !errors.As(err, &owns) || owns.UserID != key.UserID || owns.KeyName != "Agent builder" || len(owns.Resources) != 1 || owns.Resources[0] != agent {
			t.Errorf("DeleteAPIKey of an owner: %#v, want an OwnsResourcesError naming the key and a1", err)
		}
		_, err = e.W.Users().TransferOwnership(e.Ctx, e.As("admin"), key.UserID, e.Users["admin"])
		e.Must("TransferOwnership", err)
		e.Must("DeleteAPIKey after the transfer", e.W.DeleteAPIKey(e.Ctx, e.As("admin"), key.ID))
	})
}
