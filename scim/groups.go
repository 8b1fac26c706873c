package scim

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// groups serves /Groups and /Groups/{id}. SCIM groups are roster groups:
// every group of the workspace is listed, and one SCIM did not create has
// no record (no externalId).
func (c *call) groups(id string) *Error {
	switch {
	case id == "" && c.r.Method == http.MethodGet:
		return c.listGroups()
	case id == "" && c.r.Method == http.MethodPost:
		return c.createGroup()
	case id == "":
	case c.r.Method == http.MethodGet:
		return c.getGroup(id)
	case c.r.Method == http.MethodPut, c.r.Method == http.MethodPatch:
		return c.updateGroup(id)
	case c.r.Method == http.MethodDelete:
		return c.deleteGroup(id)
	}
	return methodNotAllowed()
}

func isNotFound(err error) bool { return errors.Is(err, users.ErrUserNotFound) }

// txMembers changes a group's members inside a transaction. An unknown
// user id is invalidValue: the request is wrong, not the group missing.
type txMembers struct {
	c  *call
	tx *store.Tx
	id string
}

func (m txMembers) call(name string, ids []string) error {
	err := construct.Get[func(*store.Tx, string, []string) error](name)(m.tx, m.id, ids)
	if errors.Is(err, users.ErrUserNotFound) {
		return badRequest(TypeInvalidValue, "A member is not a user of this workspace.")
	}
	return err
}

func (m txMembers) add(ids []string) error     { return m.call("groups.AddMembersTx", ids) }
func (m txMembers) remove(ids []string) error  { return m.call("groups.RemoveMembersTx", ids) }
func (m txMembers) replace(ids []string) error { return m.call("groups.SetMembers", ids) }

// runMembers applies member operations, answering their refusal.
func (c *call) runMembers(tx *store.Tx, id string, ops []memberOp) *Error {
	err := runMemberOps(txMembers{c: c, tx: tx, id: id}, ops)
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if err != nil {
		return c.h.fromError(err)
	}
	return nil
}

// groupDoc canonicalizes a POST or PUT body: the group's document and its
// members, which never enter the document (nil when the body has no
// members key: a PUT without it keeps the members).
func (c *call) groupDoc(body map[string]any) (map[string]any, []string, *Error) {
	doc, e := c.h.groupDef.canonical(body)
	if e != nil {
		return nil, nil, e
	}
	if e := checkExternalID(doc); e != nil {
		return nil, nil, e
	}
	var ids []string
	if v, ok := doc["members"]; ok {
		if ids, e = memberIDs(v); e != nil {
			return nil, nil, e
		}
		delete(doc, "members")
	}
	if name, _ := doc["displayName"].(string); name == "" {
		return nil, nil, badRequest(TypeInvalidValue, "A group needs a displayName.")
	}
	return doc, ids, nil
}

// groupRecordOf returns old with what doc says (the name lives in roster's
// group, the rest in the record).
func groupRecordOf(old record, doc map[string]any) (record, error) {
	rec := old
	rest := map[string]any{}
	for k, v := range doc {
		rest[k] = v
	}
	rec.ExternalID, _ = rest["externalId"].(string)
	delete(rest, "externalId")
	delete(rest, "displayName")
	return rec, rec.setAttributes(rest)
}

func (c *call) createGroup() *Error {
	body, e := c.h.readBody(c.w, c.r)
	if e != nil {
		return e
	}
	doc, ids, e := c.groupDoc(body)
	if e != nil {
		return e
	}
	var g groups.Group
	var rec record
	e = c.mutate(func(tx *store.Tx) *Error {
		var err error
		g, err = construct.Get[func(*store.Tx, string) (groups.Group, error)]("groups.Create")(tx, doc["displayName"].(string))
		if err != nil {
			return c.h.fromError(err)
		}
		if e := c.runMembers(tx, g.ID, []memberOp{{kind: "add", ids: ids}}); e != nil {
			return e
		}
		rec, e = c.commitGroupRecord(tx, g.ID, record{Kind: kindGroup, RosterID: g.ID}, doc)
		return e
	})
	if e != nil {
		return e
	}
	return c.respondGroup(http.StatusCreated, g, rec)
}

