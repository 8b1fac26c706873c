package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// The SCIM error types of RFC 7644 section 3.12 that roster answers with.
const (
	// TypeInvalidFilter is answered for a filter roster cannot parse or does
	// not serve (an attribute outside the allow-list, an operator other than
	// eq, co, sw and pr).
	TypeInvalidFilter = "invalidFilter"
	// TypeInvalidSyntax is answered for a body that is not the JSON object
	// the request needs, and for a content type other than JSON.
	TypeInvalidSyntax = "invalidSyntax"
	// TypeInvalidPath is answered for a PATCH path roster does not serve.
	TypeInvalidPath = "invalidPath"
	// TypeInvalidValue is answered for a value roster refuses: an email that
	// is not valid, an unknown member id, more than MaxMembers members.
	TypeInvalidValue = "invalidValue"
	// TypeUniqueness is answered when the userName or displayName belongs to
	// another provisioned resource already.
	TypeUniqueness = "uniqueness"
	// TypeMutability is answered for a PATCH path naming what the server
	// owns or what is read-only: id, schemas, meta, a user's groups. Roles
	// are not refused: they are data the SCIM record keeps, never a roster
	// role.
	TypeMutability = "mutability"
	// TypeNoTarget is answered for a value-path filter that matches nothing
	// where something must be replaced.
	TypeNoTarget = "noTarget"
)

// ErrorSchema is the schema URN of a SCIM error body.
const ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"

// Error is a SCIM error response (RFC 7644 section 3.12): the HTTP status,
// written as a string in the body, the scimType where RFC 7644 defines one,
// and one plain sentence for a person. It is what every refusal of the
// Handler answers, as the body {"schemas":[ErrorSchema], "status":"400",
// "scimType":"invalidValue", "detail":"..."}.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

// Error returns the detail with the status, for logs.
func (e *Error) Error() string {
	return "scim: " + strconv.Itoa(e.Status) + " " + e.ScimType + ": " + e.Detail
}

// MarshalJSON writes the SCIM error envelope.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail"`
	}{[]string{ErrorSchema}, strconv.Itoa(e.Status), e.ScimType, e.Detail})
}

// scimErr builds an Error.
func scimErr(status int, scimType, detail string) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: detail}
}

func badRequest(scimType, detail string) *Error {
	return scimErr(http.StatusBadRequest, scimType, detail)
}
