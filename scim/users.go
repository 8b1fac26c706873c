package scim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rosterhq/roster/groups"
	"github.com/rosterhq/roster/internal/authz"
	"github.com/rosterhq/roster/internal/construct"
	"github.com/rosterhq/roster/internal/store"
	"github.com/rosterhq/roster/users"
)

// users serves /Users and /Users/{id}.
func (c *call) users(id string) *Error {
	switch {
	case id == "" && c.r.Method == http.MethodGet:
		return c.listUsers()
	case id == "" && c.r.Method == http.MethodPost:
		return c.createUser()
	case id == "":
	case c.r.Method == http.MethodGet:
		return c.getUser(id)
	case c.r.Method == http.MethodPut, c.r.Method == http.MethodPatch:
		return c.updateUser(id)
	case c.r.Method == http.MethodDelete:
		return c.deleteUser(id)
	}
	return methodNotAllowed()
}

// The users' transaction-level calls (registered by package users).
func (c *call) registerTx(tx *store.Tx, email string) (users.User, error) {
	f := construct.Get[func(*users.Service, *store.Tx, users.Registration) (users.User, error)]("users.RegisterTx")
	return f(c.ws.Users(), tx, users.Registration{Email: email, Source: users.SourceSCIM})
}

func (c *call) setActiveTx(tx *store.Tx, id string, active bool) (users.User, error) {
	return construct.Get[func(*users.Service, *store.Tx, string, bool) (users.User, error)]("users.SetActiveTx")(c.ws.Users(), tx, id, active)
}

func (c *call) changeEmailTx(tx *store.Tx, id, email string) (users.User, error) {
	return construct.Get[func(*users.Service, *store.Tx, string, string) (users.User, error)]("users.ChangeEmailTx")(c.ws.Users(), tx, id, email)
}

func getUserTx(tx *store.Tx, id string) (users.User, error) {
	return construct.Get[func(*store.Tx, string) (users.User, error)]("users.GetTx")(tx, id)
}

func userByEmailTx(tx *store.Tx, email string) (users.User, error) {
	return construct.Get[func(*store.Tx, string) (users.User, error)]("users.ByEmailTx")(tx, email)
}

// provisioned loads a user with its SCIM record; a user without one (never
// provisioned, or deleted through SCIM) is 404, like an unknown id.
func (c *call) provisioned(tx *store.Tx, id string) (users.User, record, *Error) {
	if uuid.Validate(id) != nil {
		return users.User{}, record{}, notFound()
	}
	rec, ok, err := loadRecord(tx.DB, tx.Workspace, kindUser, id)
	if err != nil {
		return users.User{}, record{}, c.h.fromError(err)
	}
	if !ok {
		return users.User{}, record{}, notFound()
	}
	u, err := getUserTx(tx, id)
	if err != nil {
		return users.User{}, record{}, c.h.fromError(err)
	}
	return u, rec, nil
}

func (c *call) getUser(id string) *Error {
	var out map[string]any
	e := c.view(func(tx *store.Tx) *Error {
		u, rec, e := c.provisioned(tx, id)
		if e != nil {
			return e
		}
		out, e = c.renderUser(tx, u, rec, projectionOf(c.r))
		return e
	})
	if e != nil {
		return e
	}
	c.h.write(c.w, http.StatusOK, out)
	return nil
}

func (c *call) listUsers() *Error {
	return c.list(userAttrs(), "u", func(tx *store.Tx) *gorm.DB {
		return tx.DB.Table("roster_users u").
			Joins("JOIN roster_scim_records r ON r.kind = ? AND r.roster_id = u.id AND r.workspace_id = u.workspace_id", kindUser)
	}, func(tx *store.Tx, id string, proj projection) (map[string]any, *Error) {
		u, rec, e := c.provisioned(tx, id)
		if e != nil {
			return nil, e
		}
		return c.renderUser(tx, u, rec, proj)
	})
}

// list answers a list request over the rows from(tx) selects (aliased
// alias, joined to their SCIM records as r): the filter translated over
// attrs, one page in creation order, each row rendered by render.
func (c *call) list(attrs schemaAttrs, alias string, from func(*store.Tx) *gorm.DB,
	render func(tx *store.Tx, id string, proj projection) (map[string]any, *Error)) *Error {
	f, e := parseFilter(c.r.URL.Query().Get("filter"), attrs)
	if e != nil {
		return e
	}
	start, count := listParams(c.r)
	proj := projectionOf(c.r)
	var total int64
	var out []map[string]any
	e = c.view(func(tx *store.Tx) *Error {
		q := from(tx).Where(alias+".workspace_id = ?", tx.Workspace).Where(f.SQL, f.Args...)
		if err := q.Count(&total).Error; err != nil {
			return c.h.fromError(err)
		}
		var ids []string
		if count > 0 {
			order := alias + ".created_at, " + alias + ".id"
			if err := q.Order(order).Offset(start-1).Limit(count).Pluck(alias+".id", &ids).Error; err != nil {
				return c.h.fromError(err)
			}
		}
		for _, id := range ids {
			m, e := render(tx, id, proj)
			if e != nil {
				return e
			}
			out = append(out, m)
		}
		return nil
	})
	if e != nil {
		return e
	}
	c.h.write(c.w, http.StatusOK, listOf(out, int(total), start))
	return nil
}

