package httpapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

// routes registers every path of the API.
func (h *Handler) routes() {
	h.mux.HandleFunc("/", h.unrouted)

	h.handle("GET /me", signedIn, h.me)
	h.handle("GET /me/acl", signedIn, h.meACL)
	h.handle("GET /me/token-budget", signedIn, h.meTokenBudget)

	h.userRoutes()
	h.groupRoutes()
	h.limitRoutes()
	h.tokenRoutes()
}

// userJSON is a user as the API shows it.
type userJSON struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	IsActive bool   `json:"is_active"`
}

func userOut(u users.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Role: string(u.Role), IsActive: u.Active}
}

type meGroupJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsCurator bool   `json:"is_curator"`
}

type meJSON struct {
	userJSON
	Groups []meGroupJSON `json:"groups"`
}

// me answers GET /me: the caller, with the groups they are a member of (by
// name) and whether they hold each one's curator flag.
func (h *Handler) me(w http.ResponseWriter, r *http.Request, c Caller) error {
	ctx := r.Context()
	acl, err := c.Workspace.Access().ACLFor(ctx, c.User.ID)
	if err != nil {
		return err
	}
	curated := map[string]bool{}
	if c.User.Role == access.Curator { // only curators hold flags
		sums, _, err := c.Workspace.Groups().List(ctx, c.Actor(), 0, 0)
		if err != nil {
			return err
		}
		for _, s := range sums {
			curated[s.ID] = true
		}
	}
	out := meJSON{userJSON: userOut(c.User), Groups: []meGroupJSON{}}
	for _, tok := range acl {
		id, isGroup := strings.CutPrefix(tok, "group:")
		if !isGroup {
			continue
		}
		g, err := c.Workspace.Groups().Get(ctx, id)
		if err != nil {
			return err
		}
		out.Groups = append(out.Groups, meGroupJSON{ID: id, Name: g.Name, IsCurator: curated[id]})
	}
	sort.Slice(out.Groups, func(i, j int) bool { return out.Groups[i].Name < out.Groups[j].Name })
	return ok(w, out)
}

// meACL answers GET /me/acl: the caller's ACL tokens.
func (h *Handler) meACL(w http.ResponseWriter, r *http.Request, c Caller) error {
	acl, err := c.Workspace.Access().ACLFor(r.Context(), c.User.ID)
	if err != nil {
		return err
	}
	if acl == nil {
		acl = []string{}
	}
	return ok(w, map[string][]string{"acl": acl})
}
