package dapr

import (
	"errors"
	"io"
	"strings"

	"wasi-operator.dev/guest/wasihttp"
)

// outgoing is one request as the client methods describe it, and answer what
// came back with the response handle already closed: reading everything
// needed in one place closes the handle on every path.
type outgoing struct {
	method      string
	url         string
	contentType string
	ifMatch     string
	body        []byte
	hasBody     bool
	// Headers to read from a 2xx answer with a body (not after a 204:
	// asking would only be a "header not found" the host logs).
	wantHeaders []string
	// Read every header of a 2xx answer (bindings return metadata in them).
	wantAllHeaders bool
}

type answer struct {
	status int
	body   []byte
	// Lower-case names of the headers asked for that were present.
	header map[string]string
}

// transport sends one request. The client's default is the host ABI; the
// package's tests put a fake in its place.
type transport func(*outgoing) (*answer, error)

func wasiTransport(o *outgoing) (*answer, error) {
	req := &wasihttp.Request{Method: o.method, URL: o.url, Body: o.body}
	if o.hasBody && o.contentType != "" {
		req.Header = append(req.Header, wasihttp.HeaderField{Name: "Content-Type", Value: o.contentType})
	}
	if o.ifMatch != "" {
		req.Header = append(req.Header, wasihttp.HeaderField{Name: "If-Match", Value: o.ifMatch})
	}
	resp, err := wasihttp.Do(req)
	if err != nil {
		return nil, err
	}
	a, readErr := readAnswer(resp, o)
	return a, errors.Join(readErr, resp.Close())
}

func readAnswer(resp *wasihttp.Response, o *outgoing) (*answer, error) {
	a := &answer{status: resp.Status, header: map[string]string{}}
	if resp.OK() && resp.Status != 204 {
		if o.wantAllHeaders {
			fields, err := resp.Headers()
			if err != nil {
				return nil, err
			}
			for _, f := range fields {
				a.header[strings.ToLower(f.Name)] = f.Value
			}
		}
		for _, name := range o.wantHeaders {
			value, ok, err := resp.Header(name)
			if err != nil {
				return nil, err
			}
			if ok {
				a.header[strings.ToLower(name)] = value
			}
		}
	}
	body, err := io.ReadAll(resp)
	if err != nil {
		return nil, err
	}
	a.body = body
	return a, nil
}
