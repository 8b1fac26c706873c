package resources

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// Facts are the access facts of one resource that the application registers:
// roster does not own resource content, only who may see and edit it.
type Facts struct {
	Owner      string   // user id of the owner; empty for none
	Public     bool     // every active user of the workspace may view it
	Groups     []string // ids of the groups it is attached to
	SharedWith []string // user ids it is shared with directly (agents only)
	// Connectors are the connector ids of a document set; roster stores
	// them (Update replaces them like every other fact, so an Update that
	// leaves them out empties the set) and keeps the document-set rule true
	// on every write: a private connector in a private document set must be
	// attached to every group of the set (ErrDocumentSetRule otherwise).
	Connectors []string
}

// Service registers the resources of one workspace. It is safe for
// concurrent use; every mutating method runs as one audited transaction and
// returns the version of its change.
type Service struct {
	st *store.Store
	ws string
}

// newService returns the resources of workspace ws. Package roster calls it
// through package construct; applications get a Service from roster's
// Workspace.Resources.
func newService(st *store.Store, ws string) *Service { return &Service{st: st, ws: ws} }

// Register records a new resource and its facts. The actor needs the
// creation scope (see Creation scope in the package documentation). A
// resource that exists is ErrExists; an unknown owner, group, shared user or
// connector matches access.ErrNotFound. A document set whose connectors
// break the document-set rule is ErrDocumentSetRule.
func (s *Service) Register(ctx context.Context, actor access.Actor, r access.Resource, f Facts) (int64, error) {
	f = f.normalized()
	if err := validate(r, f); err != nil {
		return 0, err
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		// Who asks comes first, so a caller without the creation scope
		// learns nothing of which resources, groups or users exist.
		if err := authorizeFacts(tx, r, f, factsState{isNew: true}); err != nil {
			return err
		}
		exists, err := tx.HasLine(access.ExistsLine(s.ws, r))
		if err != nil {
			return err
		}
		if exists {
			return errs.Errorf(ErrExists, "The "+r.Kind.Noun()+" is registered already.", "%v: %s", ErrExists, r) // by kind: the caller may not see it
		}
		if err := checkReferences(tx, r, f); err != nil {
			return err
		}
		tx.Audit("resource.register", r.String(), factsDetails(r, f))
		if err := tx.AddLines(linesOf(s.ws, r, f)...); err != nil {
			return err
		}
		if _, err := setConnectors(tx, r, f.Connectors); err != nil {
			return err
		}
		return enforceDocumentSetRule(tx, r)
	})
	return ch.Version, err
}

// Update replaces a resource's facts. The actor needs edit access to the
// resource as it is, and the creation scope for the facts it will have;
// only an admin changes the owner (users.TransferOwnership moves many), and
// only the owner or an admin changes an agent's direct shares (SharedWith)
// or makes a resource public: a curator's edit access includes neither.
// Who asks is judged before any referenced user or group is looked up.
// A document set's Connectors are replaced too. The document-set rule is
// checked on the result, for a document set and for every document set
// holding a connector: an Update that breaks it is ErrDocumentSetRule and
// writes nothing.
func (s *Service) Update(ctx context.Context, actor access.Actor, r access.Resource, f Facts) (int64, error) {
	f = f.normalized()
	if err := validate(r, f); err != nil {
		return 0, err
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		old, err := loadFacts(tx, r)
		if err != nil {
			return err
		}
		if err := requireEdit(tx, r); err != nil {
			return err
		}
		// Who asks comes first, as in Register: a caller who may not make
		// the change learns nothing of which users or groups exist.
		if err := authorizeFacts(tx, r, f, updateState(tx, old)); err != nil {
			return err
		}
		if err := checkReferences(tx, r, f); err != nil {
			return err
		}
		if err := replaceLines(tx, linesOf(s.ws, r, old), linesOf(s.ws, r, f)); err != nil {
			return err
		}
		moved, err := setConnectors(tx, r, f.Connectors)
		if err != nil || (tx.Changed() == 0 && !moved) {
			return err // the same facts again change nothing and are not audited
		}
		tx.Audit("resource.update", r.String(), factsDetails(r, f))
		return enforceDocumentSetRule(tx, r)
	})
	return ch.Version, err
}

// Unregister removes a resource and every fact about it. The actor needs
// edit access. An unregistered connector leaves every document set that
// held it (a document set left with no connector is the application's
// business: roster's rule holds for it).
func (s *Service) Unregister(ctx context.Context, actor access.Actor, r access.Resource) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	ch, err := s.st.Mutate(ctx, s.ws, actor, func(tx *store.Tx) error {
		old, err := loadFacts(tx, r)
		if err != nil {
			return err
		}
		if err := requireEdit(tx, r); err != nil {
			return err
		}
		held, err := forgetResource(tx, r)
		if err != nil {
			return err
		}
		var details map[string]any
		if len(held) > 0 {
			details = map[string]any{"document_sets": held}
		}
		tx.Audit("resource.unregister", r.String(), details)
		return tx.RemoveLines(linesOf(s.ws, r, old)...)
	})
	return ch.Version, err
}

