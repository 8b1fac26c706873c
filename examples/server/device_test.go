package main

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster/internal/rostertest"
)

// deviceServer is a test server with the default sign-in throttle, whose
// clients name their address in X-Forwarded-For (loopback is a trusted
// proxy).
func deviceServer(t *testing.T, change ...func(*config)) *testServer {
	t.Helper()
	return newTestServer(t, append([]func(*config){func(c *config) {
		c.SignInBurst, c.SignInEvery = 0, 0 // the defaults
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}}, change...)...)
}

// signIn posts a sign-in from ip, with the cookie header given if any.
func (c *client) signIn(ip, email, password string, cookie ...string) reply {
	c.ts.t.Helper()
	h := []string{"X-Forwarded-For", ip}
	if len(cookie) > 0 {
		h = append(h, "Cookie", cookie[0])
	}
	return c.do(http.MethodPost, "/auth/login", loginRequest{Email: email, Password: password}, h...)
}

// deviceCookieOf returns the device cookie a reply sets, failing the test if
// it sets none.
func deviceCookieOf(t *testing.T, r reply) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == deviceCookie {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", deviceCookie, r.header.Values("Set-Cookie"))
	return nil
}

// lockEmail spends email's per-email bucket the attacker's way: twenty wrong
// passwords, ten from each of two addresses (the last may already be
// refused: the owner's own sign-ins spent some of the bucket), then checks
// that a cookieless sign-in with the right password is refused.
func lockEmail(t *testing.T, ts *testServer, email string) {
	t.Helper()
	for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
		for i := range defaultSignInBurst {
			if r := ts.client().signIn(ip, email, "wrong password"); r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
				t.Errorf("%s guess %d: got %d %s, want 401 or 429", ip, i, r.status, r.body)
			}
		}
	}
	want(t, "cookieless sign-in after the attack", ts.client().signIn("203.0.113.50", email, pw(email)), http.StatusTooManyRequests, "THROTTLED")
}

// Twenty wrong passwords from two addresses locked an admin out of sign-in.
// With the device cookie of an earlier successful sign-in the admin still
// signs in; the cookie is HttpOnly, SameSite=Lax, valid one year.
func TestAttackWrongPasswordsLockAdminOut(t *testing.T) {
	ts := deviceServer(t)
	ts.register("ada@example.com", "")
	browser := ts.client()
	r := browser.signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"))
	want(t, "first sign-in", r, http.StatusOK, "")
	c := deviceCookieOf(t, r)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge != int((365*24*time.Hour).Seconds()) || c.Path != "/" {
		t.Errorf("device cookie %+v: want HttpOnly, SameSite=Lax, not Secure over http, Max-Age one year, Path /", c)
	}

	lockEmail(t, ts, "ada@example.com")
	want(t, "the admin's browser", browser.signIn("203.0.113.1", "ada@example.com", pw("ada@example.com")), http.StatusOK, "")
	want(t, "the admin's browser from another address", browser.signIn("192.0.2.7", "ada@example.com", pw("ada@example.com")), http.StatusOK, "")
}

// Over TLS (a public URL with https) the device cookie is Secure.
func TestDeviceCookieSecure(t *testing.T) {
	ts := deviceServer(t, func(c *config) { c.PublicURL = "https://roster.example.com" })
	ts.register("ada@example.com", "")
	r := ts.client().signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"))
	want(t, "sign-in", r, http.StatusOK, "")
	if c := deviceCookieOf(t, r); !c.Secure {
		t.Errorf("device cookie %+v behind https is not Secure", c)
	}
}

