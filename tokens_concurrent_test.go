package roster_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/rosterhq/roster/internal/rostertest"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/users"
)

// TestTokensConcurrently: of concurrent creations under one name exactly one
// succeeds; concurrent authentications during a revoke see the token or
// ErrInvalidToken, never another error, and none succeeds after Revoke
// returns.
func TestTokensConcurrently(t *testing.T) {
	rostertest.ForEachEnv(t, func(e *rostertest.Env) {
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, _, errs[i] = e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Okta")
				} else {
					_, _, errs[i] = e.W.CreateAPIKey(e.Ctx, e.As("admin"), "Okta", users.RoleBasic)
				}
			}()
		}
		wg.Wait()
		var scimOK, keyOK int
		for i, err := range errs {
			switch {
			case err == nil && i%2 == 0:
				scimOK++
			case err == nil:
				keyOK++
			case !errors.Is(err, tokens.ErrDuplicateName):
				t.Errorf("creation %d: %v, want success or ErrDuplicateName", i, err)
			}
		}
		if scimOK != 1 || keyOK != 1 {
			t.Fatalf("%d SCIM tokens and %d API keys named Okta were created, want one of each", scimOK, keyOK)
		}

		tok, raw, err := e.W.Tokens().CreateSCIM(e.Ctx, e.As("admin"), "Entra")
		e.Must("CreateSCIM", err)
		stop := make(chan struct{})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := e.D.Authenticate(e.Ctx, raw); err != nil && !errors.Is(err, tokens.ErrInvalidToken) {
						t.Errorf("Authenticate during Revoke: %v", err)
						return
					}
				}
			}()
		}
		e.Must("Revoke", e.W.Tokens().Revoke(e.Ctx, e.As("admin"), tok.ID))
		_, err = e.D.Authenticate(e.Ctx, raw)
		close(stop)
		wg.Wait()
		if !errors.Is(err, tokens.ErrInvalidToken) {
			t.Errorf("Authenticate after Revoke returned: %v, want ErrInvalidToken", err)
		}
	})
}