// createUser provisions a user: a new roster user, or, when the email
// belongs to a user no SCIM record names yet, that user (adopted). Adopting
// an admin writes only the SCIM record: the email is theirs already, and
// users refuses provisioning any change of an admin's email or status.
func (c *call) createUser() *Error {
	doc, e := c.userBody()
	if e != nil {
		return e
	}
	var u users.User
	var rec record
	e = c.mutate(func(tx *store.Tx) *Error {
		existing, err := userByEmailTx(tx, doc["userName"].(string))
		switch {
		case err == nil:
			if _, taken, err := loadRecord(tx.DB, tx.Workspace, kindUser, existing.ID); err != nil {
				return c.h.fromError(err)
			} else if taken || existing.Kind != users.KindPerson {
				return scimErr(http.StatusConflict, TypeUniqueness, "A user with this userName is provisioned already.")
			}
			u = existing
		case isNotFound(err):
			if u, err = c.registerTx(tx, doc["userName"].(string)); err != nil {
				return c.h.fromError(err)
			}
		default:
			return c.h.fromError(err)
		}
		rec = record{Kind: kindUser, RosterID: u.ID}
		u, rec, e = c.commitUser(tx, u, rec, doc)
		return e
	})
	if e != nil {
		return e
	}
	return c.respondUser(http.StatusCreated, u, rec)
}

// updateUser serves PUT (the body replaces what the IdP sent) and PATCH
// (the operations apply to the user's document).
func (c *call) updateUser(id string) *Error {
	var doc map[string]any
	var ops []patchOp
	body, e := c.h.readBody(c.w, c.r)
	if e != nil {
		return e
	}
	if c.r.Method == http.MethodPatch {
		if ops, e = parsePatch(body); e != nil {
			return e
		}
	} else if doc, e = c.userDoc(body); e != nil {
		return e
	}
	var u users.User
	var rec record
	e = c.mutate(func(tx *store.Tx) *Error {
		var e *Error
		if u, rec, e = c.provisioned(tx, id); e != nil {
			return e
		}
		if ops != nil {
			if doc, e = c.patchedUser(u, rec, ops); e != nil {
				return e
			}
		}
		u, rec, e = c.commitUser(tx, u, rec, doc)
		return e
	})
	if e != nil {
		return e
	}
	return c.respondUser(http.StatusOK, u, rec)
}

func (c *call) patchedUser(u users.User, rec record, ops []patchOp) (map[string]any, *Error) {
	doc := userDocOf(u, rec)
	for _, op := range ops {
		if e := c.h.userDef.apply(doc, op); e != nil {
			return nil, e
		}
	}
	return c.userDoc(doc)
}

