// Package wasihttp is an HTTP client for WASI guests over the
// `wasi_experimental_http` host functions (deislabs' v0.10 ABI, which
// wasi-host implements; see DESIGN.md).
//
//	resp, err := wasihttp.Do(&wasihttp.Request{
//		Method: "POST",
//		URL:    "http://127.0.0.1:3500/v1.0/state/statestore",
//		Header: []wasihttp.HeaderField{{Name: "Content-Type", Value: "application/json"}},
//		Body:   []byte(`[{"key":"k","value":1}]`),
//	})
//	if err != nil { ... }          // *wasihttp.Error; errors.Is(err, wasihttp.DestinationNotAllowed)
//	defer resp.Close()             // always: the host limits open responses
//	etag, ok, err := resp.Header("ETag")
//	body, err := io.ReadAll(resp)  // a Response is an io.ReadCloser over the body
//
// Every ABI call returns an error code; this package turns a non-zero code
// into an *Error carrying the Code, and never panics on what the host
// answers. Outside GOOS=wasip1 the package still compiles (so `go vet` and
// `go test` run natively), but every host call fails with RuntimeError.
package wasihttp
