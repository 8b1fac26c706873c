package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// endSessionsRoutes serves roster's deactivate-user and delete-user routes
// through httpapi, and after a 2xx deletes the target user's sessions and
// password-reset links. A session is only a row of this application, so
// without this a user deactivated and reactivated before making a request
// would get their old sessions back, and reset links sent before the
// deactivation would still work. caller also ends the sessions of a user it
// finds deactivated or deleted, for changes made by other means (a library
// call, SCIM).
func (s *server) endSessionsRoutes(mux *http.ServeMux) {
	s.route(mux, "PATCH /manage/admin/deactivate-user", s.endSessionsAfter(s.api))
	s.route(mux, "DELETE /manage/admin/delete-user", s.endSessionsAfter(s.api))
}

// endSessionsAfter serves next, a route whose JSON body names its target
// with user_email, and ends the target's sessions and reset links once next
// has answered 2xx. The target is looked up before next runs, since a
// deleted user cannot be looked up after.
func (s *server) endSessionsAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
		if err != nil {
			// Let httpapi answer the oversized or broken body as it does.
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			UserEmail string `json:"user_email"`
		}
		userID := ""
		if json.Unmarshal(body, &req) == nil && req.UserEmail != "" {
			if u, err := s.ws.Users().ByEmail(r.Context(), req.UserEmail); err == nil {
				userID = u.ID
			}
		}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if userID == "" || rec.status < 200 || rec.status > 299 {
			return
		}
		if err := s.endSessions(context.WithoutCancel(r.Context()), userID); err != nil {
			s.cfg.Logger.Error("server: ending the sessions of a deactivated or deleted user failed", "user", userID, "error", err)
		}
	})
}

// endSessions deletes every session and password-reset link of userID.
func (s *server) endSessions(ctx context.Context, userID string) error {
	db := s.db.WithContext(ctx)
	if err := db.Delete(&sessionRow{}, "user_id = ?", userID).Error; err != nil {
		return err
	}
	return db.Delete(&resetRow{}, "user_id = ?", userID).Error
}

// statusRecorder passes a response through and remembers its status.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