// deleteUser deactivates the user and ends its SCIM record: a later GET is
// 404, and the roster user stays, deactivated, for the admins.
func (c *call) deleteUser(id string) *Error {
	e := c.mutate(func(tx *store.Tx) *Error {
		u, _, e := c.provisioned(tx, id)
		if e != nil {
			return e
		}
		if _, err := c.setActiveTx(tx, u.ID, false); err != nil {
			return c.h.fromError(err)
		}
		if err := deleteRecord(tx, kindUser, u.ID); err != nil {
			return c.h.fromError(err)
		}
		tx.Audit("scim.user.delete", u.ID, nil)
		return nil
	})
	if e != nil {
		return e
	}
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// userBody reads a POST body into a user document.
func (c *call) userBody() (map[string]any, *Error) {
	body, e := c.h.readBody(c.w, c.r)
	if e != nil {
		return nil, e
	}
	return c.userDoc(body)
}

// userDoc canonicalizes a user document and checks its userName.
func (c *call) userDoc(body map[string]any) (map[string]any, *Error) {
	doc, e := c.h.userDef.canonical(body)
	if e != nil {
		return nil, e
	}
	if e := checkExternalID(doc); e != nil {
		return nil, e
	}
	name, _ := doc["userName"].(string)
	if name == "" {
		return nil, badRequest(TypeInvalidValue, "A user needs a userName, its email address.")
	}
	if _, err := users.NormalizeEmail(name); err != nil {
		return nil, badRequest(TypeInvalidValue, fmt.Sprintf("The userName %q is not a valid email address.", name))
	}
	return doc, nil
}

// commitUser makes roster and the record say what doc says: the email (a
// userName change changes it, audited), the status when doc has active, and
// the record.
func (c *call) commitUser(tx *store.Tx, u users.User, old record, doc map[string]any) (users.User, record, *Error) {
	var err error
	if u, err = c.changeEmailTx(tx, u.ID, doc["userName"].(string)); err != nil {
		return u, old, c.h.fromError(err)
	}
	if active, ok := doc["active"].(bool); ok && active != u.Active {
		if u, err = c.setActiveTx(tx, u.ID, active); err != nil {
			return u, old, c.h.fromError(err)
		}
	}
	rec, err := userRecordOf(old, doc)
	if err != nil {
		return u, old, c.h.fromError(err)
	}
	if rec.same(old) {
		return u, old, nil
	}
	action := "scim.user.update"
	if old.ExternalID == "" && old.UserName == "" && old.CreatedAt.IsZero() {
		action = "scim.user.provision"
	}
	if err := saveRecord(tx, &rec); err != nil {
		return u, old, c.h.fromError(err)
	}
	tx.Audit(action, u.ID, nil)
	return u, rec, nil
}

// userRecordOf returns old with what doc says: the mapped attributes in
// their columns, the rest as JSON.
func userRecordOf(old record, doc map[string]any) (record, error) {
	rec := old
	rest := map[string]any{}
	for k, v := range doc {
		rest[k] = v
	}
	take := func(m map[string]any, k string) string {
		s, _ := m[k].(string)
		delete(m, k)
		return s
	}
	rec.UserName = take(rest, "userName")
	rec.ExternalID = take(rest, "externalId")
	rec.DisplayName = take(rest, "displayName")
	delete(rest, "active")
	rec.GivenName, rec.FamilyName, rec.Formatted = "", "", ""
	if name, ok := rest["name"].(map[string]any); ok {
		extra := map[string]any{}
		for k, v := range name {
			extra[k] = v
		}
		rec.GivenName, rec.FamilyName, rec.Formatted = take(extra, "givenName"), take(extra, "familyName"), take(extra, "formatted")
		delete(rest, "name")
		if len(extra) > 0 {
			rest["name"] = extra
		}
	}
	return rec, rec.setAttributes(rest)
}

// userDocOf is the canonical document of a provisioned user: its record
// and roster's email and status.
func userDocOf(u users.User, rec record) map[string]any {
	doc := rec.attributes()
	doc["userName"] = u.Email
	if n, err := users.NormalizeEmail(rec.UserName); err == nil && n == u.Email {
		doc["userName"] = rec.UserName // as the provider spelled it
	}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(doc, "externalId", rec.ExternalID)
	set(doc, "displayName", rec.DisplayName)
	name, _ := doc["name"].(map[string]any)
	if name == nil {
		name = map[string]any{}
	}
	set(name, "givenName", rec.GivenName)
	set(name, "familyName", rec.FamilyName)
	set(name, "formatted", rec.Formatted)
	if len(name) > 0 {
		doc["name"] = name
	}
	doc["active"] = u.Active
	return doc
}

// renderUser is the SCIM User resource of u: its document, id, schemas,
// meta, a work email when the provider sent none, and its groups.
func (c *call) renderUser(tx *store.Tx, u users.User, rec record, proj projection) (map[string]any, *Error) {
	m := userDocOf(u, rec)
	m["id"] = u.ID
	schemas := []string{UserSchema}
	if _, ok := m[EnterpriseUserSchema]; ok {
		schemas = append(schemas, EnterpriseUserSchema)
	}
	m["schemas"] = schemas
	if _, ok := m["emails"]; !ok {
		m["emails"] = []map[string]any{{"value": u.Email, "type": "work", "primary": true}}
	}
	if proj.wants("groups") {
		gs, e := c.groupsOf(tx, u.ID)
		if e != nil {
			return nil, e
		}
		m["groups"] = gs
	}
	m["meta"] = map[string]any{"resourceType": "User", "created": stamp(rec.CreatedAt), "lastModified": stamp(rec.UpdatedAt),
		"location": c.h.location(c.r, "/Users/"+u.ID)}
	return proj.apply(m), nil
}

func (c *call) groupsOf(tx *store.Tx, userID string) ([]map[string]any, *Error) {
	ids, err := authz.GroupsOf(tx, userID)
	if err != nil {
		return nil, c.h.fromError(err)
	}
	out := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		g, err := getGroupTx(tx, id)
		if err != nil {
			return nil, c.h.fromError(err)
		}
		out = append(out, map[string]any{"value": g.ID, "display": g.Name, "$ref": c.h.location(c.r, "/Groups/"+g.ID), "type": "direct"})
	}
	return out, nil
}

func getGroupTx(tx *store.Tx, id string) (groups.Group, error) {
	return construct.Get[func(*store.Tx, string) (groups.Group, error)]("groups.GetTx")(tx, id)
}

func (c *call) respondUser(status int, u users.User, rec record) *Error {
	var out map[string]any
	e := c.view(func(tx *store.Tx) *Error {
		var e *Error
		out, e = c.renderUser(tx, u, rec, projection{})
		return e
	})
	if e != nil {
		return e
	}
	if status == http.StatusCreated {
		c.w.Header().Set("Location", c.h.location(c.r, "/Users/"+u.ID))
	}
	c.h.write(c.w, status, out)
	return nil
}

// stamp is a time as SCIM's meta writes it.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
