package scim

import (
	"net/http"
)

// resource serves /Users and /Groups: it authenticates the bearer token,
// throttles it, and dispatches.
func (h *Handler) resource(w http.ResponseWriter, r *http.Request, segs []string) {
	h.fail(w, r, scimErr(http.StatusUnauthorized, "", "A SCIM token of the workspace is required."))
}