// A forged cookie, another email's, an expired one and one issued before a
// password change or reset are no cookie: the sign-in meets the locked
// per-email bucket.
func TestDeviceCookieInvalid(t *testing.T) {
	ts := deviceServer(t)
	ts.register("ada@example.com", "")
	ts.setMode(ts.login("ada@example.com"), "open")
	ts.register("bob@example.com", "")
	cookieFor := func(email string) *http.Cookie {
		r := ts.client().signIn("203.0.113.1", email, pw(email))
		want(t, "sign-in "+email, r, http.StatusOK, "")
		return deviceCookieOf(t, r)
	}
	good := cookieFor("ada@example.com")
	parts := strings.Split(good.Value, ".")
	if len(parts) != 3 {
		t.Fatalf("device cookie %q is not nonce.expires.mac", good.Value)
	}
	bobs := cookieFor("bob@example.com")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	later := parts[0] + "." + strconv.FormatInt(ts.clock.Now().Add(2*365*24*time.Hour).Unix(), 10) + "." + parts[2]

	// Issued, then the password changes (with the cookie's own session).
	changed := ts.client()
	r := changed.signIn("203.0.113.2", "ada@example.com", pw("ada@example.com"))
	want(t, "sign-in before the change", r, http.StatusOK, "")
	beforeChange := deviceCookieOf(t, r)
	newPW := "a brand new password"
	want(t, "change password", changed.do(http.MethodPost, "/auth/password", passwordChange{CurrentPassword: pw("ada@example.com"), NewPassword: newPW}),
		http.StatusNoContent, "")
	afterChange := deviceCookieOf(t, changed.signIn("203.0.113.2", "ada@example.com", newPW))

	// Issued, then the password is reset.
	want(t, "forgot", ts.client().do(http.MethodPost, "/auth/forgot-password", forgotRequest{Email: "ada@example.com"}), http.StatusNoContent, "")
	tok := token(t, ts.mail.next(t).Link)
	ts.s.mail.Wait()
	resetPW := "a password after reset"
	want(t, "reset", ts.client().do(http.MethodPost, "/auth/reset-password", resetRequest{Token: tok, NewPassword: resetPW}), http.StatusNoContent, "")

	lockEmail(t, ts, "ada@example.com")
	for _, c := range []struct{ what, value string }{
		{"forged MAC", forged},
		{"expiry moved later", later},
		{"bob's cookie", bobs.Value},
		{"before a password change", beforeChange.Value},
		{"before a reset", afterChange.Value},
		{"the first cookie, before both", good.Value},
		{"garbage", "not a cookie"},
	} {
		want(t, c.what, ts.client().signIn("203.0.113.3", "ada@example.com", resetPW, deviceCookie+"="+c.value), http.StatusTooManyRequests, "THROTTLED")
	}

	// Expired: a cookie valid until now is no cookie a second later.
	fresh := ts.client()
	ts.clock.Advance(time.Hour) // the per-email bucket refills
	r = fresh.signIn("203.0.113.4", "ada@example.com", resetPW)
	want(t, "sign-in for a fresh cookie", r, http.StatusOK, "")
	expiring := deviceCookieOf(t, r)
	ts.clock.Advance(365*24*time.Hour + time.Second)
	lockEmail(t, ts, "ada@example.com")
	want(t, "expired cookie", ts.client().signIn("203.0.113.4", "ada@example.com", resetPW, deviceCookie+"="+expiring.Value),
		http.StatusTooManyRequests, "THROTTLED")

	// The control: a valid cookie passes the same lock.
	ts.clock.Advance(time.Hour)
	r = ts.client().signIn("203.0.113.5", "ada@example.com", resetPW)
	want(t, "sign-in for a valid cookie", r, http.StatusOK, "")
	valid := deviceCookieOf(t, r)
	lockEmail(t, ts, "ada@example.com")
	want(t, "valid cookie", ts.client().signIn("203.0.113.5", "ada@example.com", resetPW, deviceCookie+"="+valid.Value), http.StatusOK, "")
}

// A device cookie's own bucket locks after deviceFailures failures (even the
// right password then waits), while a cookieless client, from the same
// address, is unaffected: the cookie's failures charged no other bucket.
// Successful sign-ins charge nothing.
func TestDeviceCookieOwnBucket(t *testing.T) {
	ts := deviceServer(t)
	ts.register("ada@example.com", "")
	r := ts.client().signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"))
	want(t, "sign-in", r, http.StatusOK, "")
	cookie := deviceCookie + "=" + deviceCookieOf(t, r).Value
	for i := range 3 * deviceFailures {
		want(t, "success "+strconv.Itoa(i), ts.client().signIn("203.0.113.9", "ada@example.com", pw("ada@example.com"), cookie), http.StatusOK, "")
	}
	for i := range deviceFailures {
		want(t, "failure "+strconv.Itoa(i), ts.client().signIn("203.0.113.9", "ada@example.com", "wrong password", cookie), http.StatusUnauthorized, "NOT_SIGNED_IN")
	}
	r = ts.client().signIn("203.0.113.9", "ada@example.com", pw("ada@example.com"), cookie)
	want(t, "the locked cookie", r, http.StatusTooManyRequests, "THROTTLED")
	if got := r.header.Get("Retry-After"); got != "90" {
		t.Errorf("Retry-After %q, want 90 (15 minutes / 10)", got)
	}
	want(t, "cookieless, same address", ts.client().signIn("203.0.113.9", "ada@example.com", pw("ada@example.com")), http.StatusOK, "")
	ts.clock.Advance(deviceWindow / deviceFailures)
	want(t, "the cookie after one refill", ts.client().signIn("203.0.113.9", "ada@example.com", pw("ada@example.com"), cookie), http.StatusOK, "")
}

// Two servers on one database share the device key: each accepts the
// other's cookies, and the key is one row.
func TestDeviceCookieSharedKey(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			data, dsn := t.TempDir(), ""
			if store == "postgres" {
				dsn = rostertest.PostgresDSN(t)
			}
			onDB := func(c *config) { c.Data, c.Postgres = data, dsn }
			a := deviceServer(t, onDB)
			b := deviceServer(t, onDB)
			a.register("ada@example.com", "")
			cookies := map[*testServer]string{}
			for _, ts := range []*testServer{a, b} {
				r := ts.client().signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"))
				want(t, "sign-in", r, http.StatusOK, "")
				cookies[ts] = deviceCookie + "=" + deviceCookieOf(t, r).Value
			}
			lockEmail(t, a, "ada@example.com")
			lockEmail(t, b, "ada@example.com")
			want(t, "a's cookie at b", b.client().signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"), cookies[a]), http.StatusOK, "")
			want(t, "b's cookie at a", a.client().signIn("203.0.113.1", "ada@example.com", pw("ada@example.com"), cookies[b]), http.StatusOK, "")
			var keys int64
			a.s.db.Model(&serverKeyRow{}).Count(&keys)
			if keys != 1 {
				t.Errorf("app_server_keys holds %d rows, want 1", keys)
			}
		})
	}
}
