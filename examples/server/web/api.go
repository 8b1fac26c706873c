package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// apiError is an answer of the JSON API other than 2xx: its status and the
// body {"detail", "code"} of docs/http.md. Pages show Detail as it is.
type apiError struct {
	Status int
	Detail string
	Code   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("web: API answered %d %s: %s", e.Status, e.Code, e.Detail)
}

// api reads the JSON API in-process as the signed-in browser: each call is a
// GET through Options.API carrying only the browser's Cookie header, so the
// API authenticates the same session and applies its own permission checks.
// The pages never decide who may see what; they show what the API answers.
type api struct {
	h http.Handler
	r *http.Request // the browser's request
}

// get sends GET path?query and decodes a 2xx body into dst (nil: ignore it).
// Any other status is an *apiError. It returns the response headers.
func (a api) get(path string, query url.Values, dst any) (http.Header, error) {
	u := path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(a.r.Context(), http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Host, req.RemoteAddr = a.r.Host, a.r.RemoteAddr
	if c := a.r.Header.Get("Cookie"); c != "" {
		req.Header.Set("Cookie", c)
	}
	req.Header.Set("Accept", "application/json")
	rec := &recorder{header: http.Header{}}
	a.h.ServeHTTP(rec, req)
	if rec.status/100 != 2 {
		return rec.header, decodeError(rec)
	}
	if dst == nil {
		return rec.header, nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), dst); err != nil {
		return rec.header, fmt.Errorf("web: decoding GET %s: %w", path, err)
	}
	return rec.header, nil
}

// decodeError turns an error answer into an *apiError, keeping the API's
// detail; a body that is not docs/http.md's error gets the status text.
func decodeError(rec *recorder) *apiError {
	e := &apiError{Status: rec.status}
	var body struct {
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}
	if json.Unmarshal(rec.body.Bytes(), &body) == nil && body.Detail != "" {
		e.Detail, e.Code = body.Detail, body.Code
	} else {
		e.Detail = http.StatusText(rec.status)
	}
	return e
}

// pages reads every page of a paged list endpoint (page_num from 0,
// page_size 1,000), calling each with the decoded page, until a page is
// shorter than the size.
func pages[T any](a api, path string, query url.Values, each func([]T)) error {
	const size = 1000
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("page_size", strconv.Itoa(size))
	for n := 0; ; n++ {
		q.Set("page_num", strconv.Itoa(n))
		var items []T
		if _, err := a.get(path, q, &items); err != nil {
			return err
		}
		each(items)
		if len(items) < size {
			return nil
		}
	}
}

// recorder is the http.ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
