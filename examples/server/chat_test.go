package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// send-message echoes, counts 4 characters a token, and is refused with 429
// RATE_LIMITED and Retry-After once a small user limit, set through the
// mounted admin API, is spent; the budget refills with time.
func TestChatRateLimited(t *testing.T) {
	ts := newTestServer(t)
	ts.register("ada@example.com", "")
	admin := ts.login("ada@example.com")
	ts.setMode(admin, "open")
	ts.register("bob@example.com", "")
	bob := ts.login("bob@example.com")

	r := bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "ééé"})
	want(t, "unlimited", r, http.StatusOK, "")
	if got := decodeAs[messageResponse](t, r); got.Answer != "echo: ééé" || got.Tokens != 3 { // (3 + 9 characters) / 4
		t.Errorf("answer %+v", got)
	}

	limit := map[string]any{"enabled": true, "token_budget": 1, "period_hours": 1} // 1,000 tokens an hour, per user
	want(t, "set limit", admin.do(http.MethodPost, "/admin/token-rate-limits/users", limit), http.StatusCreated, "")
	long := strings.Repeat("x", 4000)
	r = bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: long})
	want(t, "overdraw", r, http.StatusOK, "")
	if got := decodeAs[messageResponse](t, r); got.Tokens != (4000+4006)/4 {
		t.Errorf("tokens %d, want %d", got.Tokens, (4000+4006)/4)
	}
	r = bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"})
	want(t, "exhausted", r, http.StatusTooManyRequests, "RATE_LIMITED")
	// 1,001 tokens of debt refill at 1,000 an hour: about an hour.
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 3600 || secs > 3700 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// The detail names the user scope and the same whole seconds.
	if got, want := decodeAs[errorBody](t, r).Detail, "Your token budget is spent; try again in "+strconv.Itoa(secs)+" seconds."; got != want {
		t.Errorf("detail %q, want %q", got, want)
	}
	want(t, "other user", admin.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"}), http.StatusOK, "")
	ts.clock.Advance(time.Duration(secs-60) * time.Second)
	want(t, "still exhausted", bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"}), http.StatusTooManyRequests, "RATE_LIMITED")
	ts.clock.Advance(60 * time.Second)
	want(t, "refilled", bob.do(http.MethodPost, "/chat/send-message", messageRequest{Message: "hi"}), http.StatusOK, "")
}
