package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Device cookies (OWASP's "device cookies" against account lockout): a
// successful sign-in sets deviceCookie, an HMAC-SHA256 under the server's
// device key over the normalized email, the user's id, a random nonce, the
// user's credential generation (passwordRow.Generation) and an expiry one
// year away. A sign-in carrying a valid one for the email it names skips
// the per-email and per-IP buckets and meets only the cookie's own bucket
// (deviceFailures failures per deviceWindow, keyed by the nonce), so an
// attacker who spends an email's bucket from elsewhere does not lock its
// owner out of a browser they signed in from before. A cookie for another
// email, forged, expired or issued before the password last changed is no
// cookie. The standard library has HMAC; no library issues and checks such
// cookies, so this file does.
const (
	deviceCookie   = "roster_device"
	deviceTTL      = 365 * 24 * time.Hour
	deviceFailures = 10
	deviceWindow   = 15 * time.Minute
	deviceKeyName  = "device_cookie"
	deviceNonceLen = 16 // random bytes of a nonce
)

// loadDeviceKey returns the database's device key, creating it (256 bits
// from crypto/rand) if there is none. Servers starting together insert at
// most one: the first insert wins and every server reads the stored key.
func loadDeviceKey(ctx context.Context, db *gorm.DB, now time.Time) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key) // never fails: crypto/rand.Read crashes the program instead
	row := serverKeyRow{Name: deviceKeyName, KeyHex: hex.EncodeToString(key), CreatedUnix: now.Unix()}
	db = db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("store the device cookie key: %w", err)
	}
	var stored serverKeyRow
	if err := db.Where("name = ?", deviceKeyName).Take(&stored).Error; err != nil {
		return nil, fmt.Errorf("read the device cookie key: %w", err)
	}
	b, err := hex.DecodeString(stored.KeyHex)
	if err != nil || len(b) < 32 {
		return nil, errors.New("the stored device cookie key is not 32 bytes of hex")
	}
	return b, nil
}

// deviceMAC is the cookie's HMAC over its fields, each length-prefixed so
// no two field lists sign alike.
func (s *server) deviceMAC(email, userID, nonce string, generation, expires int64) []byte {
	m := hmac.New(sha256.New, s.deviceKey)
	for _, f := range []string{"roster device cookie v1", email, userID, nonce, strconv.FormatInt(generation, 10), strconv.FormatInt(expires, 10)} {
		fmt.Fprintf(m, "%d:%s", len(f), f)
	}
	return m.Sum(nil)
}

// generation is user id's credential generation, and whether they have a
// password.
func (s *server) generation(ctx context.Context, userID string) (int64, bool, error) {
	var rows []passwordRow
	if err := s.db.WithContext(ctx).Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
		return 0, false, err
	}
	if len(rows) == 0 {
		return 0, false, nil
	}
	return rows[0].Generation, true, nil
}

// setDeviceCookie sets a new device cookie for email's user id, valid one
// year: "<nonce>.<expires unix>.<mac>", nonce and mac in unpadded
// URL-safe base64.
func (s *server) setDeviceCookie(w http.ResponseWriter, r *http.Request, email, userID string) error {
	gen, ok, err := s.generation(r.Context(), userID)
	if err != nil || !ok {
		return err
	}
	b := make([]byte, deviceNonceLen)
	rand.Read(b) // never fails: crypto/rand.Read crashes the program instead
	nonce := base64.RawURLEncoding.EncodeToString(b)
	expires := s.cfg.Now().Add(deviceTTL).Unix()
	mac := base64.RawURLEncoding.EncodeToString(s.deviceMAC(email, userID, nonce, gen, expires))
	http.SetCookie(w, s.cookieNamed(r, deviceCookie, nonce+"."+strconv.FormatInt(expires, 10)+"."+mac, int(deviceTTL.Seconds())))
	return nil
}

// deviceNonce returns the nonce of the request's device cookie if it is
// valid for email's user id (issued by a server on this database for this
// email and user, unexpired, and of the password's current generation), or
// "" if there is none, it is invalid, or the email is no user's.
func (s *server) deviceNonce(r *http.Request, email, userID string) (string, error) {
	c, err := r.Cookie(deviceCookie)
	if err != nil {
		return "", nil
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return "", nil
	}
	nonce, mac := parts[0], parts[2]
	expires, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || s.cfg.Now().Unix() >= expires {
		return "", nil
	}
	if n, err := base64.RawURLEncoding.DecodeString(nonce); err != nil || len(n) != deviceNonceLen {
		return "", nil
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil {
		return "", nil
	}
	// Looked up for an unknown email too (userID "", no row), so a cookie
	// costs the same whether or not the email is a user's.
	gen, ok, err := s.generation(r.Context(), userID)
	if err != nil || !ok {
		return "", err
	}
	if !hmac.Equal(got, s.deviceMAC(email, userID, nonce, gen, expires)) {
		return "", nil
	}
	return nonce, nil
}
