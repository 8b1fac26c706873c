package resources

import (
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/errs"
	"github.com/rosterhq/roster/internal/store"
)

// loadFacts reads a registered resource's facts from its policy lines, or
// returns ErrResourceNotFound.
func loadFacts(tx *store.Tx, r access.Resource) (Facts, error) {
	lines, err := tx.Lines(access.ResourcePattern(tx.Workspace, r))
	if err != nil {
		return Facts{}, err
	}
	var f Facts
	exists := false
	for _, l := range lines {
		fact, ok := access.ParseLine(l)
		if !ok {
			continue // a line the index ignores states nothing here either
		}
		switch fact.Op {
		case access.FactExists:
			exists = true
		case access.FactPublic:
			f.Public = true
		case access.FactOwner:
			f.Owner = fact.User
		case access.FactAttach:
			f.Groups = append(f.Groups, fact.Group)
		case access.FactShare:
			f.SharedWith = append(f.SharedWith, fact.User)
		}
	}
	if !exists {
		return Facts{}, notFound(r)
	}
	return f.normalized(), nil
}

// requireEdit returns nil when tx's actor may edit resource r: an admin; its
// owner; or a curator or global curator when r is attached to at least one
// group and every attached group is one they may curate. Anyone who may view
// r but not edit it gets access.ErrForbidden, and so does a limited owner
// (limited users change no resources); anyone else ErrResourceNotFound, so a
// resource's existence does not leak.
func requireEdit(tx *store.Tx, r access.Resource) error {
	f, err := loadFacts(tx, r)
	if err != nil {
		return err
	}
	role, err := authz.ActorRole(tx)
	if err != nil {
		return err
	}
	ok, err := canEdit(tx, role, f)
	if err != nil {
		return err
	}
	if ok && role == access.Limited {
		return errs.Errorf(access.ErrForbidden, "Limited users cannot change resources.", "resources: limited users change no resources")
	}
	if ok {
		return nil
	}
	if visible, err := canView(tx, role, r, f); err != nil || !visible {
		return errorOr(err, notFound(r))
	}
	return errs.Named(access.ErrForbidden, "resources: you may view "+r.String()+" but not edit it", "You may view %s but not edit it.", r)
}

func errorOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

func canEdit(tx *store.Tx, role access.Role, f Facts) (bool, error) {
	if role == access.Admin || actorIs(tx, f.Owner) {
		return true, nil
	}
	if (role != access.Curator && role != access.GlobalCurator) || len(f.Groups) == 0 {
		return false, nil
	}
	actorID, _ := tx.Actor.UserID()
	for _, g := range f.Groups {
		ok, err := authz.Curatable(tx, actorID, role, g)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func canView(tx *store.Tx, role access.Role, r access.Resource, f Facts) (bool, error) {
	actorID, _ := tx.Actor.UserID()
	if role == access.Admin || f.Public || actorIs(tx, f.Owner) || slices.Contains(f.SharedWith, actorID) {
		return true, nil
	}
	mine, err := authz.GroupsOf(tx, actorID)
	if err != nil {
		return false, err
	}
	for _, g := range f.Groups {
		if slices.Contains(mine, g) {
			return true, nil
		}
	}
	return false, nil
}
