package dapr

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"strings"
)

// Client talks to one sidecar. The zero value is not usable; use NewClient
// or NewClientAt.
type Client struct {
	// Endpoint is the sidecar's base URL without a trailing slash.
	Endpoint string
	// RequestLog, when set, gets one line per request as the seed's client
	// printed them: "POST <url> with <body>" or "GET <url>".
	RequestLog io.Writer

	send transport
}

// NewClient finds the sidecar from the environment (see SidecarEndpoint).
func NewClient() *Client { return NewClientAt(SidecarEndpoint()) }

// NewClientAt talks to the sidecar at endpoint, e.g. "http://127.0.0.1:3500".
func NewClientAt(endpoint string) *Client {
	return &Client{Endpoint: strings.TrimRight(endpoint, "/"), send: wasiTransport}
}

// do logs and sends one request, and turns a failed exchange or a non-2xx
// answer into an *Error naming op.
func (c *Client) do(op string, o *outgoing) (*answer, error) {
	if c.RequestLog != nil {
		line := o.method + " " + o.url
		if o.hasBody {
			line += " with " + string(o.body)
		}
		io.WriteString(c.RequestLog, line+"\n")
	}
	a, err := c.send(o)
	if err != nil {
		return nil, exchangeFailed(op, err)
	}
	if a.status < 200 || a.status > 299 {
		return nil, answerFailed(op, a.status, a.body)
	}
	return a, nil
}

// jsonRequest is an outgoing POST (or PUT) of v encoded as JSON.
func jsonRequest(method, target string, v any) (*outgoing, error) {
	body, err := encodeJSON(v)
	if err != nil {
		return nil, err
	}
	return &outgoing{method: method, url: target, contentType: "application/json", body: body, hasBody: true}, nil
}

// encodeJSON is json.Marshal without HTML escaping (Dapr stores the text as
// given, and the seed's log lines show it) and without the trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// pathURL joins the endpoint with escaped path segments.
func (c *Client) pathURL(segments ...string) string {
	var b strings.Builder
	b.WriteString(c.Endpoint)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// withMetadata adds Dapr's `metadata.<key>=<value>` query parameters, in a
// stable order so that logs and tests can compare URLs.
func withMetadata(target string, metadata map[string]string) string {
	if len(metadata) == 0 {
		return target
	}
	q := url.Values{}
	for k, v := range metadata {
		q.Set("metadata."+k, v)
	}
	return target + "?" + q.Encode()
}
