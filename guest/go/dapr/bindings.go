package dapr

import "strings"

// BindingRequest is a call of an output binding.
type BindingRequest struct {
	// Operation is the binding's verb: "create" for most, "get"/"post"/…
	// for bindings.http, "delete" for bindings.redis, …
	Operation string `json:"operation"`
	// Data is encoded as JSON; a Go string is sent as a JSON string, which
	// Dapr hands to the binding as the string's bytes.
	Data     any               `json:"data,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// BindingResponse is what the binding returned.
type BindingResponse struct {
	// Data is the binding's answer as bytes (bindings.http: the response body).
	Data []byte
	// Metadata is the binding's response metadata, which Dapr returns in
	// `metadata.<key>` headers (bindings.http: statusCode, status, …).
	Metadata map[string]string
}

const bindingMetadataHeader = "metadata."

// InvokeBinding calls an output binding (POST /v1.0/bindings/<name>).
func (c *Client) InvokeBinding(name string, req BindingRequest) (*BindingResponse, error) {
	op := "invoke binding " + name + " " + req.Operation
	o, err := jsonRequest("POST", c.pathURL("v1.0", "bindings", name), req)
	if err != nil {
		return nil, invalidRequest(op, err)
	}
	o.wantAllHeaders = true
	a, err := c.do(op, o)
	if err != nil {
		return nil, err
	}
	resp := &BindingResponse{Data: a.body, Metadata: map[string]string{}}
	for name, value := range a.header {
		if key, ok := strings.CutPrefix(name, bindingMetadataHeader); ok {
			resp.Metadata[key] = value
		}
	}
	return resp, nil
}
