package scim

import (
	"net/http"

	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
)

// Schema URNs of the resources and messages the Handler serves.
const (
	UserSchema           = schema.UserSchema
	GroupSchema          = schema.GroupSchema
	EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListSchema           = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	spcSchema            = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resourceTypeSchema   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
)

// discovery serves ServiceProviderConfig, ResourceTypes and Schemas (RFC
// 7644 section 4), which need no token.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request, segs []string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.fail(w, r, methodNotAllowed())
		return
	}
	var (
		all  []map[string]any
		body any
	)
	switch segs[0] {
	case "ServiceProviderConfig":
		if len(segs) > 1 {
			h.fail(w, r, notFound())
			return
		}
		h.write(w, http.StatusOK, h.serviceProviderConfig(r))
		return
	case "ResourceTypes":
		all = h.resourceTypes(r)
	case "Schemas":
		all = h.schemas(r)
	}
	switch len(segs) {
	case 1:
		body = listOf(all, len(all), 1)
	case 2:
		for _, m := range all {
			if m["id"] == segs[1] {
				body = m
			}
		}
	}
	if body == nil {
		h.fail(w, r, notFound())
		return
	}
	h.write(w, http.StatusOK, body)
}

// listOf is a ListResponse of resources out of total, starting at the
// 1-based index start.
func listOf[T any](resources []T, total, start int) map[string]any {
	if resources == nil {
		resources = []T{}
	}
	return map[string]any{
		"schemas":      []string{ListSchema},
		"totalResults": total,
		"itemsPerPage": len(resources),
		"startIndex":   start,
		"Resources":    resources,
	}
}

func (h *Handler) serviceProviderConfig(r *http.Request) map[string]any {
	no := map[string]any{"supported": false}
	return map[string]any{
		"schemas":          []string{spcSchema},
		"documentationUri": "https://github.com/rosterhq/roster/blob/main/docs/scim.md",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": MaxCount},
		"changePassword":   no,
		"sort":             no,
		"etag":             no,
		"authenticationSchemes": []map[string]any{{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "A SCIM token of the workspace, created by an admin, sent as Authorization: Bearer <token>.",
			"primary":     true,
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.location(r, "/ServiceProviderConfig")},
	}
}

func (h *Handler) resourceTypes(r *http.Request) []map[string]any {
	rt := func(name, endpoint, sch string, ext []map[string]any) map[string]any {
		m := map[string]any{
			"schemas":     []string{resourceTypeSchema},
			"id":          name,
			"name":        name,
			"endpoint":    endpoint,
			"description": name,
			"schema":      sch,
			"meta":        map[string]any{"resourceType": "ResourceType", "location": h.location(r, "/ResourceTypes/"+name)},
		}
		if ext != nil {
			m["schemaExtensions"] = ext
		}
		return m
	}
	return []map[string]any{
		rt("User", "/Users", UserSchema, []map[string]any{{"schema": EnterpriseUserSchema, "required": false}}),
		rt("Group", "/Groups", GroupSchema, nil),
	}
}

// schemas returns the definitions of RFC 7643 section 8.7 (through
// github.com/elimity-com/scim/schema) of the User, Group and enterprise
// User extension schemas.
func (h *Handler) schemas(r *http.Request) []map[string]any {
	out := []map[string]any{schema.CoreUserSchema().ToMap(), schema.CoreGroupSchema().ToMap(), enterpriseUser().ToMap()}
	for _, m := range out {
		m["meta"] = map[string]any{"resourceType": "Schema", "location": h.location(r, "/Schemas/"+m["id"].(string))}
	}
	return out
}

// enterpriseUser is the part of RFC 7643 section 4.3's enterprise User
// extension that roster keeps (every attribute of it is stored as sent and
// returned by GET; none changes roster's own data).
func enterpriseUser() schema.Schema {
	str := func(name, desc string) schema.CoreAttribute {
		return schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{Name: name, Description: optional.NewString(desc)}))
	}
	return schema.Schema{
		ID:          EnterpriseUserSchema,
		Name:        optional.NewString("EnterpriseUser"),
		Description: optional.NewString("Enterprise User"),
		Attributes: []schema.CoreAttribute{
			str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
			str("costCenter", "Identifies the name of a cost center."),
			str("organization", "Identifies the name of an organization."),
			str("division", "Identifies the name of a division."),
			str("department", "Identifies the name of a department."),
			schema.ComplexCoreAttribute(schema.ComplexParams{
				Name:        "manager",
				Description: optional.NewString("The user's manager."),
				SubAttributes: []schema.SimpleParams{
					schema.SimpleStringParams(schema.StringParams{Name: "value", Description: optional.NewString("The id of the SCIM resource representing the user's manager.")}),
					schema.SimpleStringParams(schema.StringParams{Name: "displayName", Mutability: schema.AttributeMutabilityReadOnly(), Description: optional.NewString("The displayName of the user's manager.")}),
				},
			}),
		},
	}
}
