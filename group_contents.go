package roster

import (
	"context"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
)

// GroupContents are a group's members and attached connectors, which Onyx's
// group endpoints set together.
type GroupContents struct {
	Members    []string // user ids
	Connectors []string // connector ids
}

func (c GroupContents) validate() error {
	for _, id := range c.Connectors {
		if err := (access.Resource{Kind: access.Connector, ID: id}).Validate(); err != nil {
			return err
		}
	}
	return nil
}

// CreateGroup creates a group with its first members and connectors in one
// transaction (Onyx's POST /manage/admin/user-group): if any part is refused
// (a duplicate name, an unknown user or connector, a connector the actor may
// not edit), nothing is written. Admin only, or the actor of a live SCIM
// token of the workspace for a group without connectors; a name in use is
// groups.ErrDuplicateName. It is the one way to create a group: a group's
// first connectors are resources' facts, so its creation spans packages
// groups and resources in one transaction, which only the workspace can
// compose (an empty GroupContents creates an empty group).
func (w *Workspace) CreateGroup(ctx context.Context, actor Actor, name string, c GroupContents) (groups.Group, error) {
	if err := c.validate(); err != nil {
		return groups.Group{}, err
	}
	var g groups.Group
	_, err := w.d.st.Mutate(ctx, w.id, actor, func(tx *store.Tx) error {
		var err error
		if g, err = construct.Get[func(*store.Tx, string) (groups.Group, error)]("groups.Create")(tx, name); err != nil {
			return err
		}
		if len(c.Connectors) == 0 {
			// A new group has no connectors to detach: only members change,
			// which SCIM provisioning may do too.
			return construct.Get[func(*store.Tx, string, []string) error]("groups.SetMembers")(tx, g.ID, c.Members)
		}
		return replaceContents(tx, g.ID, c)
	})
	if err != nil {
		return groups.Group{}, err
	}
	return g, nil
}

// ReplaceGroupContents replaces a group's members and connectors in one
// transaction (Onyx's PATCH /manage/admin/user-group/{id}), checking and
// writing only what changes, each as groups.Service.SetMembers and
// resources.Service.SetAttached would; if any change is refused, nothing is
// written. It returns the version of the change.
func (w *Workspace) ReplaceGroupContents(ctx context.Context, actor Actor, id string, c GroupContents) (int64, error) {
	if err := c.validate(); err != nil {
		return 0, err
	}
	ch, err := w.d.st.Mutate(ctx, w.id, actor, func(tx *store.Tx) error {
		return replaceContents(tx, id, c)
	})
	return ch.Version, err
}

func replaceContents(tx *store.Tx, id string, c GroupContents) error {
	setAttached := construct.Get[func(*store.Tx, string, access.Kind, []string) error]("resources.SetAttached")
	setMembers := construct.Get[func(*store.Tx, string, []string) error]("groups.SetMembers")
	if err := setAttached(tx, id, access.Connector, c.Connectors); err != nil {
		return err
	}
	return setMembers(tx, id, c.Members)
}
