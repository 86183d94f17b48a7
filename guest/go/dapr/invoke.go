package dapr

import "strings"

// InvokeRequest is a call of another app's method through the sidecar.
type InvokeRequest struct {
	// HTTPMethod defaults to POST when Data is set, else GET.
	HTTPMethod  string
	Data        []byte
	ContentType string
	// Query is appended as is (without the "?"), e.g. "id=7".
	Query string
}

// InvokeResponse is the app's answer, passed through by Dapr.
type InvokeResponse struct {
	Status      int
	ContentType string
	Data        []byte
}

// InvokeMethod calls method on app appID (/v1.0/invoke/<app-id>/method/<method>).
// method may hold slashes ("orders/7"); each segment is escaped. An answer
// outside 2xx, the app's or Dapr's, is an *Error with that status.
func (c *Client) InvokeMethod(appID, method string, req *InvokeRequest) (*InvokeResponse, error) {
	if req == nil {
		req = &InvokeRequest{}
	}
	verb := req.HTTPMethod
	if verb == "" {
		verb = "GET"
		if req.Data != nil {
			verb = "POST"
		}
	}
	segments := append([]string{"v1.0", "invoke", appID, "method"}, strings.Split(strings.TrimLeft(method, "/"), "/")...)
	target := c.pathURL(segments...)
	if req.Query != "" {
		target += "?" + req.Query
	}
	o := &outgoing{method: verb, url: target, body: req.Data, hasBody: req.Data != nil, contentType: req.ContentType, wantHeaders: []string{"content-type"}}
	a, err := c.do("invoke "+appID+"/"+method, o)
	if err != nil {
		return nil, err
	}
	return &InvokeResponse{Status: a.status, ContentType: a.header["content-type"], Data: a.body}, nil
}