// commitGroupRecord saves the record doc describes if it changed.
func (c *call) commitGroupRecord(tx *store.Tx, id string, old record, doc map[string]any) (record, *Error) {
	rec, err := groupRecordOf(old, doc)
	if err != nil {
		return old, c.h.fromError(err)
	}
	if rec.same(old) && !old.CreatedAt.IsZero() {
		return old, nil
	}
	if err := saveRecord(tx, &rec); err != nil {
		return old, c.h.fromError(err)
	}
	tx.Audit("scim.group.update", id, nil)
	return rec, nil
}

// loadGroup returns a group of the workspace and its record (empty if SCIM
// did not create it); a non-UUID or unknown id is 404.
func (c *call) loadGroup(tx *store.Tx, id string) (groups.Group, record, *Error) {
	if uuid.Validate(id) != nil {
		return groups.Group{}, record{}, notFound()
	}
	g, err := getGroupTx(tx, id)
	if err != nil {
		return groups.Group{}, record{}, c.h.fromError(err)
	}
	rec, _, err := loadRecord(tx.DB, tx.Workspace, kindGroup, id)
	if err != nil {
		return groups.Group{}, record{}, c.h.fromError(err)
	}
	rec.Kind, rec.RosterID = kindGroup, id
	return g, rec, nil
}

func (c *call) updateGroup(id string) *Error {
	body, e := c.h.readBody(c.w, c.r)
	if e != nil {
		return e
	}
	var doc map[string]any
	var mops []memberOp
	var rest []patchOp
	if c.r.Method == http.MethodPatch {
		ops, e := parsePatch(body)
		if e != nil {
			return e
		}
		if rest, mops, e = splitGroupPatch(ops); e != nil {
			return e
		}
	} else {
		var ids []string
		if doc, ids, e = c.groupDoc(body); e != nil {
			return e
		}
		// Only a body with members replaces them: identity providers
		// PUT a rename without them (and [] or null empties the group).
		if ids != nil {
			mops = []memberOp{{kind: "replace", ids: ids}}
		}
	}
	var g groups.Group
	var rec record
	e = c.mutate(func(tx *store.Tx) *Error {
		var e *Error
		if g, rec, e = c.loadGroup(tx, id); e != nil {
			return e
		}
		if doc == nil {
			if doc, e = c.patchedGroup(g, rec, rest); e != nil {
				return e
			}
		}
		if name := doc["displayName"].(string); name != g.Name {
			var err error
			if g, err = construct.Get[func(*store.Tx, string, string) (groups.Group, error)]("groups.RenameTx")(tx, id, name); err != nil {
				return c.h.fromError(err)
			}
		}
		if e := c.runMembers(tx, id, mops); e != nil {
			return e
		}
		rec, e = c.commitGroupRecord(tx, id, rec, doc)
		return e
	})
	if e != nil {
		return e
	}
	return c.respondGroup(http.StatusOK, g, rec)
}

// patchedGroup applies the operations that are not on members to the
// group's document.
func (c *call) patchedGroup(g groups.Group, rec record, ops []patchOp) (map[string]any, *Error) {
	doc := groupDocOf(g, rec)
	for _, op := range ops {
		if e := c.h.groupDef.apply(doc, op); e != nil {
			return nil, e
		}
	}
	if name, _ := doc["displayName"].(string); name == "" {
		return nil, badRequest(TypeInvalidValue, "A group needs a displayName.")
	}
	if e := checkExternalID(doc); e != nil {
		return nil, e
	}
	return doc, nil
}

