package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/users"
)

// Paging limits of the list endpoints (Onyx's: page_num from 0, page_size
// 1 to 1,000).
const (
	defaultPageSize = 100
	maxPageSize     = users.MaxPageSize
	maxPageNum      = 1 << 20
)

// DecodeJSON reads the request body as exactly one JSON value into dst: at
// most limit bytes, no unknown fields, nothing after the value. Every failure
// is an error matching roster.ErrInvalid that names what is wrong (the
// field, for a wrong type), which WriteError answers 400 INVALID_INPUT; a
// body over limit also matches ErrPayloadTooLarge, answered 413
// PAYLOAD_TOO_LARGE with the limit in the sentence. An
// application serving its own routes beside the Handler uses it so its bad
// input gets the same answers.
func DecodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	return decode(w, r, limit, dst)
}

func decode(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, limit)
		}
		return invalid("body", "holds more than one JSON value")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge(limit)
	case errors.Is(err, io.EOF):
		return invalid("body", "is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("body", "is malformed JSON: it ends too early")
	case errors.As(err, &syntax):
		return invalid("body", "is malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalid(field, "must be %s, not %s", jsonType(typ.Type), jsonValue(typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalid(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	}
	return invalid("body", "is not valid JSON")
}

// jsonType names a destination type the way a JSON client thinks of it,
// by its kind, so no Go type name ever reaches a sentence.
func jsonType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another JSON type"
}

// jsonValue names the JSON value json.UnmarshalTypeError reports ("array",
// "number 1.5", ...) with an article, as a person would say it.
func jsonValue(v string) string {
	kind, number, _ := strings.Cut(v, " ")
	switch kind {
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "string":
		return "a string"
	case "number":
		if number != "" {
			return number // a fraction or out of range for a whole number
		}
		return "a number"
	case "bool":
		return "a boolean"
	}
	return v
}

// page is a page_num and page_size query, as offset and limit.
type page struct{ offset, limit int }

// pageQuery reads page_num (from 0) and page_size (1 to 1,000, default 100).
func pageQuery(q url.Values) (page, error) {
	num, err := intQuery(q, "page_num", 0, 0, maxPageNum)
	if err != nil {
		return page{}, err
	}
	size, err := intQuery(q, "page_size", defaultPageSize, 1, maxPageSize)
	if err != nil {
		return page{}, err
	}
	return page{offset: num * size, limit: size}, nil
}

func intQuery(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalid(name, "must be a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(q url.Values, name string) (*bool, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, invalid(name, "must be true or false")
	}
	return &b, nil
}

// timeQuery reads an optional RFC 3339 time.
func timeQuery(q url.Values, name string, def time.Time) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, invalid(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// rolesQuery reads the repeatable roles parameter. A role that is not one of
// the five is a 400 naming it.
func rolesQuery(q url.Values) ([]access.Role, error) {
	var out []access.Role
	for _, s := range q["roles"] {
		if !access.Role(s).Valid() {
			return nil, invalid("roles", "holds %q, which is not a role", s)
		}
		out = append(out, access.Role(s))
	}
	return out, nil
}
