package main

import (
	"net/http"
	"unicode/utf8"

	"github.com/rosterhq/roster/httpapi"
)

func (s *server) chatRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /chat/send-message", signedIn, s.sendMessage)
}

type messageRequest struct {
	Message string `json:"message"`
}

type messageResponse struct {
	Answer string `json:"answer"`
	Tokens int64  `json:"tokens"`
}

// sendMessage answers POST /chat/send-message. It stands in for the
// application's model call: it asks roster's token rate limits first (429
// RATE_LIMITED with Retry-After when a budget is exhausted), answers with an
// echo, and records the tokens of message plus answer, 4 characters a token
// and at least 1. The check carries no estimate, as a real call's output is
// unknown before it runs: a call may overdraw a budget, which then refuses
// until it has refilled.
func (s *server) sendMessage(w http.ResponseWriter, r *http.Request, c httpapi.Caller) error {
	var req messageRequest
	if err := s.decode(w, r, &req); err != nil {
		return err
	}
	if req.Message == "" {
		return invalid("message", "is required")
	}
	limits := s.ws.Limits()
	if err := limits.Check(r.Context(), c.User.ID, 0); err != nil {
		return err
	}
	answer := "echo: " + req.Message
	tokens := max(1, int64(utf8.RuneCountInString(req.Message)+utf8.RuneCountInString(answer))/4)
	if err := limits.Record(r.Context(), c.User.ID, tokens); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, messageResponse{Answer: answer, Tokens: tokens})
	return nil
}