func (c *call) deleteGroup(id string) *Error {
	e := c.mutate(func(tx *store.Tx) *Error {
		if _, _, e := c.loadGroup(tx, id); e != nil {
			return e
		}
		del := construct.Get[func(*groups.Service, *store.Tx, string) error]("groups.DeleteTx")
		if err := del(c.ws.Groups(), tx, id); err != nil {
			return c.h.fromError(err)
		}
		if err := deleteRecord(tx, kindGroup, id); err != nil {
			return c.h.fromError(err)
		}
		return nil
	})
	if e != nil {
		return e
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (c *call) getGroup(id string) *Error {
	var out map[string]any
	e := c.view(func(tx *store.Tx) *Error {
		g, rec, e := c.loadGroup(tx, id)
		if e != nil {
			return e
		}
		out, e = c.renderGroup(tx, g, rec, projectionOf(c.r))
		return e
	})
	if e != nil {
		return e
	}
	c.h.write(c.w, http.StatusOK, out)
	return nil
}

// listGroups answers a list in one query for the page's ids (a membership
// probe `id eq "g" and members eq "u"` included); members are loaded only
// when the response includes them.
func (c *call) listGroups() *Error {
	return c.list(groupAttrs(c.ws.ID()), "g", func(tx *store.Tx) *gorm.DB {
		return tx.DB.Table("roster_groups g").
			Joins("LEFT JOIN roster_scim_records r ON r.kind = ? AND r.roster_id = g.id AND r.workspace_id = g.workspace_id", kindGroup)
	}, func(tx *store.Tx, id string, proj projection) (map[string]any, *Error) {
		g, rec, e := c.loadGroup(tx, id)
		if e != nil {
			return nil, e
		}
		return c.renderGroup(tx, g, rec, proj)
	})
}

// groupDocOf is a group's canonical document, without members.
func groupDocOf(g groups.Group, rec record) map[string]any {
	doc := rec.attributes()
	doc["displayName"] = g.Name
	if rec.ExternalID != "" {
		doc["externalId"] = rec.ExternalID
	}
	return doc
}

func (c *call) renderGroup(tx *store.Tx, g groups.Group, rec record, proj projection) (map[string]any, *Error) {
	m := groupDocOf(g, rec)
	m["id"] = g.ID
	m["schemas"] = []string{GroupSchema}
	if proj.wants("members") {
		ms, e := c.membersOf(tx, g.ID)
		if e != nil {
			return nil, e
		}
		m["members"] = ms
	}
	created, modified := g.CreatedAt, g.CreatedAt
	if !rec.CreatedAt.IsZero() {
		created, modified = rec.CreatedAt, rec.UpdatedAt
	}
	m["meta"] = map[string]any{"resourceType": "Group", "created": stamp(created), "lastModified": stamp(modified),
		"location": c.h.location(c.r, "/Groups/"+g.ID)}
	return proj.apply(m), nil
}

// membersOf lists a group's members as SCIM writes them, value the user
// id and display the email, ordered by id. It reads the emails from
// roster_users in batches: the one place package scim reads another
// package's table for a whole group at once, which users' API would do one
// user per query.
func (c *call) membersOf(tx *store.Tx, id string) ([]map[string]any, *Error) {
	ids, err := construct.Get[func(*store.Tx, string) ([]string, error)]("groups.MemberIDs")(tx, id)
	if err != nil {
		return nil, c.h.fromError(err)
	}
	out := make([]map[string]any, 0, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		var rows []struct{ ID, Email string }
		err := tx.DB.Table("roster_users").Select("id, email").Where("workspace_id = ? AND id IN ?", tx.Workspace, batch).
			Order("id").Scan(&rows).Error
		if err != nil {
			return nil, c.h.fromError(err)
		}
		for _, r := range rows {
			out = append(out, map[string]any{"value": r.ID, "display": r.Email, "type": "User", "$ref": c.h.location(c.r, "/Users/"+r.ID)})
		}
	}
	return out, nil
}

func (c *call) respondGroup(status int, g groups.Group, rec record) *Error {
	var out map[string]any
	e := c.view(func(tx *store.Tx) *Error {
		var e *Error
		out, e = c.renderGroup(tx, g, rec, projectionOf(c.r))
		return e
	})
	if e != nil {
		return e
	}
	if status == http.StatusCreated {
		c.w.Header().Set("Location", c.h.location(c.r, "/Groups/"+g.ID))
	}
	c.h.write(c.w, status, out)
	return nil
}