// Authorize reports whether actor may give resource r the facts f, and
// writes nothing: for a resource not registered, the creation scope Register
// checks; for a registered one, the edit access and creation scope Update
// checks. It judges only who asks (nil, or the error Register or Update
// would answer for it: access.ErrForbidden, groups.ErrOutOfScope,
// groups.ErrGroupNotFound, ErrNoGroups or ErrResourceNotFound), so an
// application can refuse a caller before it validates the rest of a
// request (authorization before validation). Whether f's users, groups and
// connectors exist, and the document-set rule, are left to Register and
// Update.
func (s *Service) Authorize(ctx context.Context, actor access.Actor, r access.Resource, f Facts) error {
	f = f.normalized()
	if err := validate(r, f); err != nil {
		return err
	}
	return s.st.View(ctx, s.ws, actor, func(tx *store.Tx) error {
		exists, err := tx.HasLine(access.ExistsLine(s.ws, r))
		if err != nil {
			return err
		}
		if !exists {
			return authorizeFacts(tx, r, f, factsState{isNew: true})
		}
		old, err := loadFacts(tx, r)
		if err != nil {
			return err
		}
		if err := requireEdit(tx, r); err != nil {
			return err
		}
		return authorizeFacts(tx, r, f, updateState(tx, old))
	})
}

// Facts returns the registered facts of a resource, with a document set's
// connectors.
func (s *Service) Facts(ctx context.Context, r access.Resource) (Facts, error) {
	if err := r.Validate(); err != nil {
		return Facts{}, err
	}
	var f Facts
	err := s.st.View(ctx, s.ws, access.System, func(tx *store.Tx) error {
		var err error
		f, err = storedFacts(tx, r)
		return err
	})
	return f, err
}

func (f Facts) normalized() Facts {
	f.Groups = dedupe(f.Groups)
	f.SharedWith = dedupe(f.SharedWith)
	f.Connectors = dedupe(f.Connectors)
	return f
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

func validate(r access.Resource, f Facts) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if len(f.SharedWith) > 0 && r.Kind != access.Agent {
		return errs.Errorf(access.ErrInvalid, "Only agents are shared with users directly.", "resources: only agents are shared with users directly")
	}
	if len(f.Connectors) > 0 && r.Kind != access.DocumentSet {
		return errs.Errorf(access.ErrInvalid, "Only document sets hold connectors.", "resources: only document sets hold connectors")
	}
	return nil
}

func checkReferences(tx *store.Tx, r access.Resource, f Facts) error {
	ids := slices.Clone(f.SharedWith)
	if f.Owner != "" {
		ids = append(ids, f.Owner)
	}
	for _, id := range ids {
		if err := authz.UserExists(tx, id); err != nil {
			return fmt.Errorf("%w: %q", err, id)
		}
	}
	for _, g := range f.Groups {
		if err := authz.GroupExists(tx, g); err != nil {
			return err
		}
	}
	return nil
}

func linesOf(ws string, r access.Resource, f Facts) []access.Line {
	lines := []access.Line{access.ExistsLine(ws, r)}
	if f.Owner != "" {
		lines = append(lines, access.OwnerLine(ws, f.Owner, r))
	}
	if f.Public {
		lines = append(lines, access.PublicLine(ws, r))
	}
	for _, g := range f.Groups {
		lines = append(lines, access.AttachLine(ws, g, r))
	}
	for _, u := range f.SharedWith {
		lines = append(lines, access.ShareLine(ws, u, r))
	}
	return lines
}

// replaceLines removes the lines of old that new lacks and adds the lines of
// new that old lacks.
func replaceLines(tx *store.Tx, old, new []access.Line) error {
	var gone, fresh []access.Line
	for _, l := range old {
		if !slices.Contains(new, l) {
			gone = append(gone, l)
		}
	}
	for _, l := range new {
		if !slices.Contains(old, l) {
			fresh = append(fresh, l)
		}
	}
	if err := tx.RemoveLines(gone...); err != nil {
		return err
	}
	return tx.AddLines(fresh...)
}

func factsDetails(r access.Resource, f Facts) map[string]any {
	d := map[string]any{"owner": f.Owner, "public": f.Public, "groups": f.Groups, "shared_with": f.SharedWith}
	if r.Kind == access.DocumentSet {
		d["connectors"] = f.Connectors
	}
	return d
}

func actorIs(tx *store.Tx, userID string) bool {
	id, ok := tx.Actor.UserID()
	return ok && userID != "" && id == userID
}
