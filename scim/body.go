package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// readBody reads a request's JSON object: application/scim+json or
// application/json (or no Content-Type at all), at most
// Config.MaxBodyBytes. Another media type is 400 invalidSyntax (RFC 7644
// defines no 415; the SCIM envelope tells the client what is wrong), a
// larger body 413, anything but one JSON object 400 invalidSyntax.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (map[string]any, *Error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != ContentType && mt != "application/json") {
			return nil, badRequest(TypeInvalidSyntax, "The request body must be application/scim+json or application/json.")
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, scimErr(http.StatusRequestEntityTooLarge, "", fmt.Sprintf("The request body is larger than %d bytes.", tooBig.Limit))
	}
	if err != nil {
		return nil, badRequest(TypeInvalidSyntax, "The request body could not be read.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil || dec.More() {
		return nil, badRequest(TypeInvalidSyntax, "The request body is not a JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest(TypeInvalidSyntax, "The request body is not a JSON object.")
	}
	return body, nil
}
